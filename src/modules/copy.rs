//! `copy`: put a file (from `content` or a controller `src`) on the target, idempotent by
//! SHA-1, as ansible-core's `copy` action plugin and module together. `template` renders
//! and then hands over to the same code ([`plan_copy`]).

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::args::{boolean, check_known, get, string};
use super::digest::{md5_hex, sha1_hex};
use super::file_attrs::{
    self, BODY_MARKER, FileAttrs, Kind, ModeSpec, PathStat, apply_script, path_info, plan_attrs,
    plan_new_attrs,
};
use super::{Apply, Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::shell_quote;
use crate::vars::{Map, Value};

pub struct Copy;

const KNOWN: &[&str] = &[
    "src",
    "content",
    "dest",
    "backup",
    "force",
    "validate",
    "directory_mode",
    "remote_src",
    "local_follow",
    "checksum",
    "follow",
    "decrypt",
    "mode",
];

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

/// Find a controller file as Ansible's `_find_needle` (`path_dwim_relative_stack`) does:
/// absolute (or `~`) as is; else in each search directory's `<subdir>/` (unless the name
/// already starts with it) and then the directory itself, and last the playbook's
/// directory the same way.
pub(crate) fn find_needle(
    cx: &ModuleContext<'_>,
    subdir: &str,
    name: &str,
) -> Result<PathBuf, ModuleError> {
    let p = Path::new(name);
    if p.is_absolute() || name.starts_with('~') {
        let home = std::env::var("HOME").unwrap_or_default();
        let expanded = match name.strip_prefix('~') {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                PathBuf::from(format!("{home}{rest}"))
            }
            _ => p.to_path_buf(),
        };
        if expanded.exists() {
            return Ok(expanded);
        }
        return Err(not_found(name, &[]));
    }
    let mut dirs: Vec<PathBuf> = cx.search_paths.clone();
    let basedir = cx
        .vars
        .vars
        .get(&crate::vars::Key::from("playbook_dir"))
        .and_then(Value::as_str)
        .map(PathBuf::from);
    dirs.extend(basedir);
    if dirs.is_empty() {
        dirs.push(PathBuf::new());
    }
    let with_subdir = name.split('/').next() != Some(subdir);
    let mut tried = Vec::new();
    for dir in &dirs {
        if with_subdir {
            tried.push(dir.join(subdir).join(name));
        }
        tried.push(dir.join(name));
    }
    match tried.iter().find(|c| c.exists()) {
        Some(found) => Ok(found.clone()),
        None => Err(not_found(name, &tried)),
    }
}

fn not_found(name: &str, tried: &[PathBuf]) -> ModuleError {
    let mut msg = format!("Could not find or access '{name}'");
    if !tried.is_empty() {
        let list: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
        msg.push_str(&format!("\nSearched in:\n\t{}", list.join("\n\t")));
    }
    msg.push_str(
        " on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option",
    );
    ModuleError::new(msg)
}

/// What to put on the target.
pub(crate) struct Source {
    pub bytes: Vec<u8>,
    /// Basename used when `dest` is a directory (`None` for `content`).
    pub basename: Option<String>,
    /// The controller path, reported as `src` when nothing is copied (`force: false`).
    pub src_path: Option<String>,
    /// `after_header` of the diff.
    pub after_header: String,
    /// Permission bits of the controller file, for `mode: preserve`.
    pub local_mode: Option<u32>,
}

#[async_trait]
impl Module for Copy {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        let mut known = KNOWN.to_vec();
        known.extend_from_slice(file_attrs::COMMON_ARGS);
        check_known(args, &known)?;
        if boolean(args, "remote_src", false)? {
            return plan_remote_copy(cx, args).await;
        }
        let src = string(args, "src")?;
        let content = get(args, "content");
        if src.is_none() && content.is_none() {
            return Err(ModuleError::new("src (or content) is required"));
        }
        if string(args, "dest")?.is_none() {
            return Err(ModuleError::new("dest is required"));
        }
        if src.is_some() && content.is_some() {
            return Err(ModuleError::new("src and content are mutually exclusive"));
        }
        let source = if let Some(content) = content {
            let text = match content {
                Value::Map(_) | Value::List(_) => crate::output::json::to_python_json_line(content),
                v => crate::output::python_repr::python_str(v),
            };
            let dest = string(args, "dest")?.unwrap_or_default();
            Source {
                bytes: text.into_bytes(),
                basename: None,
                src_path: None,
                after_header: dest,
                // Ansible's content goes through a mkstemp file: `mode: preserve` is 0600.
                local_mode: Some(0o600),
            }
        } else {
            let name = src.unwrap_or_default();
            let path = find_needle(cx, "files", &name)?;
            if path.is_dir() {
                return plan_copy_dir(cx, args, &path, name.ends_with('/')).await;
            }
            let bytes = std::fs::read(&path).map_err(|e| {
                ModuleError::new(format!("could not find src={}, {e}", path.display()))
            })?;
            let local_mode = std::fs::metadata(&path).ok().map(|m| {
                use std::os::unix::fs::PermissionsExt;
                m.permissions().mode() & 0o7777
            });
            let shown = path.display().to_string();
            Source {
                bytes,
                basename: path.file_name().map(|n| n.to_string_lossy().into_owned()),
                src_path: Some(shown.clone()),
                after_header: shown,
                local_mode,
            }
        };
        plan_copy(cx, args, source).await
    }
}

/// Plan putting `source` at `args.dest` with the common file arguments, `force`,
/// `backup`, `follow`, `validate`, `checksum`.
pub(crate) async fn plan_copy(
    cx: &ModuleContext<'_>,
    args: &Map,
    source: Source,
) -> Result<Plan, ModuleError> {
    let mut dest =
        file_attrs::expand_user_action(cx, string(args, "dest")?.unwrap_or_default()).await?;
    if !dest.contains('/') {
        dest = format!("./{dest}");
    }
    let force = boolean(args, "force", true)?;
    let backup = boolean(args, "backup", false)?;
    let follow = boolean(args, "follow", false)?;
    let validate = string(args, "validate")?;
    if let Some(v) = &validate
        && !v.contains("%s")
    {
        return Err(ModuleError::new(format!("validate must contain %s: {v}")));
    }
    let mut attrs = FileAttrs::from_args(args)?;
    if attrs.mode == Some(ModeSpec::Symbolic("preserve".into())) {
        attrs.mode = source.local_mode.map(ModeSpec::Octal);
    }
    let checksum = sha1_hex(&source.bytes);
    if let Some(want) = string(args, "checksum")?
        && want != checksum
    {
        return Err(ModuleError::new(
            "Copied file does not match the expected checksum. Transfer failed.",
        )
        .with("checksum", s(&checksum))
        .with("expected_checksum", s(&want)));
    }

    // dest/ names a directory: the file goes inside, named after the source.
    let trailing = dest.ends_with('/');
    if trailing {
        let Some(base) = &source.basename else {
            return Err(ModuleError::new("can not use content with a dir as dest"));
        };
        dest = format!("{dest}{base}");
    }

    // One probe: dest (and dest/<basename> should dest be a directory), their checksums,
    // the parent directory, a link's target, the owner/group ids and the umask.
    let q = shell_quote(&dest);
    let sum = |qp: &str, tag: &str| {
        format!(
            "if [ -f {qp} ] && [ -r {qp} ]; then printf '{tag}|%s\\n' \"$(sha1sum < {qp} | cut -d' ' -f1)\"; fi\n"
        )
    };
    let mut script = format!("_rs {q} S\n{}", attrs.lookups());
    script.push_str(&sum(&q, "C"));
    script.push_str(&format!(
        "if [ -L {q} ]; then _f=$(readlink -f -- {q}) && printf 'F|%s\\n' \"$_f\" && _rs \"$_f\" T && \
         if [ -f \"$_f\" ]; then printf 'CT|%s\\n' \"$(sha1sum < \"$_f\" | cut -d' ' -f1)\"; fi; fi\n"
    ));
    if let Some(base) = &source.basename {
        let inner = shell_quote(&format!("{dest}/{base}"));
        script.push_str(&format!(
            "if [ -d {q} ]; then _rs {inner} S2\n{}fi\n",
            sum(&inner, "C2")
        ));
    }
    let parent = parent_of(&dest);
    script.push_str(&format!("_rs {} P\n", shell_quote(&parent)));
    let probe = file_attrs::probe(cx, &script).await?;
    let ids = probe.ids(&attrs);

    let mut st = probe.stat("S");
    let mut dest_sum = probe.get("C").map(str::to_string);
    if st
        .as_ref()
        .is_some_and(|s| s.exists_followed && s.kind != Kind::Link)
        && st.as_ref().is_some_and(|s| s.kind == Kind::Directory)
    {
        let Some(base) = &source.basename else {
            return Err(ModuleError::new("can not use content with a dir as dest"));
        };
        dest = format!("{}/{base}", dest.trim_end_matches('/'));
        st = probe.stat("S2");
        dest_sum = probe.get("C2").map(str::to_string);
    } else if follow
        && st.as_ref().is_some_and(|s| s.kind == Kind::Link)
        && let Some(real) = probe.get("F")
    {
        dest = real.to_string();
        st = probe.stat("T");
        dest_sum = probe.get("CT").map(str::to_string);
    } else if st
        .as_ref()
        .is_some_and(|s| s.kind == Kind::Link && s.exists_followed)
        && probe.stat("T").is_some_and(|t| t.kind == Kind::Directory)
    {
        // A link to a directory without follow: still a directory for `os.path.isdir`.
        return Err(ModuleError::new(
            "roller's copy does not support a dest that is a link to a directory",
        ));
    }
    let q = shell_quote(&dest);
    let exists = st.is_some();

    if exists && !force {
        let mut r = result([("changed", Value::Bool(false)), ("dest", s(&dest))]);
        if let Some(src) = &source.src_path {
            r.insert("src".into(), s(src));
        }
        return Ok(Plan::Done(r));
    }
    let is_link = st.as_ref().is_some_and(|s| s.kind == Kind::Link);

    if dest_sum.as_deref() == Some(checksum.as_str()) && !is_link {
        // Same content: only the attributes, as the file module would (state=file).
        let cur = st
            .clone()
            .unwrap_or_else(|| probe.new_path_stat(Kind::File));
        let ch = plan_attrs(&attrs, &ids, &cur, &dest)?;
        let mut base = result([
            ("checksum", s(&checksum)),
            ("dest", s(&dest)),
            ("path", s(&dest)),
        ]);
        if ch.script(&q).is_empty() {
            base.insert("changed".into(), Value::Bool(false));
            base.extend(path_info(&st));
            return Ok(Plan::Done(base));
        }
        let mut preview = base.clone();
        preview.extend(path_info(&st));
        let diff = cx.diff.then(|| {
            let mut before = result([("path", s(&dest))]);
            let mut after = before.clone();
            before.extend(ch.before.clone());
            after.extend(ch.after.clone());
            Value::Map(result([
                ("before", Value::Map(before)),
                ("after", Value::Map(after)),
            ]))
        });
        return Ok(Plan::Change {
            preview,
            diff,
            apply: Box::new(WriteFile {
                script: format!("{}_rs {q} R\n", ch.script(&q)),
                stdin: None,
                base,
            }),
        });
    }

    // New content. The parent must exist, unless dest/ asked for it.
    let parent_st = probe.stat("P");
    let mut script = String::new();
    if parent_st.is_none() {
        // Found out when applying, as Ansible's module does (check mode reports a change).
        if trailing {
            script.push_str(&format!("mkdir -p -- {}\n", shell_quote(&parent)));
        } else {
            let msg = format!("Destination directory {parent} does not exist");
            script.push_str(&format!("echo {} >&2; exit 1\n", shell_quote(&msg)));
        }
    }
    let diff = if cx.diff {
        Some(content_diff(cx, &dest, st.as_ref(), &source).await?)
    } else {
        None
    };
    let old = st.as_ref().filter(|s| s.kind != Kind::Link);
    let base_st = old
        .cloned()
        .unwrap_or_else(|| probe.new_path_stat(Kind::File));
    let ch = plan_new_attrs(&attrs, &ids, &base_st, &dest)?;
    script.push_str(&replace_script(
        &dest,
        &parent,
        backup && exists,
        old,
        &base_st,
        &ch,
        validate.as_deref(),
    ));
    let base = result([
        ("dest", s(&dest)),
        ("md5sum", s(&md5_hex(&source.bytes))),
        ("checksum", s(&checksum)),
    ]);
    Ok(Plan::Change {
        preview: Map::new(),
        diff,
        apply: Box::new(WriteFile {
            script,
            stdin: Some(source.bytes),
            base,
        }),
    })
}

/// Shell lines replacing `dest` atomically with the content on stdin: a temporary file
/// beside it, the old file's owner and mode kept (Ansible's `atomic_move`) or the umask's
/// for a new file, then `ch` applied, `validate` run, and the rename. Prints `B|backup`
/// (when `backup`), `X|tmpname` and the `R` stat of the result.
pub(crate) fn replace_script(
    dest: &str,
    parent: &str,
    backup: bool,
    old: Option<&PathStat>,
    base_st: &PathStat,
    ch: &super::file_attrs::AttrChange,
    validate: Option<&str>,
) -> String {
    let q = shell_quote(dest);
    let mut script = String::new();
    if backup {
        script.push_str(&format!(
            "_b={q}.$$.$(date +%Y-%m-%d@%H:%M:%S~)\ncp -p -- {q} \"$_b\"\nprintf 'B|%s\\n' \"$_b\"\n"
        ));
    }
    let tmpl = shell_quote(&format!("{parent}/.roller.XXXXXX"));
    script.push_str(&format!(
        "_t=$(mktemp {tmpl})\ntrap 'rm -f \"$_t\"' EXIT\ncat > \"$_t\"\n"
    ));
    if let Some(old) = old {
        script.push_str(&format!(
            "chown {}:{} \"$_t\" 2>/dev/null || true\n",
            old.uid, old.gid
        ));
    }
    script.push_str(&format!(
        "chmod {:o} \"$_t\"\n",
        ch.mode.unwrap_or(base_st.mode)
    ));
    let mut ch_no_mode = ch.clone();
    ch_no_mode.mode = None;
    script.push_str(&ch_no_mode.script("\"$_t\""));
    if let Some(m) = ch.mode {
        // chown may clear set-id bits: the mode goes last.
        script.push_str(&format!("chmod {m:o} \"$_t\"\n"));
    }
    if let Some(v) = validate {
        let cmd = v.replace("%s", "\"$_t\"");
        script.push_str(&format!(
            "_v=$( {{ {cmd} ; }} 2>&1) || {{ printf 'failed to validate: %s\\n' \"$_v\" >&2; exit 1; }}\n"
        ));
    }
    script.push_str(&format!(
        "mv -f -- \"$_t\" {q}\ntrap - EXIT\nprintf 'X|%s\\n' \"$_t\"\n_rs {q} R\n"
    ));
    script
}

pub(crate) fn parent_of(path: &str) -> String {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) => "/".to_string(),
        Some((d, _)) => d.to_string(),
        None => ".".to_string(),
    }
}

/// Ansible's `_get_diff_data`: the old content (when there was a readable text file) and
/// the new one, as a one-element list.
async fn content_diff(
    cx: &ModuleContext<'_>,
    dest: &str,
    st: Option<&PathStat>,
    source: &Source,
) -> Result<Value, ModuleError> {
    let mut d = Map::new();
    match st {
        Some(old) if old.kind == Kind::File => {
            let q = shell_quote(dest);
            let p = file_attrs::probe(cx, &format!("{BODY_MARKER}head -c 104449 -- {q}\n")).await?;
            if p.body.contains(&0) {
                d.insert("dst_binary".into(), Value::Int(1));
            } else if p.body.len() > 104448 {
                d.insert("dst_larger".into(), Value::Int(104448));
            } else {
                d.insert("before_header".into(), s(dest));
                d.insert(
                    "before".into(),
                    Value::Str(String::from_utf8_lossy(&p.body).into_owned()),
                );
            }
        }
        Some(_) => {}
        None => {
            d.insert("before".into(), s(""));
        }
    }
    if source.bytes.contains(&0) {
        d.insert("src_binary".into(), Value::Int(1));
    } else if source.bytes.len() > 104448 {
        d.insert("src_larger".into(), Value::Int(104448));
    } else {
        d.insert("after_header".into(), s(&source.after_header));
        d.insert(
            "after".into(),
            Value::Str(String::from_utf8_lossy(&source.bytes).into_owned()),
        );
    }
    Ok(Value::List(vec![Value::Map(d)]))
}

/// Write (or only re-attribute) the file, then report `base`, the path facts and, for a
/// new file, the temporary name it travelled under (`src`) and any backup.
struct WriteFile {
    script: String,
    stdin: Option<Vec<u8>>,
    base: Map,
}

#[async_trait]
impl Apply for WriteFile {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let probe = apply_script(cx, &self.script, self.stdin.clone()).await?;
        let mut r = self.base.clone();
        r.insert("changed".into(), Value::Bool(true));
        if let Some(t) = probe.get("X")
            && !r.contains_key(&file_attrs::key("src"))
        {
            r.insert("src".into(), s(t));
        }
        if let Some(b) = probe.get("B") {
            r.insert("backup_file".into(), s(b));
        }
        r.extend(path_info(&probe.stat("R")));
        Ok(r)
    }
}

/// `remote_src: true`: the copy module alone, on the target: `src` is a file there.
async fn plan_remote_copy(cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
    let Some(src) = string(args, "src")? else {
        return Err(ModuleError::new("src (or content) is required"));
    };
    if get(args, "content").is_some() {
        return Err(ModuleError::new("src and content are mutually exclusive"));
    }
    let src = file_attrs::expand_user(cx, src).await?;
    let mut dest = file_attrs::expand_user(cx, string(args, "dest")?.unwrap_or_default()).await?;
    if !dest.contains('/') {
        dest = format!("./{dest}");
    }
    let force = boolean(args, "force", true)?;
    let backup = boolean(args, "backup", false)?;
    let validate = string(args, "validate")?;
    let attrs = FileAttrs::from_args(args)?;
    let qs = shell_quote(&src);
    let base = src
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(&src)
        .to_string();
    let inner = format!("{}/{base}", dest.trim_end_matches('/'));
    let (qd, qi) = (shell_quote(&dest), shell_quote(&inner));
    let sum = |qp: &str, tag: &str| {
        format!(
            "if [ -f {qp} ] && [ -r {qp} ]; then printf '{tag}|%s|%s\\n' \"$(sha1sum < {qp} | cut -d' ' -f1)\" \"$(md5sum < {qp} | cut -d' ' -f1)\"; fi\n"
        )
    };
    let script = format!(
        "_rs {qs} SRC\n{}_rs {qd} S\n{}if [ -d {qd} ]; then _rs {qi} S2\n{}fi\n{}",
        sum(&qs, "CS"),
        sum(&qd, "C"),
        sum(&qi, "C2"),
        attrs.lookups()
    );
    let probe = file_attrs::probe(cx, &script).await?;
    let Some(src_st) = probe.stat("SRC").filter(|s| s.exists_followed) else {
        return Err(ModuleError::new(format!("Source {src} not found")));
    };
    if src_st.kind == Kind::Directory {
        return Err(ModuleError::new(
            "roller's copy does not support remote_src with a directory src yet",
        ));
    }
    let (src_sum, src_md5) = probe
        .get("CS")
        .and_then(|v| v.split_once('|'))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .ok_or_else(|| ModuleError::new(format!("Source {src} not readable")))?;
    let (mut st, mut dest_sum) = (probe.stat("S"), probe.get("C"));
    if st.as_ref().is_some_and(|s| s.kind == Kind::Directory) {
        dest = inner;
        st = probe.stat("S2");
        dest_sum = probe.get("C2");
    }
    let dest_sum = dest_sum.and_then(|v| v.split_once('|')).map(|(a, _)| a);
    let q = shell_quote(&dest);
    let exists = st.is_some();
    if exists && !force {
        return Ok(Plan::Done(result([
            ("changed", Value::Bool(false)),
            ("msg", s("file already exists")),
            ("src", s(&src)),
            ("dest", s(&dest)),
        ])));
    }
    let is_link = st.as_ref().is_some_and(|s| s.kind == Kind::Link);
    let base = result([
        ("dest", s(&dest)),
        ("src", s(&src)),
        ("md5sum", s(&src_md5)),
        ("checksum", s(&src_sum)),
    ]);
    let ids = probe.ids(&attrs);
    let script = if dest_sum == Some(src_sum.as_str()) && !is_link {
        let cur = st
            .clone()
            .unwrap_or_else(|| probe.new_path_stat(Kind::File));
        let ch = plan_attrs(&attrs, &ids, &cur, &dest)?;
        let sc = ch.script(&q);
        if sc.is_empty() {
            let mut r = base;
            r.insert("changed".into(), Value::Bool(false));
            r.extend(path_info(&st));
            return Ok(Plan::Done(r));
        }
        format!("{sc}_rs {q} R\n")
    } else {
        // As shutil.copyfile + copystat, then atomic_move without keeping dest's
        // attributes: replacing takes the source's mode, creating the umask's.
        let mut new_st = probe.new_path_stat(Kind::File);
        if exists {
            new_st.mode = src_st.mode;
        }
        let ch = plan_new_attrs(&attrs, &ids, &new_st, &dest)?;
        let parent = parent_of(&dest);
        let mut sc = format!(
            "[ -d {p} ] || {{ echo {msg} >&2; exit 1; }}\n",
            p = shell_quote(&parent),
            msg = shell_quote(&format!("Destination directory {parent} does not exist"))
        );
        let body = replace_script(
            &dest,
            &parent,
            backup && exists,
            None,
            &new_st,
            &ch,
            validate.as_deref(),
        );
        // The content comes from src on the target, not from stdin.
        sc.push_str(&body.replacen(
            "cat > \"$_t\"\n",
            &format!("cat -- {qs} > \"$_t\"\ntouch -r {qs} \"$_t\"\n"),
            1,
        ));
        sc
    };
    let mut preview = base.clone();
    preview.extend(path_info(&st));
    Ok(Plan::Change {
        preview,
        diff: None,
        apply: Box::new(WriteFile {
            script,
            stdin: None,
            base,
        }),
    })
}

/// A controller directory's files and subdirectories, as `_walk_dirs` with `local_follow`:
/// symlinks are followed. Relative paths get `prefix` (the directory's own name unless the
/// source ended with `/`).
fn walk_local(
    dir: &Path,
    prefix: &str,
    files: &mut Vec<(PathBuf, String)>,
    dirs: &mut Vec<String>,
    depth: usize,
) -> Result<(), ModuleError> {
    if depth > 40 {
        return Err(ModuleError::new(format!(
            "too deep or circular directory tree at {}",
            dir.display()
        )));
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| ModuleError::new(format!("could not read {}: {e}", dir.display())))?
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let rel = format!("{prefix}{}", e.file_name().to_string_lossy());
        if p.is_dir() {
            dirs.push(rel.clone());
            walk_local(&p, &format!("{rel}/"), files, dirs, depth + 1)?;
        } else if p.is_file() {
            files.push((p, rel));
        }
    }
    Ok(())
}

/// `src` a controller directory: every file copied under `dest/` as `copy` would, the
/// subdirectories created with `owner`/`group` (and `directory_mode`).
async fn plan_copy_dir(
    cx: &ModuleContext<'_>,
    args: &Map,
    dir: &Path,
    trailing: bool,
) -> Result<Plan, ModuleError> {
    let mut dest =
        file_attrs::expand_user_action(cx, string(args, "dest")?.unwrap_or_default()).await?;
    if !dest.ends_with('/') {
        dest.push('/');
    }
    let force = boolean(args, "force", true)?;
    let backup = boolean(args, "backup", false)?;
    let validate = string(args, "validate")?;
    let attrs = FileAttrs::from_args(args)?;
    let dir_attrs = FileAttrs {
        mode: match get(args, "directory_mode") {
            None => None,
            Some(_) => {
                let mut m = Map::new();
                if let Some(v) = get(args, "directory_mode") {
                    m.insert("mode".into(), v.clone());
                }
                FileAttrs::from_args(&m)?.mode
            }
        },
        owner: attrs.owner.clone(),
        group: attrs.group.clone(),
    };
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let prefix = if trailing {
        String::new()
    } else {
        let base = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        dirs.push(base.clone());
        format!("{base}/")
    };
    walk_local(dir, &prefix, &mut files, &mut dirs, 0)?;

    let top = dest.trim_end_matches('/').to_string();
    let mut script = format!("{}_rs {} TOP\n", attrs.lookups(), shell_quote(&top));
    for (i, rel) in dirs.iter().enumerate() {
        script.push_str(&format!(
            "_rs {} D{i}\n",
            shell_quote(&format!("{dest}{rel}"))
        ));
    }
    for (i, (_, rel)) in files.iter().enumerate() {
        let q = shell_quote(&format!("{dest}{rel}"));
        script.push_str(&format!(
            "_rs {q} F{i}\nif [ -f {q} ] && [ -r {q} ]; then printf 'C{i}|%s\\n' \"$(sha1sum < {q} | cut -d' ' -f1)\"; fi\n"
        ));
    }
    let probe = file_attrs::probe(cx, &script).await?;
    let ids = probe.ids(&attrs);

    // Directories first (parents before children), in one script.
    let mut prep = String::new();
    for (i, rel) in dirs.iter().enumerate() {
        let path = format!("{dest}{rel}");
        let q = shell_quote(&path);
        match probe.stat(&format!("D{i}")) {
            None => {
                let fresh = probe.new_path_stat(Kind::Directory);
                let ch = plan_new_attrs(&dir_attrs, &ids, &fresh, &path)?;
                prep.push_str(&format!("mkdir -p -- {q}\n{}", ch.script(&q)));
            }
            Some(st) => {
                prep.push_str(&plan_attrs(&dir_attrs, &ids, &st, &path)?.script(&q));
            }
        }
    }
    let mut writes = Vec::new();
    for (i, (local, rel)) in files.iter().enumerate() {
        let path = format!("{dest}{rel}");
        let q = shell_quote(&path);
        let st = probe.stat(&format!("F{i}"));
        if st.is_some() && !force {
            continue;
        }
        let bytes = std::fs::read(local)
            .map_err(|e| ModuleError::new(format!("could not read {}: {e}", local.display())))?;
        let sum = sha1_hex(&bytes);
        let is_link = st.as_ref().is_some_and(|s| s.kind == Kind::Link);
        if probe.get(&format!("C{i}")) == Some(sum.as_str()) && !is_link {
            if let Some(cur) = &st {
                prep.push_str(&plan_attrs(&attrs, &ids, cur, &path)?.script(&q));
            }
            continue;
        }
        let old = st.as_ref().filter(|s| s.kind != Kind::Link);
        let base_st = old
            .cloned()
            .unwrap_or_else(|| probe.new_path_stat(Kind::File));
        let ch = plan_new_attrs(&attrs, &ids, &base_st, &path)?;
        let sc = replace_script(
            &path,
            &parent_of(&path),
            backup && st.is_some(),
            old,
            &base_st,
            &ch,
            validate.as_deref(),
        );
        writes.push((sc, bytes));
    }
    let mut res = result([("dest", s(&dest)), ("src", s(&dir.display().to_string()))]);
    if writes.is_empty() && prep.is_empty() {
        res.insert("changed".into(), Value::Bool(false));
        return Ok(Plan::Done(res));
    }
    // dest/ itself is created as the copy module's makedirs would, with the directory
    // attributes.
    if !top.is_empty() && probe.stat("TOP").is_none() {
        let qt = shell_quote(&top);
        let fresh = probe.new_path_stat(Kind::Directory);
        let ch = plan_new_attrs(&dir_attrs, &ids, &fresh, &top)?;
        prep.insert_str(0, &format!("mkdir -p -- {qt}\n{}", ch.script(&qt)));
    }
    Ok(Plan::Change {
        preview: res.clone(),
        diff: None,
        apply: Box::new(WriteTree {
            prep,
            writes,
            base: res,
        }),
    })
}

/// Make the directories and attribute fixes, then write each changed file (one round
/// trip each: a file's content is that script's stdin).
struct WriteTree {
    prep: String,
    writes: Vec<(String, Vec<u8>)>,
    base: Map,
}

#[async_trait]
impl Apply for WriteTree {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        if !self.prep.is_empty() {
            apply_script(cx, &self.prep, None).await?;
        }
        for (script, bytes) in &self.writes {
            apply_script(cx, script, Some(bytes.clone())).await?;
        }
        let mut r = self.base.clone();
        r.insert("changed".into(), Value::Bool(true));
        Ok(r)
    }
}
