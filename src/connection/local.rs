//! The local connection: commands run on the controller itself.

use std::process::Stdio;

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;

use super::{Command, Connection, ConnectionError, Output, shell_quote};

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
        let mut argv: Vec<String> = vec!["/bin/sh".into(), "-c".into(), cmd.script.clone()];
        if let Some(b) = &cmd.become_
            && b.user != current_user()
        {
            // Non-interactive sudo: a password prompt would hang the run.
            argv = vec![
                "sudo".into(),
                "-n".into(),
                "-H".into(),
                "-u".into(),
                b.user.clone(),
                "/bin/sh".into(),
                "-c".into(),
                cmd.script.clone(),
            ];
        }
        let mut command = tokio::process::Command::new(&argv[0]);
        command
            .args(&argv[1..])
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdin(if cmd.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| {
            ConnectionError::Unreachable(format!("could not start {}: {e}", shell_quote(&argv[0])))
        })?;
        if let Some(input) = &cmd.stdin
            && let Some(mut stdin) = child.stdin.take()
        {
            // A command that does not read its input closes the pipe early: not an error.
            let _ = stdin.write_all(input).await;
        }
        let wait = child.wait_with_output();
        let out = match cmd.timeout {
            Some(t) => tokio::time::timeout(t, wait)
                .await
                .map_err(|_| ConnectionError::Timeout(t.as_secs()))?,
            None => wait.await,
        }
        .map_err(|e| ConnectionError::Unreachable(e.to_string()))?;
        Ok(Output {
            rc: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }
}
