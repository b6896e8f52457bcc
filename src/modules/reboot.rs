//! `reboot`: reboot the host and wait until it is back with a new boot id and answers the
//! test command. Between checks roller waits at most half a second, and over SSH returns
//! as soon as the host's SSH port accepts a TCP connection (polled every 20 ms), so it
//! notices the host back within about 0.1 s of sshd accepting connections (Ansible backs
//! off up to ~12 s between tries).

use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::args::{check_known, get, string};
use super::{Apply, Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::{Command, shell_quote};
use crate::vars::{Map, Value};

const KNOWN: &[&str] = &[
    "msg",
    "reboot_command",
    "boot_time_command",
    "test_command",
    "connect_timeout",
    "connect_timeout_sec",
    "reboot_timeout",
    "reboot_timeout_sec",
    "pre_reboot_delay",
    "post_reboot_delay",
    "search_paths",
];

const POLL: Duration = Duration::from_millis(500);
/// The shortest time between two connection attempts while the host is unreachable.
const MIN_RETRY: Duration = Duration::from_millis(100);

pub struct Reboot;

struct Settings {
    reboot_command: String,
    boot_time_command: String,
    test_command: String,
    connect_timeout: Option<u64>,
    reboot_timeout: u64,
    post_reboot_delay: u64,
}

fn seconds(args: &Map, keys: &[&str], default: u64) -> Result<u64, ModuleError> {
    for k in keys {
        match get(args, k) {
            None => continue,
            Some(Value::Int(i)) if *i >= 0 => return Ok(*i as u64),
            Some(Value::Float(f)) if *f >= 0.0 => return Ok(*f as u64),
            Some(Value::Str(s)) => {
                return s
                    .trim()
                    .parse()
                    .map_err(|_| ModuleError::new(format!("Invalid value given for '{k}': {s}")));
            }
            Some(other) => {
                return Err(ModuleError::new(format!(
                    "Invalid value given for '{k}': {}",
                    crate::output::python_repr::python_str(other)
                )));
            }
        }
    }
    Ok(default)
}

#[async_trait]
impl Module for Reboot {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, KNOWN)?;
        if cx.conn.is_local() {
            return Err(ModuleError::new(
                "Running reboot with local connection would reboot the control node.",
            )
            .with("elapsed", Value::Int(0))
            .with("rebooted", Value::Bool(false)));
        }
        let pre_delay = seconds(args, &["pre_reboot_delay"], 0)?;
        let msg = string(args, "msg")?.unwrap_or_else(|| "Reboot initiated by Ansible".into());
        let reboot_command = match string(args, "reboot_command")? {
            Some(c) => c,
            None => {
                let paths: Vec<String> = match get(args, "search_paths") {
                    Some(Value::List(l)) => l
                        .iter()
                        .map(crate::output::python_repr::python_str)
                        .collect(),
                    Some(Value::Str(s)) => vec![s.clone()],
                    _ => ["/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin"]
                        .map(String::from)
                        .to_vec(),
                };
                let candidates = paths
                    .iter()
                    .map(|p| shell_quote(&format!("{p}/shutdown")))
                    .collect::<Vec<_>>()
                    .join(" ");
                format!(
                    "for b in {candidates}; do if [ -x \"$b\" ]; then exec \"$b\" -r {} {}; fi; done; echo 'Unable to find command \"shutdown\" in search paths' >&2; exit 127",
                    pre_delay / 60,
                    shell_quote(&msg)
                )
            }
        };
        let settings = Settings {
            reboot_command,
            boot_time_command: string(args, "boot_time_command")?
                .unwrap_or_else(|| "cat /proc/sys/kernel/random/boot_id".into()),
            test_command: string(args, "test_command")?.unwrap_or_else(|| "whoami".into()),
            connect_timeout: get(args, "connect_timeout")
                .or(get(args, "connect_timeout_sec"))
                .map(|_| seconds(args, &["connect_timeout", "connect_timeout_sec"], 0))
                .transpose()?,
            reboot_timeout: seconds(args, &["reboot_timeout", "reboot_timeout_sec"], 600)?,
            post_reboot_delay: seconds(args, &["post_reboot_delay"], 0)?,
        };
        let preview = result([("elapsed", Value::Int(0)), ("rebooted", Value::Bool(true))]);
        Ok(Plan::Change {
            preview,
            diff: None,
            apply: Box::new(settings),
        })
    }
}

impl Settings {
    fn command(&self, cx: &ModuleContext<'_>, line: &str, timeout: Option<Duration>) -> Command {
        let mut c = Command::new(line);
        c.become_ = cx.become_.clone();
        c.timeout = timeout;
        c
    }

    async fn boot_id(
        &self,
        cx: &ModuleContext<'_>,
        timeout: Option<Duration>,
    ) -> Result<String, String> {
        let out = cx
            .conn
            .run(&self.command(cx, &self.boot_time_command, timeout))
            .await
            .map_err(|e| e.to_string())?;
        if out.rc != 0 {
            return Err(format!(
                "Failed to get the boot time: rc={} {}",
                out.rc,
                out.stderr_text().trim()
            ));
        }
        Ok(out.stdout_text().trim().to_string())
    }
}

#[async_trait]
impl Apply for Settings {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let started = Instant::now();
        let before = self.boot_id(cx, None).await.map_err(ModuleError::new)?;
        // The command may not return (the connection drops as the host goes down): both
        // outcomes mean the reboot started, unless it says it failed.
        let quick = Some(Duration::from_secs(
            self.connect_timeout.unwrap_or(10).max(5),
        ));
        if let Ok(out) = cx
            .conn
            .run(&self.command(cx, &self.reboot_command, quick))
            .await
            && out.rc != 0
        {
            return Err(ModuleError::new(format!(
                "Reboot command failed. Error was: '{}, {}'",
                out.stdout_text().trim(),
                out.stderr_text().trim()
            ))
            .with("rebooted", Value::Bool(false))
            .with("elapsed", Value::Int(started.elapsed().as_secs() as i64)));
        }
        if self.post_reboot_delay > 0 {
            tokio::time::sleep(Duration::from_secs(self.post_reboot_delay)).await;
        }
        let deadline = started + Duration::from_secs(self.reboot_timeout);
        let probe = Some(Duration::from_secs(
            self.connect_timeout.unwrap_or(5).max(1),
        ));
        let mut last_error = String::from("the host did not come back");
        loop {
            if Instant::now() >= deadline {
                return Err(ModuleError::new(format!(
                    "Timed out waiting for last boot time check (timeout={})",
                    self.reboot_timeout
                ))
                .with("rebooted", Value::Bool(true))
                .with("elapsed", Value::Int(started.elapsed().as_secs() as i64))
                .with("last_error", Value::Str(last_error)));
            }
            let attempt = Instant::now();
            let mut unreachable = false;
            match self.boot_id(cx, probe).await {
                Ok(now) if now != before && !now.is_empty() => {
                    match cx
                        .conn
                        .run(&self.command(cx, &self.test_command, probe))
                        .await
                    {
                        Ok(out) if out.rc == 0 => break,
                        Ok(out) => {
                            last_error =
                                format!("test command failed: {}", out.stderr_text().trim())
                        }
                        Err(e) => last_error = e.to_string(),
                    }
                }
                Ok(_) => last_error = "boot time has not changed".into(),
                Err(e) => {
                    last_error = e;
                    unreachable = true;
                }
            }
            if unreachable {
                // Down (or booting): try again as soon as it accepts connections, but
                // not more often than every MIN_RETRY.
                cx.conn.wait_reachable(POLL).await;
                tokio::time::sleep(MIN_RETRY.saturating_sub(attempt.elapsed())).await;
            } else {
                tokio::time::sleep(POLL).await;
            }
        }
        Ok(result([
            ("changed", Value::Bool(true)),
            ("elapsed", Value::Int(started.elapsed().as_secs() as i64)),
            ("rebooted", Value::Bool(true)),
        ]))
    }
}
