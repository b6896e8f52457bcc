//! `pause`: wait a number of seconds or minutes. roller runs unattended, so a prompt
//! without a duration does not wait (as ansible-playbook does when stdin is not a
//! terminal).

use std::time::{Instant, SystemTime};

use async_trait::async_trait;

use super::args::{check_known, get};
use super::{Module, ModuleContext, ModuleError, Plan, clock, result};
use crate::vars::{Map, Value};

pub struct Pause;

fn whole_number(v: &Value, key: &str) -> Result<i64, ModuleError> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) => Ok(*f as i64),
        Value::Str(s) => s.trim().parse::<f64>().map(|f| f as i64).map_err(|_| {
            ModuleError::new(format!(
                "argument '{key}' is of type str and we were unable to convert to int"
            ))
        }),
        other => Err(ModuleError::new(format!(
            "argument '{key}' is of type {} and we were unable to convert to int",
            other.python_type_name()
        ))),
    }
}

#[async_trait]
impl Module for Pause {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &["seconds", "minutes", "prompt", "echo"])?;
        if get(args, "seconds").is_some() && get(args, "minutes").is_some() {
            return Err(ModuleError::new(
                "parameters are mutually exclusive: minutes|seconds",
            ));
        }
        let (seconds, unit) = match (get(args, "seconds"), get(args, "minutes")) {
            (Some(s), _) => (Some(whole_number(s, "seconds")?), "seconds"),
            (None, Some(m)) => (Some(whole_number(m, "minutes")? * 60), "minutes"),
            (None, None) => (None, "minutes"),
        };
        let start_wall = SystemTime::now();
        let start = Instant::now();
        if let Some(seconds) = seconds {
            // Ansible waits at least a second.
            let seconds = seconds.max(1);
            (cx.notice)(&format!("Pausing for {seconds} seconds"));
            tokio::time::sleep(std::time::Duration::from_secs(seconds as u64)).await;
        }
        let elapsed = start.elapsed().as_secs_f64();
        let shown = if unit == "minutes" {
            elapsed / 60.0
        } else {
            elapsed
        };
        let shown = (shown * 100.0).round() / 100.0;
        Ok(Plan::Done(result([
            ("changed", Value::Bool(false)),
            ("delta", Value::Int(elapsed as i64)),
            ("echo", Value::Bool(true)),
            ("rc", Value::Int(0)),
            ("start", Value::Str(clock::datetime(start_wall))),
            ("stop", Value::Str(clock::datetime(SystemTime::now()))),
            ("stderr", Value::Str(String::new())),
            (
                "stdout",
                Value::Str(format!(
                    "Paused for {} {unit}",
                    crate::output::float_repr::python_float_repr(shown)
                )),
            ),
            ("user_input", Value::Str(String::new())),
        ])))
    }
}
