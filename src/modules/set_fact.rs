//! `set_fact`: host variables that last for the rest of the run.

use async_trait::async_trait;

use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::vars::{Map, Value};

pub struct SetFact;

#[async_trait]
impl Module for SetFact {
    async fn plan(&self, _cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        let mut facts = Map::new();
        let mut cacheable = false;
        for (k, v) in args {
            let Some(name) = k.as_str() else { continue };
            if name == "cacheable" {
                cacheable = super::args::to_bool(v).unwrap_or(false);
                continue;
            }
            if name == "_raw_params" {
                return Err(ModuleError::new(
                    "set_fact takes key=value pairs or a mapping of variables to set",
                ));
            }
            if !is_identifier(name) {
                return Err(ModuleError::new(format!(
                    "The variable name '{name}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores."
                )));
            }
            facts.insert(k.clone(), v.clone());
        }
        if facts.is_empty() {
            return Err(ModuleError::new(
                "No key/value pairs provided, at least one is required for this action to succeed",
            ));
        }
        Ok(Plan::Done(result([
            ("ansible_facts", Value::Map(facts)),
            ("_ansible_fact_cacheable", Value::Bool(cacheable)),
            ("changed", Value::Bool(false)),
        ])))
    }
}

pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}
