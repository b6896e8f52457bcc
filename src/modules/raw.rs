//! `raw`: a command line given to the target's shell as it is.

use async_trait::async_trait;

use super::args::{check_known, string};
use super::{Apply, Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::Command;
use crate::vars::{Map, Value};

pub struct Raw;

struct RawRun {
    line: String,
}

#[async_trait]
impl Module for Raw {
    async fn plan(&self, _cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &["_raw_params", "executable"])?;
        let line =
            string(args, "_raw_params")?.ok_or_else(|| ModuleError::new("no command given"))?;
        let line = match string(args, "executable")? {
            Some(exe) => format!(
                "exec {} -c {}",
                crate::connection::shell_quote(&exe),
                crate::connection::shell_quote(&line)
            ),
            None => line,
        };
        let preview = result([
            ("changed", Value::Bool(false)),
            ("skipped", Value::Bool(true)),
        ]);
        Ok(Plan::Unpredictable {
            would_run: line.clone(),
            preview,
            apply: Box::new(RawRun { line }),
        })
    }
}

#[async_trait]
impl Apply for RawRun {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let mut c = Command::new(self.line.clone());
        c.become_ = cx.become_.clone();
        c.env = cx.env.clone();
        c.timeout = cx.timeout;
        let out = cx.conn.run(&c).await?;
        let stdout = out.stdout_text();
        let mut r = result([
            ("changed", Value::Bool(true)),
            ("rc", Value::Int(out.rc.into())),
            ("stdout", Value::Str(stdout.clone())),
            (
                "stdout_lines",
                Value::List(stdout.lines().map(|l| Value::Str(l.into())).collect()),
            ),
            ("stderr", Value::Str(out.stderr_text())),
            (
                "stderr_lines",
                Value::List(
                    out.stderr_text()
                        .lines()
                        .map(|l| Value::Str(l.into()))
                        .collect(),
                ),
            ),
        ]);
        if out.rc != 0 {
            r.insert("msg".into(), Value::Str("non-zero return code".into()));
            let mut e = ModuleError::new("non-zero return code");
            e.result = r;
            return Err(e);
        }
        Ok(r)
    }
}
