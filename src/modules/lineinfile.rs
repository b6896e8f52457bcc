//! `lineinfile`: ensure a line is in a file (or absent), located by `regexp`,
//! `search_string` or the line itself, as ansible-core's `lineinfile` module. The file is
//! read in the probe, edited on the controller, and written back whole.

use async_trait::async_trait;
use regex::bytes::{Captures, Regex};

use super::args::{boolean, check_known, string};
use super::copy::{parent_of, replace_script};
use super::file::aliased;
use super::file_attrs::{
    self, BODY_MARKER, FileAttrs, Kind, apply_script, plan_attrs, plan_new_attrs,
};
use super::{Apply, Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::shell_quote;
use crate::vars::{Map, Value};

pub struct LineInFile;

const KNOWN: &[&str] = &[
    "path",
    "dest",
    "destfile",
    "name",
    "state",
    "regexp",
    "regex",
    "search_string",
    "line",
    "value",
    "insertafter",
    "insertbefore",
    "backrefs",
    "create",
    "backup",
    "firstmatch",
    "validate",
    "follow",
];

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

/// A Python `re` pattern for Rust's engine (named groups `(?P<n>` are shared syntax).
fn compile(pattern: &str) -> Result<Regex, ModuleError> {
    Regex::new(pattern).map_err(|e| {
        ModuleError::new(format!(
            "roller cannot use the regular expression {pattern:?} (Python's re features such as \
             look-around and backreferences are not supported): {e}"
        ))
    })
}

/// Python's `re.search` on a line read with `readlines()`: `$` also matches before the
/// final newline, so the line is searched without it.
fn search<'a>(re: &Regex, line: &'a [u8]) -> Option<Captures<'a>> {
    re.captures(line.strip_suffix(b"\n").unwrap_or(line))
}

/// Python's `match.expand(template)`: `\1`, `\g<1>`, `\g<name>` and the usual escapes.
fn expand(caps: &Captures<'_>, template: &[u8]) -> Result<Vec<u8>, ModuleError> {
    let mut out = Vec::new();
    let mut i = 0;
    let group = |out: &mut Vec<u8>, name: &str| -> Result<(), ModuleError> {
        let m = match name.parse::<usize>() {
            Ok(n) => {
                if n >= caps.len() {
                    return Err(ModuleError::new(format!("invalid group reference {n}")));
                }
                caps.get(n)
            }
            Err(_) => caps.name(name),
        };
        if let Some(m) = m {
            out.extend_from_slice(m.as_bytes());
        }
        Ok(())
    };
    while i < template.len() {
        let c = template[i];
        if c != b'\\' || i + 1 >= template.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = template[i + 1];
        match n {
            b'0'..=b'9' => {
                let mut j = i + 1;
                while j < template.len() && j < i + 3 && template[j].is_ascii_digit() {
                    j += 1;
                }
                let num = String::from_utf8_lossy(&template[i + 1..j]).into_owned();
                group(&mut out, &num)?;
                i = j;
            }
            b'g' if template.get(i + 2) == Some(&b'<') => {
                let end = template[i + 3..]
                    .iter()
                    .position(|&b| b == b'>')
                    .ok_or_else(|| ModuleError::new("missing >, unterminated name"))?;
                let name = String::from_utf8_lossy(&template[i + 3..i + 3 + end]).into_owned();
                group(&mut out, &name)?;
                i += 4 + end;
            }
            b'n' => {
                out.push(b'\n');
                i += 2;
            }
            b't' => {
                out.push(b'\t');
                i += 2;
            }
            b'r' => {
                out.push(b'\r');
                i += 2;
            }
            b'\\' => {
                out.push(b'\\');
                i += 2;
            }
            b'a' => {
                out.push(7);
                i += 2;
            }
            b'f' => {
                out.push(12);
                i += 2;
            }
            b'v' => {
                out.push(11);
                i += 2;
            }
            b'b' => {
                out.push(8);
                i += 2;
            }
            other if other.is_ascii_alphabetic() => {
                return Err(ModuleError::new(format!(
                    "bad escape \\{} in line",
                    other as char
                )));
            }
            _ => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Python's `readlines()` on bytes: lines split after each `\n`.
fn readlines(data: &[u8]) -> Vec<Vec<u8>> {
    data.split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn strip_eol(l: &[u8]) -> &[u8] {
    let mut end = l.len();
    while end > 0 && (l[end - 1] == b'\n' || l[end - 1] == b'\r') {
        end -= 1;
    }
    &l[..end]
}

fn ends_with_eol(l: &[u8]) -> bool {
    matches!(l.last(), Some(b'\n') | Some(b'\r'))
}

struct Edit {
    lines: Vec<Vec<u8>>,
    changed: bool,
    msg: String,
    found: Option<usize>,
}

#[allow(clippy::too_many_arguments)]
fn present(
    mut lines: Vec<Vec<u8>>,
    regexp: Option<&Regex>,
    search_string: Option<&str>,
    line: &str,
    insertafter: Option<&str>,
    insertbefore: Option<&str>,
    backrefs: bool,
    firstmatch: bool,
) -> Result<Edit, ModuleError> {
    let b_line = line.as_bytes();
    let bre_ins = match (insertafter, insertbefore) {
        (Some(a), _) if a != "BOF" && a != "EOF" => Some(compile(a)?),
        (None, Some(b)) if b != "BOF" => Some(compile(b)?),
        _ => None,
    };
    let mut index: [i64; 2] = [-1, -1];
    let mut matched: Option<(usize, bool)> = None; // (line index, via regexp)
    let mut exact_line_match = false;
    if let Some(re) = regexp {
        for (n, l) in lines.iter().enumerate() {
            if search(re, l).is_some() {
                index[0] = n as i64;
                matched = Some((n, true));
                if firstmatch {
                    break;
                }
            }
        }
    }
    if let Some(ss) = search_string {
        for (n, l) in lines.iter().enumerate() {
            if contains(l, ss.as_bytes()) {
                index[0] = n as i64;
                matched = Some((n, false));
                if firstmatch {
                    break;
                }
            }
        }
    }
    if matched.is_none() {
        for (n, l) in lines.iter().enumerate() {
            if b_line == strip_eol(l) {
                index[0] = n as i64;
                exact_line_match = true;
            } else if let Some(re) = &bre_ins
                && search(re, l).is_some()
            {
                if insertafter.is_some() {
                    index[1] = n as i64 + 1;
                    if firstmatch {
                        break;
                    }
                }
                if insertbefore.is_some() {
                    index[1] = n as i64;
                    if firstmatch {
                        break;
                    }
                }
            }
        }
    }
    let mut msg = "";
    let mut changed = false;
    let with_eol = |l: &[u8]| {
        let mut v = l.to_vec();
        v.push(b'\n');
        v
    };
    if index[0] != -1 {
        let mut new_line = match (backrefs, matched, regexp) {
            (true, Some((n, true)), Some(re)) => {
                let caps = search(re, &lines[n]).expect("matched before");
                expand(&caps, b_line)?
            }
            _ => b_line.to_vec(),
        };
        if !new_line.ends_with(b"\n") {
            new_line.push(b'\n');
        }
        let i0 = index[0] as usize;
        // (index[0] is set only by a match, so Ansible's insert branch here is never taken.)
        let _ = exact_line_match;
        if lines[i0] != new_line {
            lines[i0] = new_line;
            msg = "line replaced";
            changed = true;
        }
    } else if backrefs {
        // No match with backrefs: nothing to do.
    } else if insertbefore == Some("BOF") || insertafter == Some("BOF") {
        lines.insert(0, with_eol(b_line));
        msg = "line added";
        changed = true;
    } else if insertafter == Some("EOF") || index[1] == -1 {
        if lines.last().is_some_and(|l| !ends_with_eol(l)) {
            lines.push(b"\n".to_vec());
        }
        lines.push(with_eol(b_line));
        msg = "line added";
        changed = true;
    } else if insertafter.is_some() && index[1] != -1 {
        let i1 = index[1] as usize;
        if lines.len() == i1 {
            if strip_eol(&lines[i1 - 1]) != b_line {
                lines.push(with_eol(b_line));
                msg = "line added";
                changed = true;
            }
        } else if b_line != strip_eol(&lines[i1]) {
            lines.insert(i1, with_eol(b_line));
            msg = "line added";
            changed = true;
        }
    } else {
        lines.insert(index[1] as usize, with_eol(b_line));
        msg = "line added";
        changed = true;
    }
    Ok(Edit {
        lines,
        changed,
        msg: msg.to_string(),
        found: None,
    })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn absent(
    lines: Vec<Vec<u8>>,
    regexp: Option<&Regex>,
    search_string: Option<&str>,
    line: Option<&str>,
) -> Edit {
    let mut found = 0;
    let kept: Vec<Vec<u8>> = lines
        .into_iter()
        .filter(|l| {
            let hit = if let Some(re) = regexp {
                search(re, l).is_some()
            } else if let Some(ss) = search_string {
                contains(l, ss.as_bytes())
            } else {
                line.is_some_and(|x| x.as_bytes() == strip_eol(l))
            };
            if hit {
                found += 1;
            }
            !hit
        })
        .collect();
    Edit {
        lines: kept,
        changed: found > 0,
        msg: if found > 0 {
            format!("{found} line(s) removed")
        } else {
            String::new()
        },
        found: Some(found),
    }
}

#[async_trait]
impl Module for LineInFile {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        let mut known = KNOWN.to_vec();
        known.extend_from_slice(file_attrs::COMMON_ARGS);
        check_known(args, &known)?;
        let Some(path) = aliased(args, &["path", "dest", "destfile", "name"])? else {
            return Err(ModuleError::new("missing required arguments: path"));
        };
        let state = string(args, "state")?.unwrap_or_else(|| "present".to_string());
        if state != "present" && state != "absent" {
            return Err(ModuleError::new(format!(
                "value of state must be one of: absent, present, got: {state}"
            )));
        }
        let regexp_s = aliased(args, &["regexp", "regex"])?;
        let search_string = string(args, "search_string")?;
        let line = aliased(args, &["line", "value"])?;
        let insertafter = string(args, "insertafter")?;
        let insertbefore = string(args, "insertbefore")?;
        let backrefs = boolean(args, "backrefs", false)?;
        let create = boolean(args, "create", false)?;
        let backup = boolean(args, "backup", false)?;
        let firstmatch = boolean(args, "firstmatch", false)?;
        let validate = string(args, "validate")?;
        for (a, b, on) in [
            (
                "insertbefore",
                "insertafter",
                insertbefore.is_some() && insertafter.is_some(),
            ),
            (
                "regexp",
                "search_string",
                regexp_s.is_some() && search_string.is_some(),
            ),
            (
                "backrefs",
                "search_string",
                backrefs && search_string.is_some(),
            ),
        ] {
            if on {
                return Err(ModuleError::new(format!(
                    "parameters are mutually exclusive: {a}|{b}"
                )));
            }
        }
        if let Some(v) = &validate
            && !v.contains("%s")
        {
            return Err(ModuleError::new(format!("validate must contain %s: {v}")));
        }
        let attrs = FileAttrs::from_args(args)?;
        let regexp = regexp_s.as_deref().map(compile).transpose()?;

        let q = shell_quote(&path);
        let script = format!(
            "_rs {q} S\n{}if [ -L {q} ]; then _f=$(readlink -f -- {q}) && printf 'F|%s\\n' \"$_f\" && _rs \"$_f\" T; fi\n\
             _rs {} P\nif [ -f {q} ]; then {BODY_MARKER}cat -- {q}; fi\n",
            attrs.lookups(),
            shell_quote(&parent_of(&path))
        );
        let probe = file_attrs::probe(cx, &script).await?;
        // A symlink is read and written through: its target's stat is the file's.
        let st = probe.stat("S").filter(|s| s.exists_followed).map(|s| {
            if s.kind == Kind::Link {
                probe.stat("T").unwrap_or(s)
            } else {
                s
            }
        });
        if st.as_ref().is_some_and(|s| s.kind == Kind::Directory) {
            return Err(ModuleError::new(format!("Path {path} is a directory !"))
                .with("rc", Value::Int(256)));
        }
        // Writes go to the link's target, as Ansible's `os.path.realpath(dest)`.
        let real = probe.get("F").map_or(path.clone(), str::to_string);
        let exists = st.is_some();
        let lines = if exists {
            readlines(&probe.body)
        } else {
            Vec::new()
        };
        let before_text = String::from_utf8_lossy(&probe.body).into_owned();

        let edit = if state == "present" {
            if backrefs && regexp.is_none() {
                return Err(ModuleError::new("regexp is required with backrefs=true"));
            }
            let Some(line) = &line else {
                return Err(ModuleError::new("line is required with state=present"));
            };
            if !exists && !create {
                return Err(
                    ModuleError::new(format!("Destination {path} does not exist !"))
                        .with("rc", Value::Int(257)),
                );
            }
            let ins_aft = if insertbefore.is_none() && insertafter.is_none() {
                Some("EOF")
            } else {
                insertafter.as_deref()
            };
            present(
                lines,
                regexp.as_ref(),
                search_string.as_deref(),
                line,
                ins_aft,
                insertbefore.as_deref(),
                backrefs,
                firstmatch,
            )?
        } else {
            if regexp.is_none() && search_string.is_none() && line.is_none() {
                return Err(ModuleError::new(
                    "one of line, search_string, or regexp is required with state=absent",
                ));
            }
            if !exists {
                return Ok(Plan::Done(result([
                    ("changed", Value::Bool(false)),
                    ("msg", s("file not present")),
                ])));
            }
            absent(
                lines,
                regexp.as_ref(),
                search_string.as_deref(),
                line.as_deref(),
            )
        };

        let new_bytes: Vec<u8> = edit.lines.concat();
        let content_header = format!("{path} (content)");
        let content_diff = result([
            ("before", s(if exists { &before_text } else { "" })),
            (
                "after",
                Value::Str(String::from_utf8_lossy(&new_bytes).into_owned()),
            ),
            ("before_header", s(&content_header)),
            ("after_header", s(&content_header)),
        ]);

        // Attributes: of the file as it is, or as it will be created.
        let (ch, base_st) = match &st {
            Some(cur) => (
                plan_attrs(&attrs, &probe.ids(&attrs), cur, &real)?,
                cur.clone(),
            ),
            None => {
                let fresh = probe.new_path_stat(Kind::File);
                (
                    plan_new_attrs(&attrs, &probe.ids(&attrs), &fresh, &real)?,
                    fresh,
                )
            }
        };
        let attrs_change = !ch.script("x").is_empty();
        let mut msg = edit.msg.clone();
        let changed = edit.changed || attrs_change;
        if attrs_change {
            if edit.changed {
                msg.push_str(" and ");
            }
            msg.push_str("ownership, perms or SE linux context changed");
        }
        let attr_header = format!("{path} (file attributes)");
        let mut attr_diff = Map::new();
        if !ch.before.is_empty() {
            attr_diff.insert("before".into(), Value::Map(ch.before.clone()));
            attr_diff.insert("after".into(), Value::Map(ch.after.clone()));
        }
        attr_diff.insert("before_header".into(), s(&attr_header));
        attr_diff.insert("after_header".into(), s(&attr_header));

        let mut base = result([("msg", s(&msg)), ("backup", s(""))]);
        if let Some(found) = edit.found {
            base.insert("found".into(), Value::Int(found as i64));
        }
        if !changed {
            base.insert("changed".into(), Value::Bool(false));
            return Ok(Plan::Done(base));
        }
        let diff = cx.diff.then(|| {
            if exists {
                Value::List(vec![
                    Value::Map(content_diff.clone()),
                    Value::Map(attr_diff),
                ])
            } else {
                Value::Map(content_diff.clone())
            }
        });
        // Check mode on a file that does not exist yet reports only the content edit.
        let mut preview = base.clone();
        if !exists {
            preview.insert("msg".into(), s(&edit.msg));
        }
        let qr = shell_quote(&real);
        let script = if edit.changed {
            let mut sc = String::new();
            let parent = parent_of(&real);
            if !exists {
                sc.push_str(&format!("mkdir -p -- {}\n", shell_quote(&parent)));
            }
            sc.push_str(&replace_script(
                &real,
                &parent,
                backup && exists,
                st.as_ref(),
                &base_st,
                &ch,
                validate.as_deref(),
            ));
            sc
        } else {
            format!("{}_rs {qr} R\n", ch.script(&qr))
        };
        Ok(Plan::Change {
            preview,
            diff,
            apply: Box::new(WriteLines {
                script,
                stdin: edit.changed.then_some(new_bytes),
                base,
            }),
        })
    }
}

struct WriteLines {
    script: String,
    stdin: Option<Vec<u8>>,
    base: Map,
}

#[async_trait]
impl Apply for WriteLines {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let probe = apply_script(cx, &self.script, self.stdin.clone()).await?;
        let mut r = self.base.clone();
        r.insert("changed".into(), Value::Bool(true));
        if let Some(b) = probe.get("B") {
            r.insert("backup".into(), s(b));
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        text: &str,
        re: Option<&str>,
        line: &str,
        after: Option<&str>,
        before: Option<&str>,
    ) -> (String, String) {
        let re = re.map(|r| compile(r).unwrap());
        let ins_aft = if after.is_none() && before.is_none() {
            Some("EOF")
        } else {
            after
        };
        let e = present(
            readlines(text.as_bytes()),
            re.as_ref(),
            None,
            line,
            ins_aft,
            before,
            false,
            false,
        )
        .unwrap();
        (String::from_utf8(e.lines.concat()).unwrap(), e.msg)
    }

    #[test]
    fn present_cases() {
        assert_eq!(
            run("a\nb\n", None, "c", None, None),
            ("a\nb\nc\n".into(), "line added".into())
        );
        assert_eq!(
            run("a\nb", None, "c", None, None),
            ("a\nb\nc\n".into(), "line added".into())
        );
        assert_eq!(
            run("a\nb\n", None, "b", None, None),
            ("a\nb\n".into(), "".into())
        );
        assert_eq!(
            run("x=1\n", Some("^x="), "x=2", None, None),
            ("x=2\n".into(), "line replaced".into())
        );
        assert_eq!(
            run("a\nb\n", None, "c", Some("^a$"), None),
            ("a\nc\nb\n".into(), "line added".into())
        );
        assert_eq!(
            run("a\nb\n", None, "c", None, Some("^b")),
            ("a\nc\nb\n".into(), "line added".into())
        );
        assert_eq!(
            run("a\nb\n", None, "c", None, Some("BOF")),
            ("c\na\nb\n".into(), "line added".into())
        );
        assert_eq!(
            run("a\nb\n", None, "c", Some("nomatch"), None),
            ("a\nb\nc\n".into(), "line added".into())
        );
    }

    #[test]
    fn backrefs_expand() {
        let re = compile(r"^(\w+)=(?P<v>.*)$").unwrap();
        let caps = search(&re, b"port=9092\n").unwrap();
        assert_eq!(expand(&caps, br"\1 is \g<v>\n").unwrap(), b"port is 9092\n");
    }
}
