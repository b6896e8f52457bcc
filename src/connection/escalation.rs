//! Privilege escalation (`become`) with or without a password, the same way over every
//! connection: a small POSIX `sh` script on the target (the *mediator*) starts `sudo` or
//! `su`, answers its password prompt and only then hands the command to the escalated
//! shell.
//!
//! How the secret travels (see docs/connection.md, "become"): the mediator reads the
//! password as the first line of its own standard input into a shell variable and writes
//! it with the `printf` builtin into a FIFO that only `sudo -S` (or, for `su`, the
//! pseudo-terminal `script` gives it) reads, and only after the become program printed a
//! prompt that carries a per-command random marker. The password is never in an argv, an
//! environment, a log or a file, and it never reaches the command: `sudo` with cached
//! credentials or a NOPASSWD rule does not prompt, so nothing is sent. The command itself
//! (`<length>\n<script>` and then its own stdin) is written to the escalated shell only
//! after it announced itself with the marker, so a wrong password cannot make sudo read
//! the script as further password attempts.

use std::fmt;
use std::sync::Arc;

use super::{Output, shell_quote};

/// A secret (a become password): never printed, overwritten when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<SecretBytes>);

#[derive(PartialEq, Eq)]
struct SecretBytes(Vec<u8>);

impl Drop for SecretBytes {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Overwrite a buffer that held a secret.
pub fn wipe(buf: &mut [u8]) {
    for b in buf.iter_mut() {
        // SAFETY: a valid, exclusively borrowed byte; volatile so the wipe is kept.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
}

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(Arc::new(SecretBytes(s.into().into_bytes())))
    }
    pub fn expose(&self) -> &[u8] {
        &self.0.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(********)")
    }
}

/// Privilege escalation for one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Become {
    pub user: String,
    pub method: Method,
    /// `become_exe`: the program (default: the method's name).
    pub exe: Option<String>,
    /// `become_flags`: shell words given to the program, as in Ansible.
    pub flags: Option<String>,
    pub password: Option<Secret>,
    /// Seconds to wait for the prompt or for the escalated shell (then UNREACHABLE).
    pub prompt_timeout: u64,
}

impl Become {
    /// sudo to `user` without a password, Ansible's defaults otherwise.
    pub fn sudo(user: impl Into<String>) -> Become {
        Become {
            user: user.into(),
            method: Method::Sudo,
            exe: None,
            flags: None,
            password: None,
            prompt_timeout: 12,
        }
    }

    /// Whether escalation is needed when logged in as `login` (Ansible also skips it when
    /// the become user is the login user).
    pub fn needed(&self, login: Option<&str>) -> bool {
        login != Some(self.user.as_str())
    }
}

/// The become methods roller has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Sudo,
    Su,
}

impl Method {
    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "sudo" | "ansible.builtin.sudo" => Some(Method::Sudo),
            "su" | "ansible.builtin.su" => Some(Method::Su),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Method::Sudo => "sudo",
            Method::Su => "su",
        }
    }
}

/// Why escalation did not happen (the command never ran).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Incorrect,
    Missing,
    Timeout(u64),
    Other(String),
}

impl Refusal {
    /// As a connection error: a timeout is UNREACHABLE (as in Ansible), a refused
    /// password a task failure.
    pub fn into_error(self, method: Method) -> super::ConnectionError {
        match self {
            Refusal::Timeout(_) => super::ConnectionError::Unreachable(self.message(method)),
            _ => super::ConnectionError::Become(self.message(method)),
        }
    }

    pub fn message(&self, method: Method) -> String {
        match self {
            Refusal::Incorrect => format!("Incorrect {} password", method.name()),
            Refusal::Missing => format!("Missing {} password", method.name()),
            Refusal::Timeout(t) => {
                format!("Timeout ({t}s) waiting for privilege escalation prompt: ")
            }
            Refusal::Other(text) => format!(
                "Privilege escalation ({}) failed: {}",
                method.name(),
                text.trim()
            ),
        }
    }
}

/// The shell that reads `<length>\n<script>` from stdin and runs the script with the rest.
pub const BOOTSTRAP: &str = r#"read -r n; s=$(head -c "$n"); eval "$s""#;

/// One escalated command: the mediator script to run as the login user, and what goes
/// on its stdin: the password line first when there is one (connections keep it apart
/// from the rest so that it never lands in a file), then the command.
pub struct Escalation {
    pub script: String,
    pub password: Option<Secret>,
    pub stdin: Vec<u8>,
    nonce: String,
}

/// A random marker for one command (not a secret: it only has to be unpredictable enough
/// not to occur in a command's own output).
pub(crate) fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    let a = h.finish();
    h.write_u32(std::process::id());
    format!("{a:016x}{:016x}", h.finish())
}

/// Ansible's sudo flags: `-H -S -n` by default; with a password, `-n` is dropped (also
/// from combined short flags such as `-Sn`).
fn sudo_flags(flags: Option<&str>, with_password: bool) -> String {
    let flags = flags.unwrap_or("-H -S -n");
    if !with_password {
        return flags.to_string();
    }
    flags
        .split_whitespace()
        .filter(|f| *f != "-n" && *f != "--non-interactive")
        .map(|f| {
            if f.starts_with('-') && !f.starts_with("--") && f.len() > 2 {
                let rest: String = f[1..].chars().filter(|c| *c != 'n').collect();
                format!("-{rest}")
            } else {
                f.to_string()
            }
        })
        .filter(|f| f != "-")
        .collect::<Vec<_>>()
        .join(" ")
}

impl Escalation {
    /// `script` (environment included) with `stdin`, run as `b.user`.
    pub fn new(b: &Become, script: &str, stdin: Option<&[u8]>) -> Escalation {
        let nonce = nonce();
        let mut input = Vec::new();
        input.extend_from_slice(format!("{}\n", script.len()).as_bytes());
        input.extend_from_slice(script.as_bytes());
        if let Some(data) = stdin {
            input.extend_from_slice(data);
        }
        Escalation {
            script: mediator(b, &nonce),
            password: b.password.clone(),
            stdin: input,
            nonce,
        }
    }

    /// The whole stdin of the mediator: the password line, then the command.
    pub fn full_stdin(&self) -> Vec<u8> {
        // The caller wipes it (`wipe`) once written.
        let mut all = Vec::new();
        if let Some(pw) = &self.password {
            all.extend_from_slice(pw.expose());
            all.push(b'\n');
        }
        all.extend_from_slice(&self.stdin);
        all
    }

    /// The command's output, or why escalation failed.
    pub fn result(&self, out: Output) -> Result<Output, Refusal> {
        let marker = format!("roller-{}-become ", self.nonce);
        let Some(status) = out.stdout.strip_prefix(marker.as_bytes()) else {
            return Ok(out);
        };
        let status = String::from_utf8_lossy(status);
        let mut words = status.split_whitespace();
        Err(match (words.next(), words.next()) {
            (Some("incorrect"), _) => Refusal::Incorrect,
            (Some("missing"), _) => Refusal::Missing,
            (Some("timeout"), Some(t)) => Refusal::Timeout(t.parse().unwrap_or_default()),
            _ => {
                let text = out.stderr_text();
                if text.contains("a password is required") {
                    Refusal::Missing
                } else {
                    Refusal::Other(text)
                }
            }
        })
    }
}

/// The mediator: POSIX sh run as the login user. Its stdin: the password line (only when
/// there is a password), then the command for [`BOOTSTRAP`]. It reports a failed
/// escalation as `roller-NONCE-become KIND` on stdout (the command never ran, so stdout
/// is otherwise empty) and the become program's messages on stderr.
fn mediator(b: &Become, nonce: &str) -> String {
    let with_pw = b.password.is_some();
    let prompt = format!("roller-{nonce}-prompt");
    let ok = format!("roller-{nonce}-ok");
    let user = shell_quote(&b.user);
    let flags = b.flags.as_deref().unwrap_or("");
    let exe = b.exe.clone().unwrap_or_else(|| b.method.name().to_string());
    let t = b.prompt_timeout.max(1);
    let mut s = String::new();
    // Helpers: report a refusal and stop; the watchdog bounds the wait for the prompt.
    s.push_str(&format!(
        r#"trap - EXIT HUP TERM
umask 077
fail() {{ printf 'roller-{nonce}-become %s\n' "$1"; [ -n "$msg" ] && printf '%s\n' "$msg" >&2; exit 1; }}
msg=
pw=
{read_pw}# Background jobs get /dev/null as stdin: the command's input is kept on fd 8.
exec 8<&0
b=$(mktemp -d) || exit 1
"#,
        read_pw = if with_pw { "IFS= read -r pw\n" } else { "" },
    ));
    match b.method {
        Method::Sudo => {
            // The escalated shell announces itself on stderr, then reads the command.
            let inner = format!("echo {ok} >&2; {BOOTSTRAP}");
            let flags = sudo_flags(b.flags.as_deref(), with_pw);
            let s_flag = if flags.split_whitespace().any(|f| {
                f == "--stdin" || (f.starts_with('-') && !f.starts_with("--") && f.contains('S'))
            }) {
                ""
            } else {
                " -S"
            };
            s.push_str(&format!(
                r#"mkfifo "$b/i" "$b/e" || exit 1
{exe} {flags}{s_flag} -p '{prompt}
' -u {user} /bin/sh -c {inner} <"$b/i" 2>"$b/e" &
p=$!
exec 3>"$b/i" 4<"$b/e"
rm -rf "$b"
( trap 'kill $s 2>/dev/null; exit 1' TERM; sleep {t} & s=$!; wait $s && kill $p 2>/dev/null ) 3>&- 4<&- >/dev/null 2>&1 &
w=$!
st=
while IFS= read -r l <&4; do
  case $l in
    *{prompt}*) if [ {has_pw} = 1 ] && [ -z "$st" ]; then printf '%s\n' "$pw" >&3; st=sent; else st=again; break; fi ;;
    *{ok}*) st=ok; break ;;
    *) msg="$msg$l
" ;;
  esac
done
pw=
# dash reports the killed watchdog ("Terminated") on stderr when reaping it: not the command's.
kill $w 2>/dev/null; wait $w 2>/dev/null; wd=$?
if [ "$st" = ok ]; then
  cat <&8 >&3 4<&- 2>/dev/null &
  exec 3>&-
  cat <&4 >&2
  wait $p
  exit $?
fi
exec 3>&-
kill $p 2>/dev/null
wait $p
[ "$wd" = 0 ] && fail 'timeout {t}'
case $st in
  again) [ {has_pw} = 1 ] && fail incorrect; fail missing ;;
  sent) case $msg in *"Sorry, try again"*|*"incorrect password"*) fail incorrect ;; esac ;;
esac
fail other
"#,
                inner = shell_quote(&inner),
                has_pw = u8::from(with_pw),
            ));
        }
        Method::Su => {
            // su reads the password from a terminal: `script` gives it a pseudo-terminal.
            // The escalated shell announces itself there, then takes its stdin, stdout and
            // stderr from descriptors 3, 4 and 5, which `script` and `su` pass on.
            let inner =
                format!("printf '%s\\n' {ok}; exec 0<&3 1>&4 2>&5 3<&- 4>&- 5>&-; {BOOTSTRAP}");
            let su = format!("{exe} {flags} {user} -c {}", shell_quote(&inner));
            s.push_str(&format!(
                r#"command -v script >/dev/null 2>&1 || {{ msg='su needs script(1) (util-linux) on the target'; fail other; }}
mkfifo "$b/t" "$b/o" || exit 1
SHELL=/bin/sh script -qec {su} /dev/null 3<&8 4>&1 5>&2 <"$b/t" >"$b/o" &
p=$!
exec 6>"$b/t" 7<"$b/o"
rm -rf "$b"
( trap 'kill $s 2>/dev/null; exit 1' TERM; sleep {t} & s=$!; wait $s && kill $p 2>/dev/null ) 6>&- 7<&- >/dev/null 2>&1 &
w=$!
st=
buf=
while :; do
  c=$(dd bs=512 count=1 <&7 2>/dev/null; echo x); c=${{c%x}}
  [ -z "$c" ] && break
  buf="$buf$c"
  case $buf in
    *{ok}*) st=ok; break ;;
    *[Pp]ass*:*|*[Pp]ASS*:*|*[Mm]ot\ de\ passe*:*|*[Cc]ontrase*:*|*[Ss]enha*:*|*[Pp]arol*:*)
      if [ {has_pw} = 1 ] && [ -z "$st" ]; then printf '%s\n' "$pw" >&6; st=sent; buf=; else st=again; break; fi ;;
  esac
done
pw=
# dash reports the killed watchdog ("Terminated") on stderr when reaping it: not the command's.
kill $w 2>/dev/null; wait $w 2>/dev/null; wd=$?
if [ "$st" = ok ]; then
  cat <&7 >/dev/null 2>&1 &
  wait $p
  rc=$?
  exec 6>&- 7<&-
  exit $rc
fi
exec 6>&-
kill $p 2>/dev/null
wait $p
msg=$(printf '%s' "$buf" | tr -d '\r')
[ "$wd" = 0 ] && fail 'timeout {t}'
case $st in
  again) [ {has_pw} = 1 ] && fail incorrect; fail missing ;;
  sent) fail incorrect ;;
esac
fail other
"#,
                su = shell_quote(&su),
                has_pw = u8::from(with_pw),
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sudo_flags_drop_non_interactive_with_a_password() {
        assert_eq!(sudo_flags(None, false), "-H -S -n");
        assert_eq!(sudo_flags(None, true), "-H -S");
        assert_eq!(sudo_flags(Some("-HSn -E"), true), "-HS -E");
        assert_eq!(sudo_flags(Some("--non-interactive -n -i"), true), "-i");
    }

    #[test]
    fn the_password_is_only_on_stdin() {
        let mut b = Become::sudo("root");
        b.password = Some(Secret::new("hunter2"));
        let e = Escalation::new(&b, "id", None);
        assert!(!e.script.contains("hunter2"));
        assert_eq!(e.stdin, b"2\nid");
        assert!(e.full_stdin().starts_with(b"hunter2\n2\nid"));
        assert_eq!(format!("{b:?}").matches("hunter2").count(), 0);
    }

    #[test]
    fn refusals_are_read_from_the_marker() {
        let e = Escalation::new(&Become::sudo("root"), "id", None);
        let out = |stdout: String, stderr: &str| Output {
            rc: 1,
            stdout: stdout.into_bytes(),
            stderr: stderr.as_bytes().to_vec(),
        };
        let m = format!("roller-{}-become ", e.nonce);
        assert_eq!(
            e.result(out(format!("{m}incorrect\n"), "")).unwrap_err(),
            Refusal::Incorrect
        );
        assert_eq!(
            e.result(out(format!("{m}other\n"), "sudo: a password is required\n"))
                .unwrap_err(),
            Refusal::Missing
        );
        assert_eq!(
            e.result(out(format!("{m}timeout 12\n"), "")).unwrap_err(),
            Refusal::Timeout(12)
        );
        assert!(e.result(out("roller-other-become x".into(), "")).is_ok());
    }
}
