//! A persistent command channel over one SSH session: a long-lived POSIX `sh` on the
//! target reads framed commands and answers with framed results, so a command costs what
//! the command itself costs instead of a new SSH session each time.
//!
//! Protocol (documented in docs/connection.md):
//! - request: `<id> <script length> <stdin length> <secret length>\n`, then the script,
//!   its stdin and the secret (a become password: kept in a shell variable, never in a
//!   file, and given to the script as the first line of its stdin);
//! - the target answers `S <id> <pid>\n` when the command starts (so that a timeout can
//!   kill it without killing the channel), then `R <id> <rc> <stdout length> <stderr
//!   length>\n` followed by stdout and stderr.
//!
//! Script, stdin and output pass through files in a private directory (`umask 077`,
//! `mktemp -d`) that the channel removes after each command and on exit. Commands run
//! with the login's umask, as they would in a session of their own.

use std::sync::Arc;
use std::time::Duration;

use openssh::{Child, ChildStdin, ChildStdout, Session};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::{ConnectionError, Output};

const PROGRAM: &str = r#"u=$(umask)
umask 077
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT HUP TERM
while IFS=' ' read -r id slen ilen plen; do
  head -c "$slen" > "$d/s"
  head -c "$ilen" > "$d/i"
  if [ "${plen:-0}" -gt 0 ]; then
    pw=$(head -c "$plen")
    { printf '%s\n' "$pw"; exec cat "$d/i"; } | (umask "$u"; exec sh "$d/s") > "$d/o" 2> "$d/e" &
    pw=
  else
    (umask "$u"; exec sh "$d/s") < "$d/i" > "$d/o" 2> "$d/e" &
  fi
  pid=$!
  printf 'S %s %s\n' "$id" "$pid"
  wait "$pid"
  rc=$?
  printf 'R %s %s %s %s\n' "$id" "$rc" "$(wc -c < "$d/o")" "$(wc -c < "$d/e")"
  cat "$d/o" "$d/e"
  rm -f "$d/s" "$d/i" "$d/o" "$d/e"
done"#;

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

pub struct Channel {
    _child: Child<Arc<Session>>,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
    /// Set while a command is in flight: if its future is dropped half-way, the stream
    /// is out of step and the channel must not be used again.
    in_flight: bool,
}

fn broken(e: impl std::fmt::Display) -> ChannelError {
    ChannelError::Broken(e.to_string())
}

impl Channel {
    pub async fn open(session: Arc<Session>) -> Result<Channel, ChannelError> {
        let mut cmd = Session::to_command(session, "sh");
        cmd.arg("-c")
            .arg(PROGRAM)
            .stdin(openssh::Stdio::piped())
            .stdout(openssh::Stdio::piped())
            .stderr(openssh::Stdio::null());
        let mut child = cmd.spawn().await.map_err(broken)?;
        let stdin = child.stdin().take().ok_or_else(|| broken("no stdin"))?;
        let stdout = child.stdout().take().ok_or_else(|| broken("no stdout"))?;
        Ok(Channel {
            _child: child,
            stdin,
            stdout: BufReader::new(stdout),
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
        let secret = secret.map(|s| s.expose()).unwrap_or_default();
        let mut frame =
            format!("{id} {} {} {}\n", script.len(), stdin.len(), secret.len()).into_bytes();
        frame.extend_from_slice(script.as_bytes());
        frame.extend_from_slice(stdin);
        frame.extend_from_slice(secret);
        let not_started = |e: ChannelError| match e {
            ChannelError::Broken(m) => ChannelError::NotStarted(m),
            other => other,
        };
        if let Err(e) = self.stdin.write_all(&frame).await {
            super::escalation::wipe(&mut frame);
            return Err(not_started(broken(e)));
        }
        let flushed = self.stdin.flush().await;
        super::escalation::wipe(&mut frame);
        flushed.map_err(|e| not_started(broken(e)))?;
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
        let (rc, olen, elen) = match header.as_slice() {
            [r, i, rc, o, e] if r == "R" && *i == id.to_string() => (
                rc.parse::<i32>().map_err(broken)?,
                o.parse::<usize>().map_err(broken)?,
                e.parse::<usize>().map_err(broken)?,
            ),
            other => return Err(broken(format!("unexpected channel reply {other:?}"))),
        };
        let mut stdout = vec![0u8; olen];
        self.stdout.read_exact(&mut stdout).await.map_err(broken)?;
        let mut stderr = vec![0u8; elen];
        self.stdout.read_exact(&mut stderr).await.map_err(broken)?;
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
