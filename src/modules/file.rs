//! `file`: the state of a path (file, directory, link, hard link, absent, touched) and its
//! owner, group and mode, as ansible-core's `file` module.

use async_trait::async_trait;

use super::args::{boolean, check_known, get, string};
use super::file_attrs::{
    self, AttrChange, BODY_MARKER, FileAttrs, Ids, Kind, PathStat, Probe, apply_script, path_info,
    plan_attrs, state_of,
};
use super::{Apply, Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::shell_quote;
use crate::vars::{Map, Value};

pub struct File;

const KNOWN: &[&str] = &[
    "path",
    "dest",
    "name",
    "state",
    "src",
    "recurse",
    "force",
    "follow",
    "modification_time",
    "modification_time_format",
    "access_time",
    "access_time_format",
];

const STATES: &[&str] = &["absent", "directory", "file", "hard", "link", "touch"];

/// The first of `keys` given (a parameter and its aliases).
pub(crate) fn aliased(args: &Map, keys: &[&str]) -> Result<Option<String>, ModuleError> {
    for k in keys {
        if let Some(v) = string(args, k)? {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

fn dirname(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) => "/".to_string(),
        Some((d, _)) => d.to_string(),
        None => String::new(),
    }
}

fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') || dir.is_empty() {
        name.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// `initial_diff`: the path, and its state before and after when they differ.
fn initial_diff(path: &str, state: &str, prev: &str) -> (Map, Map) {
    let mut before = result([("path", s(path))]);
    let mut after = before.clone();
    if prev != state {
        before.insert("state".into(), s(prev));
        after.insert("state".into(), s(state));
    }
    (before, after)
}

fn diff_value(cx: &ModuleContext<'_>, before: Map, after: Map) -> Option<Value> {
    cx.diff.then(|| {
        Value::Map(result([
            ("before", Value::Map(before)),
            ("after", Value::Map(after)),
        ]))
    })
}

fn add_attr_diff(before: &mut Map, after: &mut Map, ch: &AttrChange) {
    before.extend(ch.before.clone());
    after.extend(ch.after.clone());
}

/// Carry out a planned script and report `base` plus the path's facts afterwards.
struct Run {
    script: String,
    base: Map,
    /// Add the path facts of the `R` stat the script prints last.
    info: bool,
}

#[async_trait]
impl Apply for Run {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let probe = apply_script(cx, &self.script, None).await?;
        let mut r = self.base.clone();
        r.insert("changed".into(), Value::Bool(true));
        if self.info {
            r.extend(path_info(&probe.stat("R")));
        }
        Ok(r)
    }
}

#[async_trait]
impl Module for File {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        match plan_file(cx, args).await {
            Ok(plan) => Ok(plan),
            Err(mut e) => {
                // fail_json adds the facts of the failing path, as exit_json does.
                let path = e
                    .result
                    .get(&file_attrs::key("path"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if let Some(path) = path
                    && !e.result.contains_key(&file_attrs::key("uid"))
                    && let Ok(p) =
                        file_attrs::probe(cx, &format!("_rs {} R\n", shell_quote(&path))).await
                {
                    e.result.extend(path_info(&p.stat("R")));
                }
                Err(e)
            }
        }
    }
}

async fn plan_file(cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
    {
        let mut known = KNOWN.to_vec();
        known.extend_from_slice(file_attrs::COMMON_ARGS);
        check_known(args, &known)?;
        let Some(mut path) = aliased(args, &["path", "dest", "name"])? else {
            return Err(ModuleError::new("missing required arguments: path"));
        };
        let state_arg = string(args, "state")?;
        if let Some(st) = &state_arg
            && !STATES.contains(&st.as_str())
        {
            return Err(ModuleError::new(format!(
                "value of state must be one of: {}, got: {st}",
                STATES.join(", ")
            )));
        }
        let src = string(args, "src")?;
        let recurse = boolean(args, "recurse", false)?;
        let force = boolean(args, "force", false)?;
        let follow = boolean(args, "follow", true)?;
        let attrs = FileAttrs::from_args(args)?;
        let _ = get(args, "modification_time");

        // Hard links into a directory: the link goes inside it, named after src.
        if state_arg.as_deref() == Some("hard")
            && let Some(src) = &src
        {
            let p = file_attrs::probe(cx, &format!("_rs {} S\n", shell_quote(&path))).await?;
            if p.stat("S").is_some_and(|st| st.kind == Kind::Directory) {
                let base = src.rsplit('/').next().unwrap_or(src);
                path = join(&path, base);
            }
        }

        let q = shell_quote(&path);
        let mut script = format!("_rs {q} S\n{}", attrs.lookups());
        script.push_str(&format!(
            "if [ -L {q} ]; then printf 'L|%s\\n' \"$(readlink -- {q})\"; \
             _f=$(readlink -f -- {q}) && printf 'F|%s\\n' \"$_f\" && _rs \"$_f\" T; fi\n"
        ));
        if let Some(src) = &src {
            let absrc = match state_arg.as_deref() {
                Some("hard") => src.clone(),
                _ => join(&dirname(&path), src),
            };
            let qa = shell_quote(&absrc);
            script.push_str(&format!(
                "_rs {qa} A\nif [ -d {q} ] && [ ! -L {q} ]; then _rs {} A2; \
                 if [ -n \"$(ls -A -- {q} 2>/dev/null)\" ]; then echo 'N|1'; fi; fi\n",
                shell_quote(&join(&path, src))
            ));
        }
        let want_listing = recurse || (cx.diff && state_arg.as_deref() == Some("absent"));
        if want_listing {
            script.push_str(&format!(
                "if [ -d {q} ] && [ ! -L {q} ]; then {BODY_MARKER}find {q} -mindepth 1 \
                 -exec stat -c '%f|%u|%g|%n' {{}} +; fi\n"
            ));
        }
        let probe = file_attrs::probe(cx, &script).await?;
        let mut st = probe.stat("S");
        let ids = probe.ids(&attrs);

        let prev0 = state_of(&st);
        let state = match state_arg.as_deref() {
            Some(x) => x.to_string(),
            None if prev0 != "absent" => prev0.to_string(),
            None if recurse => "directory".to_string(),
            None => "file".to_string(),
        };
        if recurse && state != "directory" {
            return Err(
                ModuleError::new("recurse option requires state to be 'directory'")
                    .with("path", s(&path)),
            );
        }
        if src.is_some() && state != "link" && state != "hard" {
            return Err(
                ModuleError::new("src option requires state to be 'link' or 'hard'")
                    .with("path", s(&path)),
            );
        }

        // Following a link: file and directory operate on its target.
        if follow
            && (state == "file" || state == "directory")
            && prev0 == "link"
            && let Some(real) = probe.get("F")
        {
            path = real.to_string();
            st = probe.stat("T");
        }
        let q = shell_quote(&path);
        let prev = state_of(&st);

        match state.as_str() {
            "absent" => plan_absent(cx, &path, prev, &probe),
            "file" => {
                let Some(cur) = st.as_ref().filter(|_| prev == "file" || prev == "hard") else {
                    return Err(ModuleError::new(format!(
                        "file ({path}) is {prev}, cannot continue"
                    ))
                    .with("path", s(&path))
                    .with("state", s(prev)));
                };
                let ch = plan_attrs(&attrs, &ids, cur, &path)?;
                let (mut before, mut after) = initial_diff(&path, "file", prev);
                add_attr_diff(&mut before, &mut after, &ch);
                let base = result([("path", s(&path))]);
                finish(cx, base, &st, ch.script(&q), before, after, true)
            }
            "directory" => plan_directory(cx, &path, &st, &attrs, &ids, recurse, &probe),
            "touch" => {
                let (mut before, mut after) = initial_diff(&path, "touch", prev);
                let ch = match &st {
                    Some(cur) => plan_attrs(&attrs, &ids, cur, &path)?,
                    None => file_attrs::plan_new_attrs(
                        &attrs,
                        &ids,
                        &probe.new_path_stat(Kind::File),
                        &path,
                    )?,
                };
                add_attr_diff(&mut before, &mut after, &ch);
                let base = result([("dest", s(&path))]);
                let mut preview = base.clone();
                if st.is_some() {
                    preview.extend(path_info(&st));
                }
                Ok(Plan::Change {
                    preview,
                    diff: diff_value(cx, before, after),
                    apply: Box::new(Run {
                        script: format!("touch -- {q}\n{}_rs {q} R\n", ch.script(&q)),
                        base,
                        info: true,
                    }),
                })
            }
            "link" => plan_link(cx, &path, src, &st, &attrs, &ids, force, follow, &probe),
            _ => plan_hard(cx, &path, src, &st, &attrs, &ids, force, &probe),
        }
    }
}

/// Report unchanged, or plan `script` (attribute changes) with `base` as the result.
fn finish(
    cx: &ModuleContext<'_>,
    base: Map,
    st: &Option<PathStat>,
    script: String,
    before: Map,
    after: Map,
    info: bool,
) -> Result<Plan, ModuleError> {
    if script.is_empty() {
        let mut r = base;
        r.insert("changed".into(), Value::Bool(false));
        if info {
            r.extend(path_info(st));
        }
        return Ok(Plan::Done(r));
    }
    let path = base
        .get(&file_attrs::key("path"))
        .or_else(|| base.get(&file_attrs::key("dest")))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut preview = base.clone();
    if info {
        preview.extend(path_info(st));
    }
    Ok(Plan::Change {
        preview,
        diff: diff_value(cx, before, after),
        apply: Box::new(Run {
            script: format!("{script}_rs {} R\n", shell_quote(&path)),
            base,
            info,
        }),
    })
}

fn plan_absent(
    cx: &ModuleContext<'_>,
    path: &str,
    prev: &str,
    probe: &Probe,
) -> Result<Plan, ModuleError> {
    let base = result([("path", s(path)), ("state", s("absent"))]);
    if prev == "absent" {
        let mut r = base;
        r.insert("changed".into(), Value::Bool(false));
        return Ok(Plan::Done(r));
    }
    let (mut before, after) = initial_diff(path, "absent", prev);
    if prev == "directory" {
        let (mut dirs, mut files) = (Vec::new(), Vec::new());
        for line in String::from_utf8_lossy(&probe.body).lines() {
            let mut f = line.splitn(4, '|');
            let raw = f.next().and_then(|m| u32::from_str_radix(m, 16).ok());
            let name = f.nth(2).unwrap_or_default().to_string();
            if raw.is_some_and(|m| m & 0o170000 == 0o040000) {
                dirs.push(s(&name));
            } else {
                files.push(s(&name));
            }
        }
        before.insert(
            "path_content".into(),
            Value::Map(result([
                ("directories", Value::List(dirs)),
                ("files", Value::List(files)),
            ])),
        );
    }
    let q = shell_quote(path);
    let rm = if prev == "directory" {
        "rm -rf"
    } else {
        "rm -f"
    };
    Ok(Plan::Change {
        preview: base.clone(),
        diff: diff_value(cx, before, after),
        apply: Box::new(Run {
            script: format!("{rm} -- {q}\n"),
            base,
            info: false,
        }),
    })
}

fn plan_directory(
    cx: &ModuleContext<'_>,
    path: &str,
    st: &Option<PathStat>,
    attrs: &FileAttrs,
    ids: &Ids,
    recurse: bool,
    probe: &Probe,
) -> Result<Plan, ModuleError> {
    let prev = state_of(st);
    let (mut before, mut after) = initial_diff(path, "directory", prev);
    let base = result([("path", s(path))]);
    let q = shell_quote(path);
    if prev == "absent" {
        // mkdir -p, with the attributes applied to every directory created.
        let fresh = probe.new_path_stat(Kind::Directory);
        let ch = file_attrs::plan_new_attrs(attrs, ids, &fresh, path)?;
        add_attr_diff(&mut before, &mut after, &ch);
        let mut script = String::new();
        let mut cur = String::new();
        for part in path.trim_matches('/').split('/').filter(|p| !p.is_empty()) {
            cur = if cur.is_empty() && !path.starts_with('/') {
                part.to_string()
            } else {
                format!("{cur}/{part}")
            };
            let qc = shell_quote(&cur);
            script.push_str(&format!(
                "if [ ! -e {qc} ]; then mkdir -- {qc} || [ -d {qc} ]; {}fi\n",
                ch.script(&qc).replace('\n', "; ")
            ));
        }
        return Ok(Plan::Change {
            preview: base.clone(),
            diff: diff_value(cx, before, after),
            apply: Box::new(Run {
                script: format!("{script}_rs {q} R\n"),
                base,
                info: true,
            }),
        });
    }
    let Some(cur) = st.as_ref().filter(|_| prev == "directory") else {
        return Err(
            ModuleError::new(format!("{path} already exists as a {prev}")).with("path", s(path)),
        );
    };
    let ch = plan_attrs(attrs, ids, cur, path)?;
    add_attr_diff(&mut before, &mut after, &ch);
    let mut script = ch.script(&q);
    if recurse {
        for line in String::from_utf8_lossy(&probe.body).lines() {
            let f: Vec<&str> = line.splitn(4, '|').collect();
            if f.len() < 4 {
                continue;
            }
            let raw = u32::from_str_radix(f[0], 16).unwrap_or(0);
            let entry = PathStat {
                kind: match raw & 0o170000 {
                    0o040000 => Kind::Directory,
                    0o120000 => Kind::Link,
                    0o100000 => Kind::File,
                    _ => Kind::Other,
                },
                mode: raw & 0o7777,
                uid: f[1].parse().unwrap_or(0),
                gid: f[2].parse().unwrap_or(0),
                owner: String::new(),
                group: String::new(),
                size: 0,
                nlink: 1,
                inode: 0,
                exists_followed: true,
            };
            let ch = plan_attrs(attrs, ids, &entry, f[3])?;
            script.push_str(&ch.script(&shell_quote(f[3])));
        }
    }
    finish(cx, base, st, script, before, after, true)
}

#[allow(clippy::too_many_arguments)]
fn plan_link(
    cx: &ModuleContext<'_>,
    path: &str,
    src: Option<String>,
    st: &Option<PathStat>,
    attrs: &FileAttrs,
    ids: &Ids,
    force: bool,
    follow: bool,
    probe: &Probe,
) -> Result<Plan, ModuleError> {
    let prev = state_of(st);
    let old_src = probe.get("L").map(str::to_string);
    let src_given = src.is_some();
    let src = match src {
        Some(s) => s,
        None if follow && prev == "link" && probe.get("F").is_some() => {
            old_src.clone().unwrap_or_default()
        }
        None => {
            return Err(ModuleError::new(
                "src is required for creating new symlinks",
            ));
        }
    };
    let dir_not_link = st.as_ref().is_some_and(|s| s.kind == Kind::Directory);
    let absrc = if dir_not_link {
        join(path, &src)
    } else {
        join(&dirname(path), &src)
    };
    let target = if !src_given {
        probe.stat("T")
    } else if dir_not_link {
        probe.stat("A2")
    } else {
        probe.stat("A")
    };
    if !force && !target.as_ref().is_some_and(|t| t.exists_followed) {
        return Err(ModuleError::new(format!(
            "src file does not exist, use 'force=yes' if you really want to create the link: {absrc}"
        ))
        .with("path", s(path))
        .with("src", s(&src)));
    }
    match prev {
        "directory" if !force => {
            return Err(ModuleError::new(format!(
                "refusing to convert from directory to symlink for {path}"
            ))
            .with("path", s(path)));
        }
        "directory" if probe.get("N").is_some() => {
            return Err(ModuleError::new(format!(
                "the directory {path} is not empty, refusing to convert it"
            ))
            .with("path", s(path)));
        }
        "file" | "hard" if !force => {
            return Err(ModuleError::new(format!(
                "refusing to convert from {prev} to symlink for {path}"
            ))
            .with("path", s(path)));
        }
        _ => {}
    }
    let (mut before, mut after) = initial_diff(path, "link", prev);
    let relink = match prev {
        "link" => {
            if old_src.as_deref() != Some(src.as_str()) {
                before.insert("src".into(), s(old_src.as_deref().unwrap_or("")));
                after.insert("src".into(), s(&src));
                true
            } else {
                false
            }
        }
        _ => true,
    };
    let q = shell_quote(path);
    let qs = shell_quote(&src);
    let mut script = String::new();
    if relink {
        match prev {
            "absent" => {}
            "directory" => script.push_str(&format!("rmdir -- {q}\n")),
            _ => script.push_str(&format!("rm -f -- {q}\n")),
        }
        script.push_str(&format!("ln -s -- {qs} {q}\n"));
    }
    // With follow (the default), owner/group/mode apply to the link's target.
    let mut base = result([("dest", s(path)), ("src", s(&src))]);
    // What the link resolves to once made (src relative to the link's directory).
    let (target, absrc) = if src_given {
        (probe.stat("A"), join(&dirname(path), &src))
    } else {
        (target, absrc)
    };
    if follow && !target.as_ref().is_some_and(|t| t.exists_followed) {
        base.insert(
            "warnings".into(),
            Value::List(vec![s(
                "Cannot set fs attributes on a non-existent symlink target. follow should be set to False to avoid this.",
            )]),
        );
    }
    if !attrs.is_empty() {
        let (apath, ast) = if follow {
            (absrc.clone(), target.clone())
        } else {
            (path.to_string(), st.clone().filter(|_| !relink))
        };
        if let Some(ast) = ast.filter(|a| a.exists_followed) {
            let ch = plan_attrs(attrs, ids, &ast, &apath)?;
            add_attr_diff(&mut before, &mut after, &ch);
            script.push_str(&ch.script(&shell_quote(&apath)));
        }
    }
    if script.is_empty() {
        let mut r = base;
        r.insert("changed".into(), Value::Bool(false));
        r.extend(path_info(st));
        return Ok(Plan::Done(r));
    }
    let mut preview = base.clone();
    if prev != "absent" {
        preview.extend(path_info(st));
    }
    Ok(Plan::Change {
        preview,
        diff: diff_value(cx, before, after),
        apply: Box::new(Run {
            script: format!("{script}_rs {q} R\n"),
            base,
            info: true,
        }),
    })
}

#[allow(clippy::too_many_arguments)]
fn plan_hard(
    cx: &ModuleContext<'_>,
    path: &str,
    src: Option<String>,
    st: &Option<PathStat>,
    attrs: &FileAttrs,
    ids: &Ids,
    force: bool,
    probe: &Probe,
) -> Result<Plan, ModuleError> {
    let prev = state_of(st);
    let Some(src) = src else {
        // An existing hard link without src: only its attributes.
        let Some(cur) = st.as_ref().filter(|_| prev == "hard") else {
            return Err(ModuleError::new(
                "src is required for creating new hardlinks",
            ));
        };
        let (mut before, mut after) = initial_diff(path, "hard", prev);
        let ch = plan_attrs(attrs, ids, cur, path)?;
        add_attr_diff(&mut before, &mut after, &ch);
        let base = result([("dest", s(path)), ("src", Value::Null)]);
        let script = ch.script(&shell_quote(path));
        return finish_dest(cx, base, st, script, before, after, prev);
    };
    let Some(target) = probe.stat("A").filter(|a| a.exists_followed) else {
        return Err(ModuleError::new("src does not exist")
            .with("dest", s(path))
            .with("src", s(&src)));
    };
    let (mut before, mut after) = initial_diff(path, "hard", prev);
    let relink = match prev {
        "absent" => true,
        "link" => {
            let old = probe.get("L").unwrap_or_default();
            if old != src {
                before.insert("src".into(), s(old));
                after.insert("src".into(), s(&src));
                true
            } else {
                false
            }
        }
        "hard" | "file" => {
            let same = st.as_ref().is_some_and(|c| c.inode == target.inode);
            if !same && !force {
                let msg = if prev == "hard" {
                    "Cannot link, different hard link exists at destination".to_string()
                } else {
                    format!("Cannot link, {prev} exists at destination")
                };
                return Err(ModuleError::new(msg)
                    .with("dest", s(path))
                    .with("src", s(&src)));
            }
            !same
        }
        _ => {
            return Err(
                ModuleError::new("Cannot link: different hard link exists at destination")
                    .with("dest", s(path))
                    .with("src", s(&src)),
            );
        }
    };
    let q = shell_quote(path);
    let mut script = String::new();
    if relink {
        if prev != "absent" {
            script.push_str(&format!("rm -f -- {q}\n"));
        }
        script.push_str(&format!("ln -- {} {q}\n", shell_quote(&src)));
    }
    let ch = plan_attrs(attrs, ids, &target, path)?;
    add_attr_diff(&mut before, &mut after, &ch);
    script.push_str(&ch.script(&q));
    let base = result([("dest", s(path)), ("src", s(&src))]);
    finish_dest(cx, base, st, script, before, after, prev)
}

fn finish_dest(
    cx: &ModuleContext<'_>,
    base: Map,
    st: &Option<PathStat>,
    script: String,
    before: Map,
    after: Map,
    prev: &str,
) -> Result<Plan, ModuleError> {
    if prev == "absent" && !script.is_empty() {
        let path = base
            .get(&file_attrs::key("dest"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        return Ok(Plan::Change {
            preview: base.clone(),
            diff: diff_value(cx, before, after),
            apply: Box::new(Run {
                script: format!("{script}_rs {} R\n", shell_quote(&path)),
                base,
                info: true,
            }),
        });
    }
    finish(cx, base, st, script, before, after, true)
}
