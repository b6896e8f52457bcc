//! The local connection: commands run on the controller itself.

use std::process::Stdio;

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;

use super::escalation::{Escalation, wipe};
use super::{Command, Connection, ConnectionError, Output, with_environment};

#[derive(Debug, Default)]
pub struct Local;

fn current_user() -> String {
    std::env::var("USER").unwrap_or_else(|_| "root".to_string())
}

#[async_trait]
impl Connection for Local {
    fn is_local(&self) -> bool {
        true
    }

    async fn run(&self, cmd: &Command) -> Result<Output, ConnectionError> {
        match &cmd.become_ {
            Some(b) if b.needed(Some(&current_user())) => {
                // The become mediator, as over SSH: the password line and the command
                // (environment included) on its stdin, nothing in argv or environment.
                let e = Escalation::new(b, &with_environment(cmd), cmd.stdin.as_deref());
                let out = spawn(&e.script, &[], Some(e.full_stdin()), cmd.timeout).await?;
                e.result(out).map_err(|r| r.into_error(b.method))
            }
            _ => spawn(&cmd.script, &cmd.env, cmd.stdin.clone(), cmd.timeout).await,
        }
    }
}

/// Run `/bin/sh -c SCRIPT` with `env` and `stdin` (written concurrently with reading the
/// output, then wiped: it may hold a password).
async fn spawn(
    script: &str,
    env: &[(String, String)],
    stdin: Option<Vec<u8>>,
    timeout: Option<std::time::Duration>,
) -> Result<Output, ConnectionError> {
    let mut command = tokio::process::Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(script)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|e| ConnectionError::Unreachable(format!("could not start /bin/sh: {e}")))?;
    let writer = match (stdin, child.stdin.take()) {
        (Some(mut input), Some(mut pipe)) => Some(tokio::spawn(async move {
            // A command that does not read its input closes the pipe early: not an error.
            let _ = pipe.write_all(&input).await;
            wipe(&mut input);
        })),
        (Some(mut input), None) => {
            wipe(&mut input);
            None
        }
        _ => None,
    };
    let wait = child.wait_with_output();
    let out = match timeout {
        Some(t) => tokio::time::timeout(t, wait)
            .await
            .map_err(|_| ConnectionError::Timeout(t.as_secs())),
        None => Ok(wait.await),
    };
    if let Some(w) = writer {
        w.abort();
    }
    let out = out?.map_err(|e| ConnectionError::Unreachable(e.to_string()))?;
    Ok(Output {
        rc: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
    })
}
