//! How roller reaches a host: run a command, send a file. Modules are written against this
//! trait only, so one implementation of a module serves every connection.

pub mod escalation;
pub mod local;
pub mod ssh;
pub mod ssh_channel;
pub mod ssh_options;
pub mod stale;

use std::time::Duration;

use async_trait::async_trait;

pub use escalation::{Become, Method, Secret};

/// A command to run on a host through `/bin/sh -c`.
///
/// With `become_`, the script runs as another user through the become mediator
/// (`escalation`), which every connection uses the same way.
#[derive(Debug, Clone, Default)]
pub struct Command {
    pub script: String,
    pub stdin: Option<Vec<u8>>,
    pub env: Vec<(String, String)>,
    pub become_: Option<Become>,
    pub timeout: Option<Duration>,
}

impl Command {
    pub fn new(script: impl Into<String>) -> Self {
        Command {
            script: script.into(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    pub rc: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Why a command could not be run at all (Ansible's "unreachable").
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConnectionError {
    #[error("{0}")]
    Unreachable(String),
    #[error("the command timed out after {0} seconds")]
    Timeout(u64),
    /// Privilege escalation refused (wrong or missing password): the command did not run.
    #[error("{0}")]
    Become(String),
}

#[async_trait]
pub trait Connection: Send + Sync {
    /// Run a shell script on the host and wait for it.
    async fn run(&self, cmd: &Command) -> Result<Output, ConnectionError>;

    /// Open the connection ahead of its first command (the next batch of a serial play),
    /// so that its set-up is off the critical path. Runs nothing on the host but the
    /// connection's own login; a failure is left for the first command to report.
    async fn warm_up(&self) {}

    /// Wait up to `max` for the host to look reachable again (the `reboot` module between
    /// its checks): returns as soon as it does, or after `max`.
    async fn wait_reachable(&self, max: Duration) {
        tokio::time::sleep(max).await
    }

    /// Whether this is the controller itself (some modules refuse to run there).
    fn is_local(&self) -> bool {
        false
    }

    /// Write `content` to `path` on the host atomically, with `mode` if given.
    async fn put(
        &self,
        content: &[u8],
        path: &str,
        mode: Option<u32>,
    ) -> Result<(), ConnectionError> {
        let dir = path
            .rsplit_once('/')
            .map(|(d, _)| if d.is_empty() { "/" } else { d })
            .unwrap_or(".");
        let script = format!(
            "set -e; t=$(mktemp {dir}/.roller.XXXXXX); cat > \"$t\"; {} mv -f \"$t\" {}",
            mode.map(|m| format!("chmod {m:o} \"$t\";"))
                .unwrap_or_default(),
            crate::connection::shell_quote(path)
        );
        let mut c = Command::new(script);
        c.stdin = Some(content.to_vec());
        let out = self.run(&c).await?;
        if out.rc != 0 {
            return Err(ConnectionError::Unreachable(format!(
                "could not write {path}: {}",
                out.stderr_text().trim()
            )));
        }
        Ok(())
    }
}

/// `environment:` as exports at the top of the script (values never reach argv).
pub fn with_environment(cmd: &Command) -> String {
    let mut s = String::new();
    for (k, v) in &cmd.env {
        s.push_str(&format!("export {k}={}\n", shell_quote(v)));
    }
    s.push_str(&cmd.script);
    s
}

/// Quote a word for POSIX sh.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\"'\"'"))
    }
}
