//! `group_by`: put the host into a group made from a key.

use async_trait::async_trait;

use super::args::{check_known, list, required_string};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::vars::{Map, Value};

pub struct GroupBy;

#[async_trait]
impl Module for GroupBy {
    async fn plan(&self, _cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &["key", "parents"])?;
        let key = required_string(args, "key")?.replace(' ', "-");
        let parents: Vec<Value> = match list(args, "parents") {
            p if p.is_empty() => vec![Value::Str("all".into())],
            p => p,
        };
        // Ansible reports the inventory change as a change.
        Ok(Plan::Done(result([
            ("changed", Value::Bool(true)),
            ("add_group", Value::Str(key)),
            ("parent_groups", Value::List(parents)),
        ])))
    }
}
