//! `wait_for_connection`: wait until the host answers a command again.

use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::args::{check_known, get};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::Command;
use crate::vars::{Map, Value};

pub struct WaitForConnection;

fn secs(args: &Map, key: &str, default: f64) -> Result<f64, ModuleError> {
    match get(args, key) {
        None => Ok(default),
        Some(Value::Int(i)) => Ok(*i as f64),
        Some(Value::Float(f)) => Ok(*f),
        Some(Value::Str(s)) => s
            .trim()
            .parse()
            .map_err(|_| ModuleError::new(format!("Invalid value for '{key}': {s}"))),
        Some(_) => Err(ModuleError::new(format!("Invalid value for '{key}'"))),
    }
}

#[async_trait]
impl Module for WaitForConnection {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &["connect_timeout", "delay", "sleep", "timeout"])?;
        let connect_timeout = secs(args, "connect_timeout", 5.0)?;
        let delay = secs(args, "delay", 0.0)?;
        // Ansible sleeps a second between tries; a shorter pause notices the host sooner.
        let pause = secs(args, "sleep", 1.0)?.min(0.5);
        let timeout = secs(args, "timeout", 600.0)?;
        let start = Instant::now();
        if delay > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(delay)).await;
        }
        let deadline = start + Duration::from_secs_f64(timeout);
        loop {
            let mut c = Command::new("echo ping");
            c.timeout = Some(Duration::from_secs_f64(connect_timeout.max(1.0)));
            let last = match cx.conn.run(&c).await {
                Ok(out) if out.rc == 0 => break,
                Ok(out) => out.stderr_text(),
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                return Err(ModuleError::new(format!(
                    "timed out waiting for ping module test: {}",
                    last.trim()
                ))
                .with("elapsed", Value::Int(start.elapsed().as_secs() as i64)));
            }
            tokio::time::sleep(Duration::from_secs_f64(pause)).await;
        }
        Ok(Plan::Done(result([
            ("changed", Value::Bool(false)),
            ("elapsed", Value::Int(start.elapsed().as_secs() as i64)),
        ])))
    }
}
