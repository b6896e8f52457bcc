//! What `file`, `copy`, `template` and `lineinfile` share: the common file arguments
//! (`mode`, `owner`, `group`), reading a path's state on the target in the same round trip
//! as the module's own probes, deciding the minimal `chown`/`chgrp`/`chmod`, and the path
//! facts Ansible adds to every result (`uid`, `gid`, `owner`, `group`, `mode`, `state`, `size`).

use std::collections::HashMap;

use super::args::{get, string};
use super::{ModuleContext, ModuleError};
use crate::connection::{Command, shell_quote};
use crate::vars::{Key, Map, Value};

/// Arguments every file-writing module accepts (Ansible's `add_file_common_args`).
pub const COMMON_ARGS: &[&str] = &[
    "mode",
    "owner",
    "group",
    "seuser",
    "serole",
    "setype",
    "selevel",
    "unsafe_writes",
    "attributes",
    "attr",
];

/// Shell functions every probe and apply script starts with.
///
/// `_rs PATH TAG` prints `TAG|exists-followed|%f|%u|%g|%U|%G|%s|%h|%i` (the stat fields are
/// empty when the path does not exist, even as a dangling link).
pub const PRELUDE: &str = "_rs() { _s=$(stat -c '%f|%u|%g|%U|%G|%s|%h|%i' -- \"$1\" 2>/dev/null) || _s=; \
if [ -e \"$1\" ]; then _e=1; else _e=0; fi; printf '%s|%s|%s\\n' \"$2\" \"$_e\" \"$_s\"; }\n";

/// The requested `mode`.
#[derive(Debug, Clone, PartialEq)]
pub enum ModeSpec {
    Octal(u32),
    Symbolic(String),
}

/// `mode`, `owner`, `group` as given.
#[derive(Debug, Clone, Default)]
pub struct FileAttrs {
    pub mode: Option<ModeSpec>,
    pub owner: Option<String>,
    pub group: Option<String>,
}

impl FileAttrs {
    pub fn from_args(args: &Map) -> Result<Self, ModuleError> {
        let mode = match get(args, "mode") {
            None => None,
            Some(Value::Int(i)) if *i >= 0 => Some(ModeSpec::Octal(*i as u32)),
            Some(Value::Str(s)) | Some(Value::Unsafe(s)) => Some(parse_mode_str(s)),
            Some(v) => {
                return Err(ModuleError::new(format!(
                    "argument 'mode' has an invalid value: {}",
                    crate::output::python_repr::repr(v)
                )));
            }
        };
        Ok(FileAttrs {
            mode,
            owner: string(args, "owner")?.filter(|s| !s.is_empty()),
            group: string(args, "group")?.filter(|s| !s.is_empty()),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.mode.is_none() && self.owner.is_none() && self.group.is_none()
    }

    /// Probe lines resolving `owner`/`group` names to ids (`U|uid`, `G|gid`; empty when
    /// unknown) and the umask (`M|0022`).
    pub fn lookups(&self) -> String {
        let mut s = String::from(
            "printf 'M|%s\\n' \"$(umask)\"\nprintf 'I|%s|%s\\n' \"$(id -u)\" \"$(id -g)\"\n",
        );
        if let Some(o) = &self.owner
            && o.parse::<u32>().is_err()
        {
            s.push_str(&format!(
                "printf 'U|%s\\n' \"$(id -u -- {} 2>/dev/null)\"\n",
                shell_quote(o)
            ));
        }
        if let Some(g) = &self.group
            && g.parse::<u32>().is_err()
        {
            let q = shell_quote(g);
            s.push_str(&format!(
                "printf 'G|%s\\n' \"$( {{ getent group {q} 2>/dev/null || grep '^'{q}':' /etc/group; }} | head -n1 | cut -d: -f3)\"\n"
            ));
        }
        s
    }
}

/// A string mode: octal digits (as Python's `int(mode, 8)`), else symbolic (`u+rwx,g-w`).
fn parse_mode_str(s: &str) -> ModeSpec {
    let t = s.trim();
    let digits = t
        .strip_prefix("0o")
        .or_else(|| t.strip_prefix("0O"))
        .unwrap_or(t);
    match u32::from_str_radix(&digits.replace('_', ""), 8) {
        Ok(m) if !digits.is_empty() => ModeSpec::Octal(m),
        _ => ModeSpec::Symbolic(s.to_string()),
    }
}

/// Ansible's rendering of a mode: `'0%03o' % mode`.
pub fn mode_str(mode: u32) -> String {
    format!("0{mode:03o}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    Link,
    Other,
}

/// A path as `_rs` saw it (`lstat`).
#[derive(Debug, Clone)]
pub struct PathStat {
    pub kind: Kind,
    /// Permission bits (`S_IMODE`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub owner: String,
    pub group: String,
    pub size: u64,
    pub nlink: u64,
    pub inode: u64,
    /// The path exists when symlinks are followed.
    pub exists_followed: bool,
}

impl PathStat {
    /// Parse the fields `_rs` printed after its tag; `None` when the path is absent.
    pub fn parse(fields: &str) -> Option<PathStat> {
        let f: Vec<&str> = fields.split('|').collect();
        if f.len() < 8 || f[1].is_empty() {
            return None;
        }
        let raw = u32::from_str_radix(f[1], 16).ok()?;
        let kind = match raw & 0o170000 {
            0o100000 => Kind::File,
            0o040000 => Kind::Directory,
            0o120000 => Kind::Link,
            _ => Kind::Other,
        };
        let uid: u32 = f[2].parse().ok()?;
        let gid: u32 = f[3].parse().ok()?;
        let name = |s: &str, id: u32| {
            if s.is_empty() || s == "UNKNOWN" {
                id.to_string()
            } else {
                s.to_string()
            }
        };
        Some(PathStat {
            kind,
            mode: raw & 0o7777,
            uid,
            gid,
            owner: name(f[4], uid),
            group: name(f[5], gid),
            size: f[6].parse().unwrap_or(0),
            nlink: f.get(7).and_then(|s| s.parse().ok()).unwrap_or(1),
            inode: f.get(8).and_then(|s| s.parse().ok()).unwrap_or(0),
            exists_followed: f[0] == "1",
        })
    }

    /// Ansible's `get_state`: `link`, `directory`, `hard` (several links) or `file`.
    pub fn state(&self) -> &'static str {
        match self.kind {
            Kind::Link => "link",
            Kind::Directory => "directory",
            _ if self.nlink > 1 => "hard",
            _ => "file",
        }
    }
}

/// Ansible's `get_state` of a maybe-absent path.
pub fn state_of(st: &Option<PathStat>) -> &'static str {
    st.as_ref().map_or("absent", PathStat::state)
}

/// What a probe printed: tagged lines, then (after a line `--`) raw content.
pub struct Probe {
    lines: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// The marker between a probe's tagged lines and the raw content that follows.
pub const BODY_MARKER: &str = "echo --\n";

impl Probe {
    pub fn parse(stdout: &[u8]) -> Probe {
        let mut lines = HashMap::new();
        let mut pos = 0;
        while pos < stdout.len() {
            let end = stdout[pos..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(stdout.len(), |i| pos + i);
            let line = String::from_utf8_lossy(&stdout[pos..end]).into_owned();
            pos = (end + 1).min(stdout.len());
            if line == "--" {
                break;
            }
            if let Some((tag, rest)) = line.split_once('|') {
                lines.insert(tag.to_string(), rest.to_string());
            }
        }
        Probe {
            lines,
            body: stdout[pos..].to_vec(),
        }
    }

    pub fn get(&self, tag: &str) -> Option<&str> {
        self.lines.get(tag).map(String::as_str)
    }

    pub fn stat(&self, tag: &str) -> Option<PathStat> {
        self.get(tag).and_then(PathStat::parse)
    }

    pub fn umask(&self) -> u32 {
        self.get("M")
            .and_then(|s| u32::from_str_radix(s.trim(), 8).ok())
            .unwrap_or(0o022)
    }

    /// How a file or directory the module creates will look before its attributes are set:
    /// owned by the remote user, permissions from the umask.
    pub fn new_path_stat(&self, kind: Kind) -> PathStat {
        let (uid, gid) = self
            .get("I")
            .and_then(|s| s.split_once('|'))
            .map(|(u, g)| (u.trim().parse().unwrap_or(0), g.trim().parse().unwrap_or(0)))
            .unwrap_or((0, 0));
        let base = if kind == Kind::Directory {
            0o777
        } else {
            0o666
        };
        PathStat {
            kind,
            mode: base & !self.umask(),
            uid,
            gid,
            owner: uid.to_string(),
            group: gid.to_string(),
            size: 0,
            nlink: 1,
            inode: 0,
            exists_followed: true,
        }
    }

    /// Resolve `owner`/`group` to ids: numeric as given, names as the probe found them.
    pub fn ids(&self, attrs: &FileAttrs) -> Ids {
        let resolve = |given: &Option<String>, tag: &str| {
            given.as_ref().map(|name| {
                name.parse::<u32>()
                    .ok()
                    .or_else(|| self.get(tag).and_then(|s| s.trim().parse().ok()))
                    .ok_or_else(|| name.clone())
            })
        };
        Ids {
            uid: resolve(&attrs.owner, "U"),
            gid: resolve(&attrs.group, "G"),
            umask: self.umask(),
        }
    }
}

/// `owner`/`group` resolved on the target (`Err(name)`: no such user/group there).
#[derive(Debug, Clone)]
pub struct Ids {
    pub uid: Option<Result<u32, String>>,
    pub gid: Option<Result<u32, String>>,
    pub umask: u32,
}

/// Run a script on the target with the task's become, environment and timeout.
pub async fn run(
    cx: &ModuleContext<'_>,
    script: String,
    stdin: Option<Vec<u8>>,
) -> Result<crate::connection::Output, ModuleError> {
    let mut c = Command::new(script);
    c.stdin = stdin;
    c.env = cx.env.clone();
    c.become_ = cx.become_.clone();
    c.timeout = cx.timeout;
    Ok(cx.conn.run(&c).await?)
}

/// Run a probe script (PRELUDE prepended) and parse it; a failing script is an error.
pub async fn probe(cx: &ModuleContext<'_>, script: &str) -> Result<Probe, ModuleError> {
    let out = run(cx, format!("{PRELUDE}{script}"), None).await?;
    if out.rc != 0 {
        return Err(ModuleError::new(out.stderr_text().trim().to_string()));
    }
    Ok(Probe::parse(&out.stdout))
}

/// Run an apply script (PRELUDE prepended; it should end with `_rs PATH R`), returning
/// the probe of its output; a failure's message is the script's stderr.
pub async fn apply_script(
    cx: &ModuleContext<'_>,
    script: &str,
    stdin: Option<Vec<u8>>,
) -> Result<Probe, ModuleError> {
    let out = run(cx, format!("{PRELUDE}set -e\n{script}"), stdin).await?;
    if out.rc != 0 {
        let err = out.stderr_text();
        let msg = err.trim().lines().last().unwrap_or("").to_string();
        return Err(ModuleError::new(if msg.is_empty() {
            format!("command failed with rc {}", out.rc)
        } else {
            msg
        }));
    }
    Ok(Probe::parse(&out.stdout))
}

/// The minimal attribute changes for one path.
#[derive(Debug, Clone, Default)]
pub struct AttrChange {
    pub owner: Option<String>,
    pub group: Option<String>,
    pub mode: Option<u32>,
    /// Diff entries (`owner`, `group`, `mode`), before and after.
    pub before: Map,
    pub after: Map,
}

impl AttrChange {
    /// Shell commands making the change on `path` (already quoted).
    pub fn script(&self, qpath: &str) -> String {
        let mut s = String::new();
        if let Some(o) = &self.owner {
            s.push_str(&format!(
                "chown -h -- {} {qpath} || {{ echo {} >&2; exit 1; }}\n",
                shell_quote(o),
                shell_quote(&format!("chown failed: failed to look up user {o}"))
            ));
        }
        if let Some(g) = &self.group {
            s.push_str(&format!(
                "chgrp -h -- {} {qpath} || {{ echo {} >&2; exit 1; }}\n",
                shell_quote(g),
                shell_quote(&format!("chgrp failed: failed to look up group {g}"))
            ));
        }
        if let Some(m) = self.mode {
            s.push_str(&format!("chmod -- {m:o} {qpath}\n"));
        }
        s
    }
}

/// Decide the attribute changes for an existing path (`set_fs_attributes_if_different`).
/// `st` is the path as it is, or as it will be once created.
pub fn plan_attrs(
    attrs: &FileAttrs,
    ids: &Ids,
    st: &PathStat,
    path: &str,
) -> Result<AttrChange, ModuleError> {
    attrs_change(attrs, ids, st, path, false)
}

/// For a path the module is about to create: an owner or group unknown on the target now
/// is not an error yet (an earlier task may create it; Ansible only fails when applying).
pub fn plan_new_attrs(
    attrs: &FileAttrs,
    ids: &Ids,
    st: &PathStat,
    path: &str,
) -> Result<AttrChange, ModuleError> {
    attrs_change(attrs, ids, st, path, true)
}

fn attrs_change(
    attrs: &FileAttrs,
    ids: &Ids,
    st: &PathStat,
    path: &str,
    lenient: bool,
) -> Result<AttrChange, ModuleError> {
    let mut ch = AttrChange::default();
    if let (Some(name), Some(uid)) = (&attrs.owner, &ids.uid) {
        match uid {
            Ok(uid) if *uid == st.uid => {}
            Ok(uid) => {
                ch.owner = Some(name.clone());
                ch.before.insert("owner".into(), Value::Int(st.uid.into()));
                ch.after.insert("owner".into(), Value::Int((*uid).into()));
            }
            Err(_) if lenient => ch.owner = Some(name.clone()),
            Err(_) => {
                return Err(ModuleError::new(format!(
                    "chown failed: failed to look up user {name}"
                ))
                .with("path", Value::Str(path.to_string()))
                .with_path_info(st));
            }
        }
    }
    if let (Some(name), Some(gid)) = (&attrs.group, &ids.gid) {
        match gid {
            Ok(gid) if *gid == st.gid => {}
            Ok(gid) => {
                ch.group = Some(name.clone());
                ch.before.insert("group".into(), Value::Int(st.gid.into()));
                ch.after.insert("group".into(), Value::Int((*gid).into()));
            }
            Err(_) if lenient => ch.group = Some(name.clone()),
            Err(_) => {
                return Err(ModuleError::new(format!(
                    "chgrp failed: failed to look up group {name}"
                ))
                .with("path", Value::Str(path.to_string()))
                .with_path_info(st));
            }
        }
    }
    if let Some(spec) = &attrs.mode {
        // Symlinks have no mode of their own on Linux (Ansible skips lchmod there).
        if st.kind != Kind::Link {
            let want = resolve_mode(spec, st, ids.umask).map_err(|e| {
                ModuleError::new("mode must be in octal or symbolic form")
                    .with("path", Value::Str(path.to_string()))
                    .with_path_info(st)
                    .with("details", Value::Str(e))
            })?;
            if want != st.mode {
                ch.mode = Some(want);
                ch.before
                    .insert("mode".into(), Value::Str(mode_str(st.mode)));
                ch.after.insert("mode".into(), Value::Str(mode_str(want)));
            }
        }
    }
    Ok(ch)
}

/// The permission bits `spec` asks for, given the path's current state.
pub fn resolve_mode(spec: &ModeSpec, st: &PathStat, umask: u32) -> Result<u32, String> {
    match spec {
        ModeSpec::Octal(m) => Ok(*m),
        ModeSpec::Symbolic(s) => symbolic_mode(s, st.mode, st.kind == Kind::Directory, umask),
    }
}

/// Ansible's `_symbolic_mode_to_octal` (chmod's symbolic syntax).
pub fn symbolic_mode(spec: &str, current: u32, is_dir: bool, umask: u32) -> Result<u32, String> {
    const PERM_BITS: u32 = 0o7777;
    let mut new_mode = current & PERM_BITS;
    for clause in spec.split(',') {
        let bad = || format!("bad symbolic permission for mode: {clause}");
        let op_pos = clause.find(['+', '-', '=']).ok_or_else(bad)?;
        let who = &clause[..op_pos];
        let use_umask = who.is_empty();
        let who = if who.is_empty() || who == "a" {
            "ugo"
        } else {
            who
        };
        if !who.chars().all(|c| "ugo".contains(c)) {
            return Err(bad());
        }
        // Operators and the permission lists following each.
        let rest = &clause[op_pos..];
        let mut parts: Vec<(char, String)> = Vec::new();
        for c in rest.chars() {
            if "+-=".contains(c) {
                parts.push((c, String::new()));
            } else if let Some(last) = parts.last_mut() {
                last.1.push(c);
            }
        }
        for (op, perms) in parts {
            if !perms.chars().all(|c| "rwxXstugo".contains(c)) {
                return Err(bad());
            }
            for user in who.chars() {
                let prev = new_mode;
                let apply_x = is_dir || prev & 0o111 != 0;
                let rev_umask = umask ^ PERM_BITS;
                let masked = |bit: u32| if use_umask { rev_umask & bit } else { bit };
                let mut bits = 0;
                for p in perms.chars() {
                    bits |= match (user, p) {
                        ('u', 'r') => masked(0o400),
                        ('u', 'w') => masked(0o200),
                        ('u', 'x') => masked(0o100),
                        ('u', 's') => 0o4000,
                        ('u', 'X') if apply_x => 0o100,
                        ('u', 'u') => prev & 0o700,
                        ('u', 'g') => (prev & 0o070) << 3,
                        ('u', 'o') => (prev & 0o007) << 6,
                        ('g', 'r') => masked(0o040),
                        ('g', 'w') => masked(0o020),
                        ('g', 'x') => masked(0o010),
                        ('g', 's') => 0o2000,
                        ('g', 'X') if apply_x => 0o010,
                        ('g', 'u') => (prev & 0o700) >> 3,
                        ('g', 'g') => prev & 0o070,
                        ('g', 'o') => (prev & 0o007) << 3,
                        ('o', 'r') => masked(0o004),
                        ('o', 'w') => masked(0o002),
                        ('o', 'x') => masked(0o001),
                        ('o', 't') => 0o1000,
                        ('o', 'X') if apply_x => 0o001,
                        ('o', 'u') => (prev & 0o700) >> 6,
                        ('o', 'g') => (prev & 0o070) >> 3,
                        ('o', 'o') => prev & 0o007,
                        _ => 0,
                    };
                }
                new_mode = match op {
                    '=' => {
                        let mask = match user {
                            'u' => 0o4700,
                            'g' => 0o2070,
                            _ => 0o1007,
                        };
                        (new_mode & (mask ^ PERM_BITS)) | bits
                    }
                    '+' => new_mode | bits,
                    _ => new_mode & !bits,
                };
            }
        }
    }
    Ok(new_mode)
}

/// Failures carry the path facts too (Ansible's `fail_json` adds them as `exit_json` does).
trait WithPathInfo {
    fn with_path_info(self, st: &PathStat) -> Self;
}

impl WithPathInfo for ModuleError {
    fn with_path_info(mut self, st: &PathStat) -> Self {
        self.result.extend(path_info(&Some(st.clone())));
        self
    }
}

/// The path facts Ansible's `exit_json` adds when the result names a `path` or `dest`
/// that exists (following links): ids and names from `lstat`, mode, state, size.
pub fn path_info(st: &Option<PathStat>) -> Map {
    let mut m = Map::new();
    let Some(st) = st else { return m };
    if !st.exists_followed {
        return m;
    }
    m.insert("uid".into(), Value::Int(st.uid.into()));
    m.insert("gid".into(), Value::Int(st.gid.into()));
    m.insert("owner".into(), Value::Str(st.owner.clone()));
    m.insert("group".into(), Value::Str(st.group.clone()));
    m.insert("mode".into(), Value::Str(mode_str(st.mode)));
    m.insert("state".into(), Value::Str(st.state().into()));
    m.insert("size".into(), Value::Int(st.size as i64));
    m
}

/// A result map key.
pub fn key(s: &str) -> Key {
    Key::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(parse_mode_str("0644"), ModeSpec::Octal(0o644));
        assert_eq!(parse_mode_str("644"), ModeSpec::Octal(0o644));
        assert_eq!(parse_mode_str("u+x"), ModeSpec::Symbolic("u+x".to_string()));
        assert_eq!(symbolic_mode("u+x,g+r", 0o600, false, 0o022), Ok(0o740));
        assert_eq!(
            symbolic_mode("u=rwx,g=rx,o=", 0o644, false, 0o022),
            Ok(0o750)
        );
        assert_eq!(symbolic_mode("a+X", 0o644, true, 0o022), Ok(0o755));
        assert_eq!(symbolic_mode("a+X", 0o644, false, 0o022), Ok(0o644));
        assert_eq!(symbolic_mode("+w", 0o444, false, 0o022), Ok(0o644));
        assert_eq!(symbolic_mode("go-rwx", 0o755, false, 0o022), Ok(0o700));
        assert_eq!(symbolic_mode("g=u", 0o740, false, 0o022), Ok(0o770));
        assert!(symbolic_mode("z+x", 0o644, false, 0o022).is_err());
    }

    #[test]
    fn probe_parsing() {
        let p = Probe::parse(b"S|1|81a4|0|0|root|root|4|1\nM|0022\n--\nbody\n");
        let st = p.stat("S").unwrap();
        assert_eq!(st.mode, 0o644);
        assert_eq!(st.kind, Kind::File);
        assert_eq!(p.umask(), 0o022);
        assert_eq!(p.body, b"body\n");
        assert!(Probe::parse(b"S|0|\n").stat("S").is_none());
    }
}
