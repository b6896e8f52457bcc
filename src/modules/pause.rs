//! `pause`: wait a number of seconds (prompts are answered with nothing: roller runs
//! unattended).

use std::time::Instant;

use async_trait::async_trait;

use super::args::{check_known, get};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::vars::{Map, Value};

pub struct Pause;

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[async_trait]
impl Module for Pause {
    async fn plan(&self, _cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &["seconds", "minutes", "prompt", "echo"])?;
        let seconds = match (get(args, "seconds"), get(args, "minutes")) {
            (Some(s), _) => number(s)
                .ok_or_else(|| ModuleError::new("non-integer value given for prompt duration"))?,
            (None, Some(m)) => {
                60.0 * number(m).ok_or_else(|| {
                    ModuleError::new("non-integer value given for prompt duration")
                })?
            }
            (None, None) => 0.0,
        };
        let start = Instant::now();
        if seconds > 0.0 {
            tokio::time::sleep(std::time::Duration::from_secs_f64(seconds)).await;
        }
        let delta = start.elapsed().as_secs_f64();
        let stdout = if seconds > 0.0 {
            format!(
                "Paused for {} seconds",
                crate::output::float_repr::python_float_repr(seconds)
            )
        } else {
            String::new()
        };
        Ok(Plan::Done(result([
            ("changed", Value::Bool(false)),
            ("delta", Value::Int(delta as i64)),
            ("echo", Value::Bool(true)),
            ("rc", Value::Int(0)),
            ("stderr", Value::Str(String::new())),
            ("stdout", Value::Str(stdout)),
            ("user_input", Value::Str(String::new())),
        ])))
    }
}
