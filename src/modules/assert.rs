//! `assert`: check conditions, failing with the first that does not hold.

use async_trait::async_trait;

use super::args::{boolean, check_known, get};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::vars::{Map, Value};

pub struct Assert;

#[async_trait]
impl Module for Assert {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &["that", "fail_msg", "msg", "success_msg", "quiet"])?;
        let that = match get(args, "that") {
            None => return Err(ModuleError::new("conditional required in \"that\" string")),
            Some(Value::List(items)) => items.clone(),
            Some(v) => vec![v.clone()],
        };
        let quiet = boolean(args, "quiet", false)?;
        for cond in &that {
            let holds = match cond {
                Value::Str(expr) | Value::Unsafe(expr) => cx
                    .templar
                    .condition(expr, cx.vars)
                    .map_err(|e| ModuleError::new(e.to_string()))?,
                Value::Bool(b) => *b,
                other => other.is_truthy(),
            };
            if !holds {
                let msg = get(args, "fail_msg")
                    .or_else(|| get(args, "msg"))
                    .cloned()
                    .unwrap_or(Value::Str("Assertion failed".into()));
                let mut err = ModuleError::new(String::new())
                    .with("assertion", cond.clone())
                    .with("evaluated_to", Value::Bool(false));
                err.result.insert("msg".into(), msg);
                return Err(err);
            }
        }
        let msg = get(args, "success_msg")
            .cloned()
            .unwrap_or(Value::Str("All assertions passed".into()));
        let mut out = result([("changed", Value::Bool(false)), ("msg", msg)]);
        out.insert("_ansible_verbose_always".into(), Value::Bool(!quiet));
        Ok(Plan::Done(out))
    }
}
