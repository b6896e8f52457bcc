//! `script`: send a controller script to the target and run it there, as ansible-core's
//! `script` action plugin. One round trip: the script travels on stdin into a private
//! `mktemp -d` directory, runs, and the directory is removed.

use async_trait::async_trait;

use super::args::{check_known, string};
use super::copy::find_needle;
use super::file_attrs;
use super::{Apply, Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::shell_quote;
use crate::inventory::ini::shlex::shlex_split_no_comments;
use crate::vars::{Map, Value};

pub struct Script;

const KNOWN: &[&str] = &[
    "_raw_params",
    "cmd",
    "creates",
    "removes",
    "chdir",
    "executable",
    "decrypt",
];

struct Run {
    /// The script's bytes.
    body: Vec<u8>,
    /// The file name on the target (the script's basename).
    name: String,
    /// The command line, the script's path standing as `$_roller_script`.
    line: String,
    chdir: Option<String>,
}

/// Python's `str.splitlines()`: every line boundary Python knows, `\r\n` as one.
pub(crate) fn splitlines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}'
            | '\u{2028}' | '\u{2029}' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
            }
            other => cur.push(other),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn lines(text: &str) -> Value {
    Value::List(splitlines(text).into_iter().map(Value::Str).collect())
}

#[async_trait]
impl Module for Script {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, KNOWN)?;
        let raw = string(args, "_raw_params")?;
        let cmd = string(args, "cmd")?;
        let raw = match (raw, cmd) {
            (Some(_), Some(_)) => {
                return Err(ModuleError::raised(
                    "parameters are mutually exclusive: _raw_params|cmd",
                ));
            }
            (None, None) => {
                return Err(ModuleError::raised(
                    "one of the following is required: _raw_params, cmd",
                ));
            }
            (Some(r), None) | (None, Some(r)) => r,
        };
        let creates = string(args, "creates")?.filter(|s| !s.is_empty());
        let removes = string(args, "removes")?.filter(|s| !s.is_empty());
        for (path, want) in [(&creates, true), (&removes, false)] {
            let Some(path) = path else { continue };
            let out = file_attrs::run(cx, format!("test -e {}", shell_quote(path)), None).await?;
            if (out.rc == 0) == want {
                let msg = if want {
                    format!("{path} exists, matching creates option")
                } else {
                    format!("{path} does not exist, matching removes option")
                };
                return Ok(Plan::Done(ModuleError::skip_result(&msg)));
            }
        }
        let chdir = string(args, "chdir")?.filter(|s| !s.is_empty());
        if let Some(dir) = &chdir
            && !dir.starts_with('/')
        {
            return Err(ModuleError::raised(format!(
                "chdir {dir} must be an absolute path for a Unix-aware remote node"
            )));
        }
        let raw = raw.trim().to_string();
        let parts =
            shlex_split_no_comments(&raw).map_err(|e| ModuleError::raised(e.to_string()))?;
        let Some(first) = parts.first().cloned() else {
            return Err(ModuleError::raised("no script given"));
        };
        let path = find_needle(cx, "files", &first).map_err(|e| ModuleError::raised(e.msg))?;
        let body = std::fs::read(&path)
            .map_err(|e| ModuleError::raised(format!("could not read {}: {e}", path.display())))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "script".into());
        // As ansible-core: the script's word in the command line becomes the uploaded
        // path, everything else (the arguments) stays shell text for the target's shell.
        let target = raw.replace(&first, "\"$_roller_script\"");
        let line = match string(args, "executable")? {
            Some(exe) => format!("{exe} {target}"),
            None => target,
        };
        let shown = raw.clone();
        let run = Run {
            body,
            name,
            line,
            chdir,
        };
        if creates.is_some() || removes.is_some() {
            // ansible-core: with creates/removes the task was not skipped, so it would run.
            return Ok(Plan::Change {
                preview: Map::new(),
                diff: None,
                apply: Box::new(run),
            });
        }
        Ok(Plan::Unpredictable {
            would_run: shown,
            preview: ModuleError::skip_result("Check mode is not supported for this task."),
            apply: Box::new(run),
        })
    }
}

#[async_trait]
impl Apply for Run {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let cd = match &self.chdir {
            Some(dir) => format!("cd {} && ", shell_quote(dir)),
            None => String::new(),
        };
        let script = format!(
            "_roller_d=$(mktemp -d) || exit 1\n\
             _roller_script=\"$_roller_d\"/{name}\n\
             if ! {{ cat > \"$_roller_script\" && chmod 700 \"$_roller_script\"; }}; then rm -rf \"$_roller_d\"; exit 1; fi\n\
             ( {cd}{line}\n) </dev/null\n\
             _roller_rc=$?\n\
             rm -rf \"$_roller_d\"\n\
             exit $_roller_rc\n",
            name = shell_quote(&self.name),
            line = self.line,
        );
        let out = file_attrs::run(cx, script, Some(self.body.clone())).await?;
        let stdout = out.stdout_text();
        let stderr = out.stderr_text();
        let mut res = result([
            ("changed", Value::Bool(true)),
            ("rc", Value::Int(out.rc.into())),
            ("stdout", Value::Str(stdout.clone())),
            ("stdout_lines", lines(&stdout)),
            ("stderr", Value::Str(stderr.clone())),
            ("stderr_lines", lines(&stderr)),
        ]);
        if out.rc != 0 {
            res.insert("msg".into(), Value::Str("non-zero return code".into()));
            res.insert("failed".into(), Value::Bool(true));
        }
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::splitlines;

    #[test]
    fn splitlines_as_python() {
        assert_eq!(splitlines("a\nb\r\nc\rd\n"), ["a", "b", "c", "d"]);
        assert_eq!(splitlines(""), Vec::<String>::new());
        assert_eq!(splitlines("\n\nx"), ["", "", "x"]);
    }
}
