//! A persistent command channel over one SSH session: a long-lived POSIX `sh` on the
//! target runs each command roller sends, so a command costs what the command itself
//! costs instead of a new SSH session, and the channel adds no process of its own to
//! most commands.
//!
//! Protocol (documented in docs/connection.md): the remote program is `/bin/sh` reading
//! shell code from its stdin. roller first sends PRELUDE (a private `mktemp -d`
//! directory, the login's umask, the end marker, the function `__rr`), then per command
//! one line of code: the script, its stdin (as a `printf` format) and the secret (a
//! become password) as single-quoted shell words assigned to variables, and a call of
//! `__rr ID BIG`. The shell parses the words into its own memory: nothing reaches an argv
//! or a file except the command's output.
//!
//! - `__rr` runs the script with `eval` in a subshell (a fork, no exec), with the login's
//!   umask, stdin from the `printf` (after the password line, when there is one) or
//!   /dev/null, stdout and stderr into files of the private directory; answers
//!   `S <id> <pid>\n` once the command runs (so that a timeout can kill it without killing
//!   the channel), then `R <id> <rc>\n` followed by stdout, the end marker, stderr, the
//!   end marker. When both outputs are empty (`test -s`), the markers come from `printf`;
//!   otherwise one `cat` sends everything.
//! - A stdin larger than INLINE_STDIN goes raw instead: the shell answers `G <id>\n`, then
//!   `head -c` reads exactly that many bytes into a file, and roller sends them only after
//!   `G` (the shell's parser has then buffered nothing of them).
//! - Finished commands' files are removed by a background `rm` every 16 commands and the
//!   directory on exit. Each command has its own files, so a background process a command
//!   left behind can never write into a later command's output.

use std::any::Any;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use super::{ConnectionError, Output};

/// Stdin up to this size travels inside the command's code; larger stdin goes raw.
const INLINE_STDIN: usize = 16 * 1024;

/// The remote program's prelude. `__rk` is replaced by the channel's end marker.
const PRELUDE: &str = r#"__ru=$(umask)
umask 077
__rd=$(mktemp -d </dev/null) || exit 1
trap 'rm -rf "$__rd"' EXIT
trap 'exit 1' HUP TERM
__rk='@MARKER@'
printf '%s' "$__rk" >"$__rd/m"
__rn=
__rr() {
  __ri=$1
  if [ "$2" -gt 0 ]; then
    printf 'G %s\n' "$__ri"
    head -c "$2" >"$__rd/i$__ri" || exit 1
    __rn="$__rn
$__rd/i$__ri"
  fi
  if [ -n "$__rp" ]; then
    { printf '%s\n' "$__rp"; if [ "$2" -gt 0 ]; then exec cat "$__rd/i$__ri"; else printf "$__rf"; fi; } </dev/null 2>/dev/null | (set --; umask "$__ru"; eval "unset __rs __rf __rp __ru __rd __rk __ri __rc __rn __ro; unset -f __rr; $__rs") >"$__rd/o$__ri" 2>"$__rd/e$__ri" &
  elif [ "$2" -gt 0 ]; then
    (set --; umask "$__ru"; eval "unset __rs __rf __rp __ru __rd __rk __ri __rc __rn __ro; unset -f __rr; $__rs") <"$__rd/i$__ri" >"$__rd/o$__ri" 2>"$__rd/e$__ri" &
  elif [ -n "$__rf" ]; then
    printf "$__rf" 2>/dev/null | (set --; umask "$__ru"; eval "unset __rs __rf __rp __ru __rd __rk __ri __rc __rn __ro; unset -f __rr; $__rs") >"$__rd/o$__ri" 2>"$__rd/e$__ri" &
  else
    (set --; umask "$__ru"; eval "unset __rs __rf __rp __ru __rd __rk __ri __rc __rn __ro; unset -f __rr; $__rs") </dev/null >"$__rd/o$__ri" 2>"$__rd/e$__ri" &
  fi
  __rc=$!
  __rp= __rs= __rf=
  printf 'S %s %s\n' "$__ri" "$__rc"
  wait "$__rc"
  __rc=$?
  printf 'R %s %s\n' "$__ri" "$__rc"
  if [ -s "$__rd/o$__ri" ] || [ -s "$__rd/e$__ri" ]; then
    cat "$__rd/o$__ri" "$__rd/m" "$__rd/e$__ri" "$__rd/m" </dev/null
  else
    printf '%s%s' "$__rk" "$__rk"
  fi
  __rn="$__rn
$__rd/o$__ri
$__rd/e$__ri"
  if [ $((__ri % 16)) = 0 ]; then
    __ro=$IFS
    IFS='
'
    rm -f $__rn </dev/null &
    IFS=$__ro
    __rn=
  fi
}
"#;

/// Why a channel command did not complete.
#[derive(Debug)]
pub enum ChannelError {
    /// The channel was gone before the command started: nothing ran.
    NotStarted(String),
    /// The channel broke while the command ran (connection lost, target shell gone).
    Broken(String),
    /// The command ran out of time; it was killed and the channel is still usable.
    Timeout(u64),
}

type Writer = Box<dyn AsyncWrite + Send + Unpin>;
type Reader = Box<dyn AsyncRead + Send + Unpin>;

pub struct Channel {
    /// Whatever keeps the remote program alive (the ssh child process).
    _child: Box<dyn Any + Send + Sync>,
    stdin: Writer,
    stdout: BufReader<Reader>,
    /// Ends each of a command's outputs; random per channel.
    marker: Vec<u8>,
    next_id: u64,
    /// Set while a command is in flight: if its future is dropped half-way, the stream
    /// is out of step and the channel must not be used again.
    in_flight: bool,
}

fn broken(e: impl std::fmt::Display) -> ChannelError {
    ChannelError::Broken(e.to_string())
}

/// Quote bytes as one single-quoted shell word.
fn quote_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'\'');
    for &b in bytes {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
}

/// `printf` format that prints exactly `bytes` (octal escapes for everything that is
/// not plain printable ASCII, `%%` and `\\`).
fn printf_format(bytes: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(bytes.len() + bytes.len() / 4);
    for &b in bytes {
        match b {
            b'%' => f.extend_from_slice(b"%%"),
            b'\\' => f.extend_from_slice(b"\\\\"),
            b'\n' | b' '..=b'~' => f.push(b),
            _ => f.extend_from_slice(format!("\\{b:03o}").as_bytes()),
        }
    }
    f
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Channel {
    /// Open the channel over SSH: `/bin/sh` on the target, reading the prelude and then
    /// commands from its stdin.
    pub async fn open(session: std::sync::Arc<openssh::Session>) -> Result<Channel, ChannelError> {
        let mut cmd = openssh::Session::to_command(session, "/bin/sh");
        cmd.stdin(openssh::Stdio::piped())
            .stdout(openssh::Stdio::piped())
            .stderr(openssh::Stdio::null());
        let mut child = cmd.spawn().await.map_err(broken)?;
        let stdin = child.stdin().take().ok_or_else(|| broken("no stdin"))?;
        let stdout = child.stdout().take().ok_or_else(|| broken("no stdout"))?;
        Channel::start(Box::new(child), Box::new(stdin), Box::new(stdout)).await
    }

    /// Start the protocol on a `/bin/sh` reading code from `stdin`.
    pub async fn start(
        child: Box<dyn Any + Send + Sync>,
        mut stdin: Writer,
        stdout: Reader,
    ) -> Result<Channel, ChannelError> {
        let token = super::escalation::nonce();
        let marker = format!("\x1eroller-end-{token}\x1e").into_bytes();
        let prelude = PRELUDE.replace("@MARKER@", &String::from_utf8_lossy(&marker));
        stdin.write_all(prelude.as_bytes()).await.map_err(broken)?;
        Ok(Channel {
            _child: child,
            stdin,
            stdout: BufReader::new(stdout),
            marker,
            next_id: 1,
            in_flight: false,
        })
    }

    async fn line(&mut self) -> Result<Vec<String>, ChannelError> {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).await.map_err(broken)?;
        if n == 0 {
            return Err(broken("the channel closed"));
        }
        Ok(line.split_whitespace().map(str::to_string).collect())
    }

    /// Read up to the end marker; the marker is consumed, nothing after it.
    async fn until_marker(&mut self) -> Result<Vec<u8>, ChannelError> {
        let mut out = Vec::new();
        loop {
            let buf = self.stdout.fill_buf().await.map_err(broken)?;
            if buf.is_empty() {
                return Err(broken("the channel closed"));
            }
            let n = buf.len();
            let from = out.len().saturating_sub(self.marker.len() - 1);
            let before = out.len();
            out.extend_from_slice(buf);
            if let Some(p) = find(&out[from..], &self.marker) {
                let end = from + p + self.marker.len();
                self.stdout.consume(end - before);
                out.truncate(from + p);
                return Ok(out);
            }
            self.stdout.consume(n);
        }
    }

    /// Run one script. `kill` is called with the remote pid when the timeout expires; it
    /// must end the command (through another session), after which the result is drained
    /// so that the channel stays usable.
    pub async fn exec<K, F>(
        &mut self,
        script: &str,
        stdin: &[u8],
        secret: Option<&super::Secret>,
        timeout: Option<Duration>,
        kill: K,
    ) -> Result<Output, ChannelError>
    where
        K: FnOnce(u32) -> F,
        F: std::future::Future<Output = ()>,
    {
        if self.in_flight {
            return Err(ChannelError::NotStarted(
                "an earlier command was abandoned".into(),
            ));
        }
        self.in_flight = true;
        let id = self.next_id;
        self.next_id += 1;
        let raw = stdin.len() > INLINE_STDIN;
        let mut code = b"__rs=".to_vec();
        quote_bytes(&mut code, script.as_bytes());
        code.extend_from_slice(b" __rf=");
        quote_bytes(
            &mut code,
            &if raw {
                Vec::new()
            } else {
                printf_format(stdin)
            },
        );
        code.extend_from_slice(b" __rp=");
        let mut secret_word = Vec::new();
        if let Some(s) = secret {
            quote_bytes(&mut secret_word, s.expose());
        } else {
            secret_word.extend_from_slice(b"''");
        }
        code.extend_from_slice(&secret_word);
        super::escalation::wipe(&mut secret_word);
        code.extend_from_slice(
            format!("; __rr {id} {}\n", if raw { stdin.len() } else { 0 }).as_bytes(),
        );
        let not_started = |e: ChannelError| match e {
            ChannelError::Broken(m) => ChannelError::NotStarted(m),
            other => other,
        };
        if let Err(e) = self.stdin.write_all(&code).await {
            super::escalation::wipe(&mut code);
            return Err(not_started(broken(e)));
        }
        let flushed = self.stdin.flush().await;
        super::escalation::wipe(&mut code);
        flushed.map_err(|e| not_started(broken(e)))?;
        if raw {
            match self.line().await.map_err(not_started)?.as_slice() {
                [g, i] if g == "G" && *i == id.to_string() => {}
                other => return Err(broken(format!("unexpected channel reply {other:?}"))),
            }
            self.stdin.write_all(stdin).await.map_err(broken)?;
            self.stdin.flush().await.map_err(broken)?;
        }
        let started = self.line().await.map_err(not_started)?;
        let pid: u32 = match started.as_slice() {
            [s, i, pid] if s == "S" && *i == id.to_string() => pid.parse().map_err(broken)?,
            other => return Err(broken(format!("unexpected channel reply {other:?}"))),
        };
        let mut timed_out = None;
        let header = match timeout {
            Some(t) => match tokio::time::timeout(t, self.line()).await {
                Ok(h) => h?,
                Err(_) => {
                    timed_out = Some(t.as_secs());
                    kill(pid).await;
                    self.line().await?
                }
            },
            None => self.line().await?,
        };
        let rc = match header.as_slice() {
            [r, i, rc] if r == "R" && *i == id.to_string() => rc.parse::<i32>().map_err(broken)?,
            other => return Err(broken(format!("unexpected channel reply {other:?}"))),
        };
        let stdout = self.until_marker().await?;
        let stderr = self.until_marker().await?;
        self.in_flight = false;
        if let Some(t) = timed_out {
            return Err(ChannelError::Timeout(t));
        }
        Ok(Output { rc, stdout, stderr })
    }
}

impl From<ChannelError> for ConnectionError {
    fn from(e: ChannelError) -> Self {
        match e {
            ChannelError::Broken(m) | ChannelError::NotStarted(m) => {
                ConnectionError::Unreachable(m)
            }
            ChannelError::Timeout(t) => ConnectionError::Timeout(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The channel protocol on a local `/bin/sh` (the same program as over SSH).
    async fn local() -> Channel {
        let mut child = tokio::process::Command::new("/bin/sh")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        Channel::start(Box::new(child), Box::new(stdin), Box::new(stdout))
            .await
            .unwrap()
    }

    async fn run(ch: &mut Channel, script: &str, stdin: &[u8]) -> Output {
        ch.exec(script, stdin, None, None, |_| async {})
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn results_stdin_and_isolation() {
        let mut ch = local().await;
        let o = run(&mut ch, "printf 'a\\nb'; echo err >&2; exit 3", b"").await;
        assert_eq!(
            (o.rc, &o.stdout[..], &o.stderr[..]),
            (3, &b"a\nb"[..], &b"err\n"[..])
        );
        let o = run(&mut ch, "true", b"").await;
        assert_eq!((o.rc, o.stdout.len(), o.stderr.len()), (0, 0, 0));
        // Binary stdin, inline and raw, comes through byte for byte.
        let small: Vec<u8> = (0..=255u8).chain(b"%s\\n'\"".iter().copied()).collect();
        let big: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 256) as u8).collect();
        for data in [&small, &big] {
            let o = run(&mut ch, "cat", data).await;
            assert_eq!(o.rc, 0);
            assert_eq!(&o.stdout, data);
        }
        // The channel's own variables, functions and arguments are not the script's.
        let o = run(
            &mut ch,
            "echo \"[$#${1-}${__rd-}${__rs-}${__rk-}]\"; type __rr >/dev/null 2>&1 && echo f; cat",
            b"",
        )
        .await;
        assert_eq!(o.stdout, b"[0]\n");
        // Syntax errors end the command, not the channel.
        let o = run(&mut ch, "echo one; (", b"").await;
        assert_eq!(o.rc, 2);
        let o = run(&mut ch, "echo 'it''s'; umask", b"").await;
        assert_eq!(o.stdout_text().lines().next(), Some("its"));
        // Many commands on one channel (the background clean-up runs every 16).
        for i in 0..40 {
            let o = run(&mut ch, &format!("echo {i}"), b"").await;
            assert_eq!(o.stdout_text(), format!("{i}\n"));
        }
    }

    #[tokio::test]
    async fn secret_is_the_first_line_of_stdin() {
        let mut ch = local().await;
        let secret = crate::connection::Secret::new("p'w %s \\ x");
        for data in [b"rest".to_vec(), vec![b'z'; 20_000]] {
            let o = ch
                .exec("cat", &data, Some(&secret), None, |_| async {})
                .await
                .unwrap();
            let mut want = b"p'w %s \\ x\n".to_vec();
            want.extend_from_slice(&data);
            assert_eq!(o.stdout, want);
        }
    }
}
