//! `stat`: facts about a path on the target, with the fields Ansible's stat module
//! reports (from `stat -c`, `test -r/-w/-x`, `file`, `lsattr` and a checksum command).

use async_trait::async_trait;

use super::args::{boolean, check_known, required_string, string};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::{Command, shell_quote};
use crate::vars::{Key, Map, Value};

pub struct Stat;

const KNOWN: &[&str] = &[
    "path",
    "follow",
    "get_checksum",
    "checksum_algorithm",
    "get_mime",
    "get_attributes",
    "get_md5",
    "get_selinux_context",
];

const ALGORITHMS: &[&str] = &["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

/// lsattr's flag letters and the names Ansible gives them.
const ATTRIBUTE_NAMES: &[(char, &str)] = &[
    ('A', "noatime"),
    ('a', "append"),
    ('c', "compressed"),
    ('C', "nocow"),
    ('d', "nodump"),
    ('D', "dirsync"),
    ('e', "extents"),
    ('E', "encrypted"),
    ('h', "blocksize"),
    ('i', "immutable"),
    ('I', "indexed"),
    ('j', "journalled"),
    ('N', "inline"),
    ('s', "zero"),
    ('S', "synchronous"),
    ('t', "notail"),
    ('T', "blockroot"),
    ('u', "undelete"),
    ('X', "compressedraw"),
    ('Z', "compresseddirty"),
];

#[async_trait]
impl Module for Stat {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, KNOWN)?;
        let path = required_string(args, "path")?;
        let follow = boolean(args, "follow", false)?;
        let checksum = boolean(args, "get_checksum", true)?;
        let mime = boolean(args, "get_mime", true)?;
        let attributes = boolean(args, "get_attributes", true)?;
        let algorithm = string(args, "checksum_algorithm")?.unwrap_or_else(|| "sha1".into());
        if !ALGORITHMS.contains(&algorithm.as_str()) {
            return Err(ModuleError::new(format!(
                "value of checksum_algorithm must be one of: {}, got: {algorithm}",
                ALGORITHMS.join(", ")
            )));
        }
        let out = cx
            .conn
            .run(&{
                let mut cmd = Command::new(probe_script(
                    &path, follow, checksum, &algorithm, mime, attributes,
                ));
                cmd.become_ = cx.become_.clone();
                cmd
            })
            .await?;
        if out.rc != 0 {
            return Err(ModuleError::new(out.stderr_text().trim().to_string()));
        }
        let text = out.stdout_text();
        let stat = parse_probe(&path, &text, mime, attributes);
        Ok(Plan::Done(result([
            ("changed", Value::Bool(false)),
            ("stat", Value::Map(stat)),
        ])))
    }
}

/// One round trip: a tagged line per fact (`S|` stat fields, `A|` access, `C|` checksum,
/// `L|` link target and resolved path, `M|` file(1)'s answer, `V|` lsattr's).
fn probe_script(
    path: &str,
    follow: bool,
    checksum: bool,
    algorithm: &str,
    mime: bool,
    attributes: bool,
) -> String {
    let q = shell_quote(path);
    let l = if follow { "-L " } else { "" };
    // A link not followed is not a regular file (test -f would follow it).
    let is_reg = if follow {
        format!("[ -f {q} ]")
    } else {
        format!("[ -f {q} ] && [ ! -L {q} ]")
    };
    let mut s = format!(
        "if [ ! -e {q} ] && [ ! -L {q} ]; then echo absent; exit 0; fi\n\
         printf 'S|%s\\n' \"$(stat {l}-c '%f|%u|%g|%U|%G|%s|%.9Y|%.9X|%.9Z|%i|%d|%h|%b|%o|%t|%T' {q})\"\n\
         printf 'A|%s%s%s\\n' \"$([ -r {q} ] && echo r)\" \"$([ -w {q} ] && echo w)\" \"$([ -x {q} ] && echo x)\"\n"
    );
    if checksum {
        s.push_str(&format!(
            "if {is_reg} && [ -r {q} ]; then printf 'C|%s\\n' \"$({algorithm}sum < {q} | cut -d' ' -f1)\"; fi\n"
        ));
    }
    if !follow {
        s.push_str(&format!(
            "if [ -L {q} ]; then printf 'L|%s|%s\\n' \"$(readlink {q})\" \"$(readlink -f {q} || realpath -m {q})\"; fi\n"
        ));
    }
    if mime {
        s.push_str(&format!(
            "if command -v file >/dev/null 2>&1; then printf 'M|%s\\n' \"$(file --mime-type --mime-encoding {q} 2>/dev/null)\"; fi\n"
        ));
    }
    if attributes {
        s.push_str(&format!(
            "if command -v lsattr >/dev/null 2>&1; then _a=$(lsattr -vd {q} 2>/dev/null) && printf 'V|%s\\n' \"$_a\"; fi\n"
        ));
    }
    // A fact that cannot be had (lsattr on a link) is left out, not an error.
    s.push_str("exit 0\n");
    s
}

fn parse_probe(path: &str, text: &str, mime: bool, attributes: bool) -> Map {
    let mut st = Map::new();
    let tagged = |tag: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(tag).and_then(|r| r.strip_prefix('|')))
    };
    let Some(fields) = tagged("S") else {
        st.insert(Key::from("exists"), Value::Bool(false));
        return st;
    };
    let f: Vec<&str> = fields.split('|').collect();
    let raw_mode = u32::from_str_radix(f.first().copied().unwrap_or("0"), 16).unwrap_or(0);
    let kind = raw_mode & 0o170000;
    let int = |i: usize| Value::Int(f.get(i).and_then(|s| s.parse().ok()).unwrap_or(0));
    let time = |i: usize| Value::Float(f.get(i).map_or(0.0, |s| seconds(s)));
    let hex = |i: usize| f.get(i).and_then(|s| u64::from_str_radix(s, 16).ok());
    let perm = raw_mode & 0o7777;
    st.insert("exists".into(), Value::Bool(true));
    st.insert("path".into(), Value::Str(path.to_string()));
    st.insert("mode".into(), Value::Str(format!("{perm:04o}")));
    st.insert("isdir".into(), Value::Bool(kind == 0o040000));
    st.insert("ischr".into(), Value::Bool(kind == 0o020000));
    st.insert("isblk".into(), Value::Bool(kind == 0o060000));
    st.insert("isreg".into(), Value::Bool(kind == 0o100000));
    st.insert("isfifo".into(), Value::Bool(kind == 0o010000));
    st.insert("islnk".into(), Value::Bool(kind == 0o120000));
    st.insert("issock".into(), Value::Bool(kind == 0o140000));
    st.insert("uid".into(), int(1));
    st.insert("gid".into(), int(2));
    st.insert("size".into(), int(5));
    st.insert("inode".into(), int(9));
    st.insert("dev".into(), int(10));
    st.insert("nlink".into(), int(11));
    st.insert("atime".into(), time(7));
    st.insert("mtime".into(), time(6));
    st.insert("ctime".into(), time(8));
    for (name, bit) in [
        ("wusr", 0o200),
        ("rusr", 0o400),
        ("xusr", 0o100),
        ("wgrp", 0o020),
        ("rgrp", 0o040),
        ("xgrp", 0o010),
        ("woth", 0o002),
        ("roth", 0o004),
        ("xoth", 0o001),
    ] {
        st.insert(Key::from(name), Value::Bool(perm & bit != 0));
    }
    st.insert("isuid".into(), Value::Bool(perm & 0o4000 != 0));
    st.insert("isgid".into(), Value::Bool(perm & 0o2000 != 0));
    st.insert("blocks".into(), int(12));
    st.insert("block_size".into(), int(13));
    let rdev = match (hex(14), hex(15)) {
        (Some(major), Some(minor)) => makedev(major, minor),
        _ => 0,
    };
    st.insert("device_type".into(), Value::Int(rdev as i64));
    let access = tagged("A").unwrap_or("");
    st.insert("readable".into(), Value::Bool(access.contains('r')));
    st.insert("writeable".into(), Value::Bool(access.contains('w')));
    st.insert("executable".into(), Value::Bool(access.contains('x')));
    if let Some((target, resolved)) = tagged("L").and_then(|l| l.split_once('|')) {
        st.insert("lnk_source".into(), Value::Str(resolved.to_string()));
        st.insert("lnk_target".into(), Value::Str(target.to_string()));
    }
    // getpwuid/getgrgid: no name when the id has none (stat prints UNKNOWN).
    for (key, i) in [("pw_name", 3), ("gr_name", 4)] {
        if let Some(name) = f.get(i).filter(|n| **n != "UNKNOWN") {
            st.insert(Key::from(key), Value::Str(name.to_string()));
        }
    }
    if let Some(sum) = tagged("C") {
        st.insert("checksum".into(), Value::Str(sum.trim().to_string()));
    }
    if mime {
        let (mimetype, charset) = tagged("M")
            .and_then(file_mime)
            .unwrap_or_else(|| ("unknown".to_string(), "unknown".to_string()));
        st.insert("mimetype".into(), Value::Str(mimetype));
        st.insert("charset".into(), Value::Str(charset));
    }
    if attributes {
        let (version, flags) = match tagged("V").map(|l| l.split_whitespace().collect::<Vec<_>>()) {
            Some(words) if words.len() >= 2 => {
                (Value::Str(words[0].to_string()), words[1].replace('-', ""))
            }
            _ => (Value::Null, String::new()),
        };
        let names = flags
            .chars()
            .filter_map(|c| ATTRIBUTE_NAMES.iter().find(|(f, _)| *f == c))
            .map(|(_, n)| Value::Str(n.to_string()))
            .collect();
        st.insert("version".into(), version);
        st.insert("attributes".into(), Value::List(names));
        st.insert("attr_flags".into(), Value::Str(flags));
    }
    st
}

/// `PATH: text/plain; charset=us-ascii` -> (text/plain, us-ascii).
fn file_mime(line: &str) -> Option<(String, String)> {
    let (_, rest) = line.rsplit_once(':')?;
    let (mimetype, charset) = rest.split_once(';')?;
    let (_, charset) = charset.split_once('=')?;
    Some((mimetype.trim().to_string(), charset.trim().to_string()))
}

/// `SECONDS.NANOS` as Python computes st_mtime: seconds + nanoseconds * 1e-9.
fn seconds(s: &str) -> f64 {
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    let secs: i64 = whole.parse().unwrap_or(0);
    let nanos: i64 = format!("{frac:0<9}")[..9].parse().unwrap_or(0);
    secs as f64 + nanos as f64 * 1e-9
}

/// Linux's encoding of a device number from its major and minor parts (glibc makedev).
fn makedev(major: u64, minor: u64) -> u64 {
    (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12) | ((major & !0xfff) << 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_probe_of_a_regular_file() {
        let text = "S|81a4|0|0|root|root|12|1795686191.118832982|1795686191.118832982|1795686191.118831200|55|65024|1|8|4096|0|0\nA|rw\nC|abc\nM|/srv/x: text/plain; charset=us-ascii\nV|1143728369 --------------e------- /srv/x\n";
        let st = parse_probe("/srv/x", text, true, true);
        let get = |k: &str| st.get(&Key::from(k)).cloned().unwrap();
        assert_eq!(get("mode"), Value::Str("0644".into()));
        assert_eq!(get("isreg"), Value::Bool(true));
        assert_eq!(get("executable"), Value::Bool(false));
        assert_eq!(get("checksum"), Value::Str("abc".into()));
        assert_eq!(get("mimetype"), Value::Str("text/plain".into()));
        assert_eq!(get("charset"), Value::Str("us-ascii".into()));
        assert_eq!(get("attr_flags"), Value::Str("e".into()));
        assert_eq!(
            get("attributes"),
            Value::List(vec![Value::Str("extents".into())])
        );
        assert_eq!(get("version"), Value::Str("1143728369".into()));
        assert_eq!(get("mtime"), Value::Float(1795686191.118833));
    }

    #[test]
    fn absent_path_and_unknown_owner() {
        let st = parse_probe("/x", "absent\n", true, true);
        assert_eq!(st.len(), 1);
        let st = parse_probe(
            "/x",
            "S|41ed|4242|4242|UNKNOWN|UNKNOWN|0|1.5|1.5|1.5|1|1|2|0|4096|0|0\n",
            false,
            false,
        );
        assert!(!st.contains_key(&Key::from("pw_name")));
        assert_eq!(st.get(&Key::from("isdir")), Some(&Value::Bool(true)));
    }

    #[test]
    fn device_numbers_as_glibc_encodes_them() {
        assert_eq!(makedev(1, 3), 259);
        assert_eq!(makedev(259, 0), 66304);
    }
}
