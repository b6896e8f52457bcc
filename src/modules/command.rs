//! `command` and `shell`: run a command on the target.

use std::time::{Instant, SystemTime};

use async_trait::async_trait;

use super::args::{boolean, check_known, get, string};
use super::clock;
use super::{Apply, Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::{Command, shell_quote};
use crate::inventory::ini::shlex::shlex_split_no_comments;
use crate::vars::{Key, Map, Value};

const KNOWN: &[&str] = &[
    "_raw_params",
    "cmd",
    "argv",
    "chdir",
    "executable",
    "creates",
    "removes",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
    "expand_argument_vars",
    "_uses_shell",
];

pub struct CommandModule {
    pub shell: bool,
}

/// What to run, decided from the arguments.
struct Run {
    /// For `command`: the words; for `shell`: the one command line.
    cmd: Value,
    script: String,
    stdin: Option<Vec<u8>>,
    strip_empty_ends: bool,
    /// The module's arguments with their defaults, as Ansible reports them.
    invocation: Map,
}

#[async_trait]
impl Module for CommandModule {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, KNOWN)?;
        let raw = string(args, "_raw_params")?.or(string(args, "cmd")?);
        let argv: Vec<String> = match get(args, "argv") {
            Some(Value::List(items)) => items
                .iter()
                .map(crate::output::python_repr::python_str)
                .collect(),
            _ => Vec::new(),
        };
        let (cmd, line) = if self.shell {
            let Some(raw) = raw else {
                return Err(ModuleError::new("no command given"));
            };
            (Value::Str(raw.clone()), raw)
        } else {
            let words = if !argv.is_empty() {
                if raw.is_some() {
                    return Err(ModuleError::new(
                        "only command or argv can be given, not both",
                    ));
                }
                argv
            } else {
                let Some(raw) = raw else {
                    return Err(ModuleError::new("no command given").with("rc", Value::Int(256)));
                };
                shlex_split_no_comments(&raw).map_err(|e| ModuleError::new(e.to_string()))?
            };
            if words.is_empty() {
                return Err(ModuleError::new("no command given").with("rc", Value::Int(256)));
            }
            let expand = boolean(args, "expand_argument_vars", true)?;
            let line = words
                .iter()
                .map(|w| {
                    if expand {
                        quote_expanding_vars(w)
                    } else {
                        shell_quote(w)
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            let program = if expand {
                quote_expanding_vars(&words[0])
            } else {
                shell_quote(&words[0])
            };
            (
                Value::List(words.into_iter().map(Value::Str).collect()),
                format!("{}exec {line}", exec_check(&program)),
            )
        };
        let mut script = String::new();
        if let Some(dir) = string(args, "chdir")? {
            script.push_str(&format!("cd {} || exit 1\n", shell_quote(&dir)));
        }
        match (self.shell, string(args, "executable")?) {
            (true, exe) => script.push_str(&format!(
                "exec {} -c {}",
                // As Ansible: its own shell process, so that `$$`, `$0` and the shell's
                // error messages are what `/bin/sh -c` gives, not the channel's.
                shell_quote(exe.as_deref().unwrap_or("/bin/sh")),
                shell_quote(&line)
            )),
            (false, _) => script.push_str(&line),
        }
        // creates/removes make the command idempotent: decide before running.
        for (key, want_exists) in [("creates", true), ("removes", false)] {
            if let Some(path) = string(args, key)? {
                let probe = cx
                    .conn
                    .run(&Command::new(format!("test -e {}", shell_quote(&path))))
                    .await?;
                let exists = probe.rc == 0;
                if exists == want_exists {
                    let (msg, out) = if want_exists {
                        (
                            format!("Did not run command since '{path}' exists"),
                            format!("skipped, since {path} exists"),
                        )
                    } else {
                        (
                            format!("Did not run command since '{path}' does not exist"),
                            format!("skipped, since {path} does not exist"),
                        )
                    };
                    return Ok(Plan::Done(result([
                        ("changed", Value::Bool(false)),
                        ("cmd", cmd),
                        ("delta", Value::Null),
                        ("end", Value::Null),
                        ("start", Value::Null),
                        ("msg", Value::Str(msg)),
                        ("rc", Value::Int(0)),
                        ("stdout", Value::Str(out.clone())),
                        ("stdout_lines", Value::List(vec![Value::Str(out)])),
                        ("stderr", Value::Str(String::new())),
                        ("stderr_lines", Value::List(Vec::new())),
                    ])));
                }
            }
        }
        let stdin = match string(args, "stdin")? {
            Some(mut s) => {
                if boolean(args, "stdin_add_newline", true)? {
                    s.push('\n');
                }
                Some(s.into_bytes())
            }
            None => None,
        };
        let run = Run {
            cmd,
            script,
            stdin,
            strip_empty_ends: boolean(args, "strip_empty_ends", true)?,
            invocation: invocation(args, self.shell),
        };
        let preview = result([
            ("changed", Value::Bool(false)),
            ("cmd", run.cmd.clone()),
            ("delta", Value::Null),
            ("end", Value::Null),
            (
                "msg",
                Value::Str("Command would have run if not in check mode".into()),
            ),
            ("rc", Value::Int(0)),
            ("skipped", Value::Bool(true)),
            ("start", Value::Null),
            ("stderr", Value::Str(String::new())),
            ("stderr_lines", Value::List(Vec::new())),
            ("stdout", Value::Str(String::new())),
            ("stdout_lines", Value::List(Vec::new())),
        ]);
        Ok(Plan::Unpredictable {
            would_run: line_for_humans(&run),
            preview,
            apply: Box::new(run),
        })
    }
}

/// What the target prints on stderr (then exits 127) when the program cannot be executed
/// at all, followed by the errno: Ansible then fails with "Error executing command."
/// instead of running anything.
const EXEC_ERROR_MARK: &str = "\u{1e}roller-exec-error:";

/// Shell lines that look the program up as execvp does (PATH for a bare name) and stop with
/// EXEC_ERROR_MARK and ENOENT (2), EACCES (13) or ENOEXEC (8: neither `#!` nor ELF) where
/// Python's execvp would fail.
fn exec_check(program: &str) -> String {
    format!(
        "_p={program}\n\
         case $_p in */*) _f=$_p ;; *) _f=; _o=$IFS; IFS=:; for _d in $PATH; do \
         [ -f \"${{_d:-.}}/$_p\" ] && [ -x \"${{_d:-.}}/$_p\" ] && {{ _f=${{_d:-.}}/$_p; break; }}; \
         done; IFS=$_o ;; esac\n\
         if [ -z \"$_f\" ] || [ ! -e \"$_f\" ]; then printf '{EXEC_ERROR_MARK}2' >&2; exit 127; fi\n\
         if [ -d \"$_f\" ] || [ ! -x \"$_f\" ]; then printf '{EXEC_ERROR_MARK}13' >&2; exit 127; fi\n\
         case $(head -c 4 \"$_f\" 2>/dev/null) in \"#!\"* | \"\u{7f}ELF\") ;; \
         *) printf '{EXEC_ERROR_MARK}8' >&2; exit 127 ;; esac\n"
    )
}

/// Ansible's failure when the program could not be executed: no output, the errno as
/// `rc`, the command as one shell-quoted line.
fn exec_error(errno: i64, cmd: &Value) -> ModuleError {
    let words: Vec<&str> = match cmd {
        Value::List(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let program = words.first().copied().unwrap_or_default();
    let reason = match errno {
        2 => "No such file or directory",
        8 => "Exec format error",
        _ => "Permission denied",
    };
    let mut err = ModuleError::new("Error executing command.");
    let headline = Value::Str(format!(
        "Module failed: Error executing command: [Errno {errno}] {reason}: b'{}'",
        program.replace('\\', "\\\\").replace('\'', "\\'")
    ));
    let line = words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ");
    err.result = result([
        ("changed", Value::Bool(false)),
        ("cmd", Value::Str(line)),
        ("rc", Value::Int(errno)),
        ("stdout", Value::Str(String::new())),
        ("stdout_lines", Value::List(Vec::new())),
        ("stderr", Value::Str(String::new())),
        ("stderr_lines", Value::List(Vec::new())),
        (super::ERROR_HEADLINE, headline),
    ]);
    err
}

/// Quote a word so that the target's shell expands `$VAR`, `${VAR}` and a leading `~` (as
/// the command module's `expand_argument_vars` does) and nothing else: no command
/// substitution, globbing or word splitting.
fn quote_expanding_vars(word: &str) -> String {
    if !word.contains('$') && !word.starts_with('~') {
        return shell_quote(word);
    }
    let (tilde, rest) = match word.strip_prefix('~') {
        Some(r) => {
            let user_end = r.find('/').unwrap_or(r.len());
            let user = &r[..user_end];
            if user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                (format!("~{user}"), &r[user_end..])
            } else {
                (String::new(), word)
            }
        }
        None => (String::new(), word),
    };
    let mut out = String::from("\"");
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '$' => {
                let next = chars.get(i + 1).copied();
                let is_var = next.is_some_and(|n| n == '{' || n == '_' || n.is_ascii_alphabetic());
                out.push_str(if is_var { "$" } else { "\\$" });
            }
            '"' | '\\' | '`' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out.push('"');
    format!("{tilde}{out}")
}

/// `invocation.module_args`: every parameter, given or defaulted.
fn invocation(args: &Map, shell: bool) -> Map {
    let mut m = Map::new();
    for (key, default) in [
        ("_raw_params", Value::Null),
        ("_uses_shell", Value::Bool(shell)),
        ("argv", Value::Null),
        ("chdir", Value::Null),
        ("cmd", Value::Null),
        ("creates", Value::Null),
        ("executable", Value::Null),
        ("expand_argument_vars", Value::Bool(true)),
        ("removes", Value::Null),
        ("stdin", Value::Null),
        ("stdin_add_newline", Value::Bool(true)),
        ("strip_empty_ends", Value::Bool(true)),
    ] {
        let v = match get(args, key) {
            Some(v) if key != "_uses_shell" => match (&default, v) {
                (Value::Bool(_), other) => super::args::to_bool(other)
                    .map(Value::Bool)
                    .unwrap_or(other.clone()),
                (_, other) => other.clone(),
            },
            _ => default,
        };
        m.insert(Key::from(key), v);
    }
    m
}

fn line_for_humans(run: &Run) -> String {
    match &run.cmd {
        Value::Str(s) => s.clone(),
        Value::List(words) => words
            .iter()
            .map(|w| shell_quote(w.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

fn lines(text: &str) -> Value {
    Value::List(text.lines().map(|l| Value::Str(l.to_string())).collect())
}

#[async_trait]
impl Apply for Run {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let mut command = Command::new(self.script.clone());
        command.stdin = self.stdin.clone();
        command.env = cx.env.clone();
        command.become_ = cx.become_.clone();
        command.timeout = cx.timeout;
        let start_wall = SystemTime::now();
        let start = Instant::now();
        let out = cx.conn.run(&command).await?;
        if out.rc == 127
            && let Some(errno) = out
                .stderr_text()
                .strip_prefix(EXEC_ERROR_MARK)
                .and_then(|n| n.trim().parse().ok())
        {
            return Err(exec_error(errno, &self.cmd));
        }
        let elapsed = start.elapsed();
        let end_wall = SystemTime::now();
        let mut stdout = out.stdout_text();
        let mut stderr = out.stderr_text();
        if self.strip_empty_ends {
            stdout.truncate(stdout.trim_end_matches(['\r', '\n']).len());
            stderr.truncate(stderr.trim_end_matches(['\r', '\n']).len());
        }
        let mut res = result([
            ("changed", Value::Bool(true)),
            ("cmd", self.cmd.clone()),
            ("delta", Value::Str(clock::delta(elapsed))),
            ("end", Value::Str(clock::datetime(end_wall))),
            ("msg", Value::Str(String::new())),
            ("rc", Value::Int(out.rc.into())),
            ("start", Value::Str(clock::datetime(start_wall))),
            ("stderr", Value::Str(stderr.clone())),
            ("stderr_lines", lines(&stderr)),
            ("stdout", Value::Str(stdout.clone())),
            ("stdout_lines", lines(&stdout)),
        ]);
        let mut inv = Map::new();
        inv.insert("module_args".into(), Value::Map(self.invocation.clone()));
        res.insert("invocation".into(), Value::Map(inv));
        if out.rc != 0 {
            res.insert("msg".into(), Value::Str("non-zero return code".into()));
            let mut err = ModuleError::new("non-zero return code");
            err.result = res;
            return Err(err);
        }
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::quote_expanding_vars;

    #[test]
    fn only_variables_and_home_expand() {
        assert_eq!(quote_expanding_vars("$HOME/x"), "\"$HOME/x\"");
        assert_eq!(quote_expanding_vars("~/a b"), "~\"/a b\"");
        assert_eq!(quote_expanding_vars("$(id)`x`"), "\"\\$(id)\\`x\\`\"");
        assert_eq!(quote_expanding_vars("plain word"), "'plain word'");
    }
}
