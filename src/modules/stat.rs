//! `stat`: facts about a path on the target.

use async_trait::async_trait;

use super::args::{boolean, check_known, required_string};
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

#[async_trait]
impl Module for Stat {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, KNOWN)?;
        let path = required_string(args, "path")?;
        let follow = boolean(args, "follow", false)?;
        let checksum = boolean(args, "get_checksum", true)?;
        let q = shell_quote(&path);
        let l = if follow { "-L " } else { "" };
        // One round trip: the stat fields, then the checksum of a regular file.
        let script = format!(
            "if [ -e {q} ] || [ -L {q} ]; then stat {l}-c '%f|%u|%g|%U|%G|%s|%Y|%X|%Z|%i|%d|%h|%F' {q} && {{ if [ {c} = 1 ] && [ -f {q} ] && [ -r {q} ]; then sha1sum {q} | cut -d' ' -f1; fi; }}; if [ -L {q} ]; then readlink {q}; fi; else echo absent; fi",
            c = u8::from(checksum)
        );
        let mut cmd = Command::new(script);
        cmd.become_ = cx.become_.clone();
        let out = cx.conn.run(&cmd).await?;
        if out.rc != 0 {
            return Err(ModuleError::new(out.stderr_text().trim().to_string()));
        }
        let text = out.stdout_text();
        let mut lines = text.lines();
        let first = lines.next().unwrap_or("absent");
        let mut st = Map::new();
        if first == "absent" {
            st.insert(Key::from("exists"), Value::Bool(false));
            return Ok(Plan::Done(result([
                ("changed", Value::Bool(false)),
                ("stat", Value::Map(st)),
            ])));
        }
        let f: Vec<&str> = first.split('|').collect();
        let raw_mode = u32::from_str_radix(f.first().copied().unwrap_or("0"), 16).unwrap_or(0);
        let kind = raw_mode & 0o170000;
        let int = |i: usize| Value::Int(f.get(i).and_then(|s| s.parse().ok()).unwrap_or(0));
        let s = |i: usize| Value::Str(f.get(i).copied().unwrap_or("").to_string());
        let perm = raw_mode & 0o7777;
        st.insert("exists".into(), Value::Bool(true));
        st.insert("path".into(), Value::Str(path.clone()));
        st.insert("mode".into(), Value::Str(format!("{perm:04o}")));
        st.insert("isdir".into(), Value::Bool(kind == 0o040000));
        st.insert("isreg".into(), Value::Bool(kind == 0o100000));
        st.insert("islnk".into(), Value::Bool(kind == 0o120000));
        st.insert("isblk".into(), Value::Bool(kind == 0o060000));
        st.insert("ischr".into(), Value::Bool(kind == 0o020000));
        st.insert("isfifo".into(), Value::Bool(kind == 0o010000));
        st.insert("issock".into(), Value::Bool(kind == 0o140000));
        st.insert("uid".into(), int(1));
        st.insert("gid".into(), int(2));
        st.insert("pw_name".into(), s(3));
        st.insert("gr_name".into(), s(4));
        st.insert("size".into(), int(5));
        st.insert("mtime".into(), int(6));
        st.insert("atime".into(), int(7));
        st.insert("ctime".into(), int(8));
        st.insert("inode".into(), int(9));
        st.insert("dev".into(), int(10));
        st.insert("nlink".into(), int(11));
        for (name, bit) in [
            ("rusr", 0o400),
            ("wusr", 0o200),
            ("xusr", 0o100),
            ("rgrp", 0o040),
            ("wgrp", 0o020),
            ("xgrp", 0o010),
            ("roth", 0o004),
            ("woth", 0o002),
            ("xoth", 0o001),
        ] {
            st.insert(Key::from(name), Value::Bool(perm & bit != 0));
        }
        st.insert("isuid".into(), Value::Bool(perm & 0o4000 != 0));
        st.insert("isgid".into(), Value::Bool(perm & 0o2000 != 0));
        if kind == 0o100000
            && checksum
            && let Some(sum) = lines.next()
        {
            st.insert("checksum".into(), Value::Str(sum.trim().to_string()));
        }
        if kind == 0o120000
            && let Some(target) = lines.next()
        {
            st.insert("lnk_source".into(), Value::Str(target.to_string()));
            st.insert("lnk_target".into(), Value::Str(target.to_string()));
        }
        Ok(Plan::Done(result([
            ("changed", Value::Bool(false)),
            ("stat", Value::Map(st)),
        ])))
    }
}
