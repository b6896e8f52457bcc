//! `fail`: fail the host with a message.

use async_trait::async_trait;

use super::args::{check_known, get};
use super::{Module, ModuleContext, ModuleError, Plan};
use crate::vars::{Map, Value};

pub struct Fail;

#[async_trait]
impl Module for Fail {
    async fn plan(&self, _cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &["msg"])?;
        let msg = get(args, "msg")
            .cloned()
            .unwrap_or(Value::Str("Failed as requested from task".into()));
        let mut err = ModuleError::new(String::new());
        err.result.insert("msg".into(), msg);
        Err(err)
    }
}
