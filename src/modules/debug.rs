//! `debug`: print a message or a variable.

use async_trait::async_trait;

use super::args::{check_known, get, string};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::template::TemplateError;
use crate::vars::{Key, Value};

pub struct Debug;

#[async_trait]
impl Module for Debug {
    async fn plan(
        &self,
        cx: &ModuleContext<'_>,
        args: &crate::vars::Map,
    ) -> Result<Plan, ModuleError> {
        check_known(args, &["msg", "var", "verbosity"])?;
        let verbosity = match get(args, "verbosity") {
            None => 0,
            Some(Value::Int(i)) => *i,
            Some(v) => super::args::string(args, "verbosity")?
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    ModuleError::new(format!(
                        "argument 'verbosity' is of type {} and we were unable to convert to int",
                        v.python_type_name()
                    ))
                })?,
        };
        if get(args, "msg").is_some() && get(args, "var").is_some() {
            return Err(ModuleError::new(
                "parameters are mutually exclusive: msg|var",
            ));
        }
        if i64::from(cx.verbosity) < verbosity {
            return Ok(Plan::Done(result([
                (
                    "skipped_reason",
                    Value::Str("Verbosity threshold not met.".into()),
                ),
                ("skipped", Value::Bool(true)),
                ("changed", Value::Bool(false)),
            ])));
        }
        let mut out = crate::vars::Map::new();
        if let Some(var) = get(args, "var") {
            let name = string(args, "var")?.unwrap_or_default();
            let value = match var {
                Value::Str(expr) => match cx.templar.expression(expr, cx.vars) {
                    Ok(v) => v,
                    // ansible-core 2.19 shows the error in place of the value.
                    Err(e @ TemplateError::Undefined { .. }) => {
                        Value::Str(format!("<< error 1 - {e} >>"))
                    }
                    Err(e) => return Err(ModuleError::new(e.to_string())),
                },
                other => other.clone(),
            };
            out.insert(Key::from(name), value);
        } else {
            let msg = get(args, "msg")
                .cloned()
                .unwrap_or(Value::Str("Hello world!".into()));
            out.insert(Key::from("msg"), msg);
        }
        out.insert(Key::from("_ansible_verbose_always"), Value::Bool(true));
        out.insert(Key::from("changed"), Value::Bool(false));
        Ok(Plan::Done(out))
    }
}
