//! Running package-manager commands the way Ansible's `run_command` does for the `apt`
//! and `dnf` modules: a command line (as Ansible builds and reports it) split like
//! `shlex.split` and executed without a shell's interpretation, in a parsable locale, with
//! the results' `stdout_lines`/`stderr_lines` as Ansible's action adds them.

use super::{ModuleContext, ModuleError};
use crate::connection::{Command, shell_quote};
use crate::inventory::ini::shlex::shlex_split_no_comments;
use crate::vars::{Map, Value};

/// Prints the locale Ansible's `get_best_parsable_locale` picks on the target.
pub const BEST_LOCALE: &str = "l=C; if command -v locale >/dev/null 2>&1; then \
avail=$(locale -a 2>/dev/null); for p in C.utf8 C.UTF-8 en_US.utf8 en_US.UTF-8 C POSIX; do \
if printf '%s\\n' \"$avail\" | grep -qxF \"$p\"; then l=$p; break; fi; done; fi; echo \"locale=$l\"";

/// The shell form of a command line Ansible would split with `shlex.split` and execute
/// directly: every word quoted, so nothing in it is interpreted by the shell.
pub fn exec_line(line: &str) -> Result<String, ModuleError> {
    let words = shlex_split_no_comments(line).map_err(|e| ModuleError::new(e.to_string()))?;
    Ok(words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" "))
}

/// Python's `str.splitlines()`.
pub fn splitlines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
            }
            '\n' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Adds `stdout_lines`/`stderr_lines` for the `stdout`/`stderr` a result has, as Ansible's
/// action plugin does for every module result.
pub fn with_lines(mut r: Map) -> Map {
    for (key, lines) in [("stdout", "stdout_lines"), ("stderr", "stderr_lines")] {
        if let Some(Value::Str(s)) = r.get(&crate::vars::Key::from(key)) {
            let v = Value::List(splitlines(s).into_iter().map(Value::Str).collect());
            r.insert(lines.into(), v);
        }
    }
    r
}

/// What a command printed.
pub struct Ran {
    pub rc: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a shell script with the task's environment overridden by ENV.
pub async fn run(
    cx: &ModuleContext<'_>,
    script: &str,
    env: &[(String, String)],
) -> Result<Ran, ModuleError> {
    let mut c = Command::new(script);
    c.become_ = cx.become_.clone();
    c.env = cx.env.clone();
    c.env.retain(|(k, _)| !env.iter().any(|(e, _)| e == k));
    c.env.extend(env.iter().cloned());
    c.timeout = cx.timeout;
    let out = cx.conn.run(&c).await?;
    Ok(Ran {
        rc: out.rc,
        stdout: out.stdout_text(),
        stderr: out.stderr_text(),
    })
}

/// `KEY=VALUE` lines of a probe's output.
pub fn fields(text: &str) -> std::collections::HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_splitlines() {
        assert_eq!(splitlines("a\nb\r\nc\rd\n"), vec!["a", "b", "c", "d"]);
        assert_eq!(splitlines("a\n\nb"), vec!["a", "", "b"]);
        assert!(splitlines("").is_empty());
    }

    #[test]
    fn command_lines_are_quoted_word_by_word() {
        assert_eq!(
            exec_line("/usr/bin/apt-get -y -o \"Dpkg::Options::=--force-confdef\"   install 'a=1.0*' 'b;rm'").unwrap(),
            "/usr/bin/apt-get -y -o Dpkg::Options::=--force-confdef install 'a=1.0*' 'b;rm'"
        );
    }
}
