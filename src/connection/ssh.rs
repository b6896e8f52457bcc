//! The SSH connection: the system's OpenSSH through the `openssh` crate, one multiplexed
//! master per host, reused by every task and re-established when it drops (a reboot).
//!
//! Scripts travel on the persistent channel's stdin (ssh_channel.rs), never in the remote
//! argv (where `ps` would show secrets); `become` goes through the mediator of
//! escalation.rs, with the password as the channel frame's secret.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use openssh::{KnownHosts, Session, SessionBuilder};
use tokio::sync::Mutex;

use super::escalation::Escalation;
use super::ssh_channel::{Channel, ChannelError};
use super::ssh_options::{SshTarget, config_text, known_hosts_policy};
use super::{Command, Connection, ConnectionError, Output, Secret};

pub struct Ssh {
    target: SshTarget,
    /// Private directory for the control socket and the host's ssh_config (mode 0700).
    dir: PathBuf,
    session: Mutex<Option<Arc<Session>>>,
    /// The persistent command channel on the session, when it could be opened.
    channel: Mutex<Option<Channel>>,
    /// `ssh -G`'s output for the host (the effective settings), once asked.
    resolved: Mutex<Option<String>>,
    /// When and why the last `warm_up` failed: a command that waited for that attempt
    /// reports its error instead of trying again at once.
    warm_failed: std::sync::Mutex<Option<(std::time::Instant, ConnectionError)>>,
}

impl Ssh {
    /// The connection to inventory host HOST; its files go to a directory of its own.
    pub fn new(
        host: &str,
        target: SshTarget,
        runtime_dir: &std::path::Path,
    ) -> Result<Self, ConnectionError> {
        use std::os::unix::fs::DirBuilderExt;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&(host, &target), &mut hasher);
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
            resolved: Mutex::new(None),
            warm_failed: std::sync::Mutex::new(None),
        })
    }

    async fn builder(&self) -> Result<SessionBuilder, ConnectionError> {
        let config = self.dir.join("ssh_config");
        std::fs::write(&config, config_text(&self.target)).map_err(|e| {
            ConnectionError::Unreachable(format!("cannot write {}: {e}", config.display()))
        })?;
        let mut b = SessionBuilder::default();
        b.config_file(&config)
            .control_directory(&self.dir)
            .known_hosts_check(self.known_hosts(&config).await)
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

    /// The host key policy. The openssh crate always passes one on ssh's command line,
    /// where it would override the configuration; so it is what Ansible's ssh would use:
    /// `host_key_checking` off is `StrictHostKeyChecking=no` (Ansible passes it before
    /// everything else, so it wins), on leaves it to the ssh arguments and the operator's
    /// ssh configuration, resolved by `ssh -G` over the host's config (`ask` cannot be
    /// asked in batch mode: strict).
    async fn known_hosts(&self, config: &std::path::Path) -> KnownHosts {
        if !self.target.host_key_checking {
            return KnownHosts::Accept;
        }
        known_hosts_policy(&self.ssh_g(config).await)
    }

    /// `ssh -G` over the host's config: the settings ssh will use (asked once).
    async fn ssh_g(&self, config: &std::path::Path) -> String {
        let mut cached = self.resolved.lock().await;
        if let Some(text) = cached.as_ref() {
            return text.clone();
        }
        let mut cmd = tokio::process::Command::new("ssh");
        cmd.arg("-G").arg("-F").arg(config);
        if let Some(user) = &self.target.user {
            cmd.arg("-l").arg(user);
        }
        if let Some(port) = self.target.port {
            cmd.arg("-p").arg(port.to_string());
        }
        cmd.arg("--").arg(&self.target.address);
        let resolved = match cmd.stdin(std::process::Stdio::null()).output().await {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
            _ => return String::new(),
        };
        *cached = Some(resolved.clone());
        resolved
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
        let builder = self.builder().await?;
        // Native multiplexing: commands go to the master's control socket from roller
        // itself, no local `ssh` process per channel.
        let session = builder
            .connect_mux(&self.target.address)
            .await
            .map_err(|e| {
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

#[async_trait]
impl Connection for Ssh {
    async fn warm_up(&self) {
        let Ok(mut guard) = self.channel.try_lock() else {
            return; // a command is opening or using it
        };
        if guard.is_some() {
            return;
        }
        let opened = match self.session().await {
            Ok(session) => Channel::open(session).await.map_err(ConnectionError::from),
            Err(e) => Err(e),
        };
        match opened {
            Ok(channel) => *guard = Some(channel),
            Err(e) => {
                if let Ok(mut w) = self.warm_failed.lock() {
                    *w = Some((std::time::Instant::now(), e));
                }
            }
        }
    }

    /// Polls the SSH port with a plain TCP connect every 20 ms (no SSH handshake, nothing
    /// on the host), when ssh reaches the host directly (no ProxyJump/ProxyCommand).
    async fn wait_reachable(&self, max: Duration) {
        let until = tokio::time::Instant::now() + max;
        let config = self.dir.join("ssh_config");
        let resolved = if config.is_file() {
            self.ssh_g(&config).await
        } else {
            String::new()
        };
        let Some(addr) = direct_address(&resolved) else {
            tokio::time::sleep_until(until).await;
            return;
        };
        while tokio::time::Instant::now() < until {
            let attempt = tokio::time::timeout(
                Duration::from_millis(200),
                tokio::net::TcpStream::connect((addr.0.as_str(), addr.1)),
            );
            if let Ok(Ok(_)) = attempt.await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20).min(until - tokio::time::Instant::now()))
                .await;
        }
    }

    async fn run(&self, cmd: &Command) -> Result<Output, ConnectionError> {
        let script = super::with_environment(cmd);
        match &cmd.become_ {
            Some(b) if b.needed(self.target.user.as_deref()) => {
                // The mediator runs as the login user; the password is the channel
                // frame's secret, the command its stdin.
                let e = Escalation::new(b, &script, cmd.stdin.as_deref());
                let out = self
                    .run_on_channel(&e.script, &e.stdin, e.password.as_ref(), cmd.timeout)
                    .await?;
                e.result(out).map_err(|r| r.into_error(b.method))
            }
            _ => {
                let stdin = cmd.stdin.as_deref().unwrap_or_default();
                self.run_on_channel(&script, stdin, None, cmd.timeout).await
            }
        }
    }
}

impl Ssh {
    async fn run_on_channel(
        &self,
        script: &str,
        stdin: &[u8],
        secret: Option<&Secret>,
        timeout: Option<Duration>,
    ) -> Result<Output, ConnectionError> {
        let asked = std::time::Instant::now();
        let mut guard = self.channel.lock().await;
        let warm_failed = self.warm_failed.lock().ok().and_then(|mut w| w.take());
        if guard.is_none()
            && let Some((at, e)) = warm_failed
            && at >= asked
        {
            return Err(e);
        }
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
            match channel.exec(script, stdin, secret, timeout, kill).await {
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

/// The host and port ssh connects to directly, from `ssh -G`; None when it goes through a
/// proxy (or the settings are unknown).
fn direct_address(ssh_g: &str) -> Option<(String, u16)> {
    let mut host = None;
    let mut port = 22;
    for line in ssh_g.lines() {
        let Some((k, v)) = line.split_once(' ') else {
            continue;
        };
        match k.to_ascii_lowercase().as_str() {
            "hostname" => host = Some(v.trim().to_string()),
            "port" => port = v.trim().parse().ok()?,
            "proxyjump" | "proxycommand" if v.trim() != "none" => return None,
            _ => {}
        }
    }
    host.map(|h| (h, port))
}
