//! The SSH connection: the system's OpenSSH through the `openssh` crate, one multiplexed
//! master per host, reused by every task and re-established when it drops (a reboot).
//!
//! Scripts travel on stdin, never in the remote argv (where `ps` would show secrets): the
//! remote side runs a fixed bootstrap that reads the script's length, then the script, and
//! leaves the rest of stdin to the script.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use openssh::{KnownHosts, Session, SessionBuilder};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use super::ssh_channel::{Channel, ChannelError};
use super::ssh_options::{SshTarget, config_text};
use super::{Command, Connection, ConnectionError, Output};

/// Reads `<length>\n<script>` from stdin and runs the script with the rest of stdin.
const BOOTSTRAP: &str = r#"read -r n; s=$(head -c "$n"); eval "$s""#;

pub struct Ssh {
    target: SshTarget,
    /// Private directory for the control socket and the host's ssh_config (mode 0700).
    dir: PathBuf,
    session: Mutex<Option<Arc<Session>>>,
    /// The persistent command channel on the session, when it could be opened.
    channel: Mutex<Option<Channel>>,
}

impl Ssh {
    pub fn new(target: SshTarget, runtime_dir: &std::path::Path) -> Result<Self, ConnectionError> {
        use std::os::unix::fs::DirBuilderExt;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&target, &mut hasher);
        let dir = runtime_dir.join(format!("{:x}", std::hash::Hasher::finish(&hasher)));
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| {
                ConnectionError::Unreachable(format!("cannot create {}: {e}", dir.display()))
            })?;
        Ok(Ssh {
            target,
            dir,
            session: Mutex::new(None),
            channel: Mutex::new(None),
        })
    }

    fn builder(&self) -> Result<SessionBuilder, ConnectionError> {
        let config = self.dir.join("ssh_config");
        std::fs::write(&config, config_text(&self.target)).map_err(|e| {
            ConnectionError::Unreachable(format!("cannot write {}: {e}", config.display()))
        })?;
        let mut b = SessionBuilder::default();
        b.config_file(&config)
            .control_directory(&self.dir)
            .known_hosts_check(if self.target.host_key_checking {
                KnownHosts::Strict
            } else {
                KnownHosts::Accept
            })
            .connect_timeout(Duration::from_secs(self.target.connect_timeout.max(1)));
        if let Some(user) = &self.target.user {
            b.user(user.clone());
        }
        if let Some(port) = self.target.port {
            b.port(port);
        }
        if let Some(key) = &self.target.private_key {
            b.keyfile(key);
        }
        Ok(b)
    }

    /// The live session, connecting (again) if there is none or it died.
    async fn session(&self) -> Result<Arc<Session>, ConnectionError> {
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref() {
            if s.check().await.is_ok() {
                return Ok(s.clone());
            }
            *guard = None;
        }
        let builder = self.builder()?;
        let session = builder.connect(&self.target.address).await.map_err(|e| {
            // ssh's own words (the innermost error), as Ansible reports them.
            let mut inner: &dyn std::error::Error = &e;
            while let Some(next) = inner.source() {
                inner = next;
            }
            ConnectionError::Unreachable(format!(
                "Failed to connect to the host via ssh: ssh: {}",
                inner.to_string().trim()
            ))
        })?;
        let session = Arc::new(session);
        *guard = Some(session.clone());
        Ok(session)
    }

    async fn run_once(&self, cmd: &Command) -> Result<Output, ConnectionError> {
        let session = self.session().await?;
        let script = with_environment(cmd);
        // `shell` escapes one level for the login shell sshd starts; `sh -c` gets the rest.
        let remote_cmd = match &cmd.become_ {
            Some(b) if Some(&b.user) != self.target.user.as_ref() => format!(
                "sudo -n -H -u {} -- sh -c {}",
                super::shell_quote(&b.user),
                super::shell_quote(BOOTSTRAP)
            ),
            _ => BOOTSTRAP.to_string(),
        };
        let mut remote = session.shell(remote_cmd);
        remote
            .stdin(openssh::Stdio::piped())
            .stdout(openssh::Stdio::piped())
            .stderr(openssh::Stdio::piped());
        let mut child = remote.spawn().await.map_err(|e| unreachable(&e))?;
        if let Some(mut stdin) = child.stdin().take() {
            let mut payload = format!("{}\n", script.len()).into_bytes();
            payload.extend_from_slice(script.as_bytes());
            if let Some(data) = &cmd.stdin {
                payload.extend_from_slice(data);
            }
            // A script that does not read its input closes the pipe early: not an error.
            let _ = stdin.write_all(&payload).await;
            drop(stdin);
        }
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| unreachable(&e))?;
        let rc = out.status.code().unwrap_or(-1);
        if rc == 255 && session.check().await.is_err() {
            return Err(ConnectionError::Unreachable(
                "the SSH connection was lost during the command".into(),
            ));
        }
        Ok(Output {
            rc,
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }
}

impl Ssh {
    /// Stop the master connection.
    pub async fn close(&self) {
        // The channel holds the session too: end it first.
        self.channel.lock().await.take();
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.take()
            && let Ok(s) = Arc::try_unwrap(s)
        {
            let _ = s.close().await;
        }
    }
}

/// `environment:` as exports at the top of the script (values never reach argv).
fn with_environment(cmd: &Command) -> String {
    let mut s = String::new();
    for (k, v) in &cmd.env {
        s.push_str(&format!("export {k}={}\n", super::shell_quote(v)));
    }
    s.push_str(&cmd.script);
    s
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(&format!(": {s}"));
        cur = s.source();
    }
    out
}

fn unreachable(e: &openssh::Error) -> ConnectionError {
    ConnectionError::Unreachable(error_chain(e))
}

#[async_trait]
impl Connection for Ssh {
    async fn run(&self, cmd: &Command) -> Result<Output, ConnectionError> {
        match self.channel_frame(cmd) {
            Some((script, stdin)) => self.run_on_channel(&script, &stdin, cmd.timeout).await,
            None => self.run_on_session(cmd).await,
        }
    }
}

impl Ssh {
    /// What the channel runs for `cmd`: the script and its stdin. Becoming another user
    /// feeds the script to `sudo ... sh -s`, so a command that needs its own stdin as well
    /// takes a session of its own (None).
    fn channel_frame(&self, cmd: &Command) -> Option<(String, Vec<u8>)> {
        let script = with_environment(cmd);
        match &cmd.become_ {
            Some(b) if Some(&b.user) != self.target.user.as_ref() => match &cmd.stdin {
                None => Some((
                    format!(
                        "exec sudo -n -H -u {} -- sh -s",
                        super::shell_quote(&b.user)
                    ),
                    script.into_bytes(),
                )),
                Some(_) => None,
            },
            _ => Some((script, cmd.stdin.clone().unwrap_or_default())),
        }
    }

    async fn run_on_session(&self, cmd: &Command) -> Result<Output, ConnectionError> {
        let work = self.run_once(cmd);
        match cmd.timeout {
            Some(t) => tokio::time::timeout(t, work)
                .await
                .map_err(|_| ConnectionError::Timeout(t.as_secs()))?,
            None => work.await,
        }
    }

    async fn run_on_channel(
        &self,
        script: &str,
        stdin: &[u8],
        timeout: Option<Duration>,
    ) -> Result<Output, ConnectionError> {
        let mut guard = self.channel.lock().await;
        // A channel left from before a reboot is dead; one fresh try is safe because a
        // command that fails to start was never run.
        for attempt in 0..2 {
            if guard.is_none() {
                let session = self.session().await?;
                *guard = Some(Channel::open(session).await?);
            }
            let Some(channel) = guard.as_mut() else {
                continue;
            };
            let session = self.session.lock().await.clone();
            let kill = |pid: u32| async move {
                if let Some(s) = session {
                    let line = format!(
                        "pkill -TERM -P {pid}; kill -TERM {pid}; sleep 0.5; pkill -KILL -P {pid}; kill -KILL {pid}; true"
                    );
                    let _ = s.command("sh").arg("-c").arg(line).status().await;
                }
            };
            match channel.exec(script, stdin, timeout, kill).await {
                Ok(out) => return Ok(out),
                Err(ChannelError::Timeout(t)) => return Err(ConnectionError::Timeout(t)),
                Err(ChannelError::NotStarted(m)) => {
                    *guard = None;
                    *self.session.lock().await = None;
                    if attempt == 1 {
                        return Err(ConnectionError::Unreachable(m));
                    }
                }
                Err(ChannelError::Broken(m)) => {
                    *guard = None;
                    *self.session.lock().await = None;
                    return Err(ConnectionError::Unreachable(format!(
                        "the SSH connection was lost during the command: {m}"
                    )));
                }
            }
        }
        Err(ConnectionError::Unreachable(
            "the SSH channel could not be opened".into(),
        ))
    }
}
