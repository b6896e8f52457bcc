//! Which connection reaches a host, from its (templated) connection variables, and the
//! live connections of a run: one per host, reused by every task.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::options::RunOptions;
use crate::connection::local::Local;
use crate::connection::ssh::Ssh;
use crate::connection::ssh_options::{SshTarget, options_from_args};
use crate::connection::{Command, Connection, ConnectionError, Output};
use crate::template::{Templar, VarContext};
use crate::vars::{Key, Value};

/// Connection settings Ansible has and roller does not: the host is UNREACHABLE with a
/// message that names it and says what to use instead (never a silent fallback).
fn unsupported(host: &str, kind: &str, var: &dyn Fn(&[&str]) -> Option<String>) -> Option<String> {
    const CONNECTIONS: &[&str] = &[
        "local",
        "ansible.builtin.local",
        "ssh",
        "ansible.builtin.ssh",
        "smart",
        "paramiko",
        "paramiko_ssh",
        "ansible.builtin.paramiko_ssh",
    ];
    if !CONNECTIONS.contains(&kind) {
        return Some(format!(
            "{host}: roller has no '{kind}' connection (ansible_connection): it reaches hosts over ssh (OpenSSH) or local only."
        ));
    }
    if kind.ends_with("local") {
        return None;
    }
    for name in [
        "ansible_password",
        "ansible_ssh_pass",
        "ansible_ssh_password",
    ] {
        if var(&[name]).is_some() {
            return Some(format!(
                "{host}: {name} is set, but roller does not do SSH password authentication. Use keys (ssh-agent, ansible_ssh_private_key_file or --private-key) or GSSAPI (Kerberos), and remove {name}."
            ));
        }
    }
    if let Some(shell) = var(&["ansible_shell_type"])
        && matches!(shell.as_str(), "powershell" | "cmd")
    {
        return Some(format!(
            "{host}: ansible_shell_type '{shell}' is not supported: roller runs a POSIX shell (/bin/sh) on its targets."
        ));
    }
    None
}

/// A connection roller does not have; every command is unreachable with the reason.
struct Unsupported(String);

#[async_trait]
impl Connection for Unsupported {
    async fn run(&self, _cmd: &Command) -> Result<Output, ConnectionError> {
        Err(ConnectionError::Unreachable(self.0.clone()))
    }
}

pub struct Connections {
    /// Private (0700) directory for control sockets and per-host ssh_config files.
    runtime_dir: PathBuf,
    /// One connection per inventory host (and its settings): two inventory names for the
    /// same machine get a connection each, so that one's long command never queues the
    /// other's (Ansible runs them in parallel too).
    ssh: Mutex<HashMap<(String, SshTarget), Arc<Ssh>>>,
    pub warnings: Mutex<Vec<String>>,
    /// Connections being opened ahead of their first task (`warm_up`).
    warming: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Default for Connections {
    fn default() -> Self {
        Self::new()
    }
}

impl Connections {
    pub fn new() -> Self {
        Connections {
            runtime_dir: std::env::temp_dir().join(format!("roller-{}", std::process::id())),
            ssh: Mutex::new(HashMap::new()),
            warnings: Mutex::new(Vec::new()),
            warming: Mutex::new(Vec::new()),
        }
    }

    /// Open `conn` in the background, ahead of its first task (see `Connection::warm_up`);
    /// `close` waits for it if it is still connecting.
    pub fn warm_up(&self, conn: Arc<dyn Connection>) {
        let task = tokio::spawn(async move { conn.warm_up().await });
        if let Ok(mut w) = self.warming.lock() {
            w.retain(|t| !t.is_finished());
            w.push(task);
        }
    }

    /// The connection for `host`, whose variables (for templating) are in `ctx`.
    pub fn for_host(
        &self,
        host: &str,
        implicit_local: bool,
        ctx: &VarContext,
        templar: &Templar,
        opts: &RunOptions,
    ) -> Arc<dyn Connection> {
        let var = |names: &[&str]| -> Option<String> {
            names.iter().find_map(|n| {
                let v = ctx.vars.get(&Key::from(*n))?;
                let v = templar.template(v, ctx).ok()?;
                match v {
                    Value::Null => None,
                    other => Some(crate::output::python_repr::python_str(&other)),
                }
            })
        };
        let kind = opts
            .connection
            .clone()
            .or_else(|| var(&["ansible_connection"]))
            .unwrap_or_else(|| {
                if implicit_local {
                    "local".into()
                } else {
                    "ssh".into()
                }
            });
        if let Some(why) = unsupported(host, &kind, &var) {
            return Arc::new(Unsupported(why));
        }
        match kind.as_str() {
            "local" | "ansible.builtin.local" => Arc::new(Local),
            "ssh" | "smart" | "paramiko" | "ansible.builtin.ssh" => {
                let mut options = Vec::new();
                for args in ["ansible_ssh_common_args", "ansible_ssh_extra_args"] {
                    if let Some(text) = var(&[args]) {
                        let (lines, ignored) = options_from_args(&text);
                        options.extend(lines);
                        if !ignored.is_empty()
                            && let Ok(mut w) = self.warnings.lock()
                        {
                            w.push(format!(
                                "{host}: ignoring ssh options without an ssh_config equivalent in {args}: {}",
                                ignored.join(" ")
                            ));
                        }
                    }
                }
                let host_key_checking =
                    match var(&["ansible_ssh_host_key_checking", "ansible_host_key_checking"]) {
                        Some(v) => crate::config::ansible_bool(&v),
                        None => opts.host_key_checking,
                    };
                let target = SshTarget {
                    address: var(&["ansible_host", "ansible_ssh_host"])
                        .unwrap_or_else(|| host.to_string()),
                    port: var(&["ansible_port", "ansible_ssh_port"]).and_then(|p| p.parse().ok()),
                    user: var(&["ansible_user", "ansible_ssh_user"])
                        .or_else(|| opts.remote_user.clone()),
                    private_key: var(&["ansible_ssh_private_key_file", "ansible_private_key_file"])
                        .or_else(|| opts.private_key.clone())
                        .map(PathBuf::from),
                    options,
                    host_key_checking,
                    connect_timeout: var(&["ansible_ssh_timeout", "ansible_timeout"])
                        .and_then(|t| t.parse().ok())
                        .unwrap_or(opts.timeout),
                };
                let mut cache = match self.ssh.lock() {
                    Ok(c) => c,
                    Err(p) => p.into_inner(),
                };
                let key = (host.to_string(), target);
                if let Some(c) = cache.get(&key) {
                    return c.clone();
                }
                match Ssh::new(host, key.1.clone(), &self.runtime_dir) {
                    Ok(ssh) => {
                        let ssh = Arc::new(ssh);
                        cache.insert(key, ssh.clone());
                        ssh
                    }
                    Err(e) => Arc::new(Unsupported(e.to_string())),
                }
            }
            other => Arc::new(Unsupported(format!("roller has no '{other}' connection"))),
        }
    }

    /// Close every SSH master and remove the runtime directory.
    pub async fn close(&self) {
        // Early connections still being opened are waited for (at most the connect
        // timeout), not abandoned: an `ssh -M` stopped half-way would go on to become a
        // master nobody closes.
        let warming: Vec<_> = match self.warming.lock() {
            Ok(mut w) => w.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for t in warming {
            let _ = t.await;
        }
        let all: Vec<Arc<Ssh>> = match self.ssh.lock() {
            Ok(mut c) => c.drain().map(|(_, v)| v).collect(),
            Err(_) => Vec::new(),
        };
        // All at once: each waits for its master to exit.
        let mut closing = tokio::task::JoinSet::new();
        for s in all {
            closing.spawn(async move { s.close().await });
        }
        while closing.join_next().await.is_some() {}
        let _ = std::fs::remove_dir_all(&self.runtime_dir);
    }
}
