//! The cp-ansible variables of the Kafka client (src/kafka/cp_ansible.rs), read through
//! the templating as a task (or a play) sees them, and the module arguments that override
//! them. Shared by the Kafka modules and the engine's leader-last roll order.

use super::args::{get, string};
use super::{ModuleContext, ModuleError};
use crate::kafka::config::ClientSettings;
use crate::kafka::cp_ansible::{
    ClientConfigError, InventoryVars, Overrides, client_settings, property_map,
};
use crate::template::Templar;
use crate::template::VarContext;
use crate::vars::{Map, Value};

/// Variables through the templating, in one context.
pub struct TemplateVars<'a> {
    pub templar: &'a Templar,
    pub vars: &'a VarContext,
}

/// A string as a template expression literal.
pub fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl<'a> TemplateVars<'a> {
    pub fn of(cx: &'a ModuleContext<'_>) -> TemplateVars<'a> {
        TemplateVars {
            templar: cx.templar,
            vars: cx.vars,
        }
    }

    pub fn expr(&self, e: &str) -> Result<Value, String> {
        self.templar
            .expression(e, self.vars)
            .map_err(|err| err.to_string())
    }
}

impl InventoryVars for TemplateVars<'_> {
    fn group(&self, name: &str) -> Result<Vec<String>, ClientConfigError> {
        let e = format!("groups[{}] | default([])", quoted(name));
        let v = self
            .expr(&e)
            .map_err(|reason| ClientConfigError::Variable {
                var: format!("groups['{name}']"),
                reason,
            })?;
        Ok(match v {
            Value::List(items) => items
                .iter()
                .filter_map(|h| h.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        })
    }

    fn host_var(&self, host: &str, name: &str) -> Result<Option<Value>, ClientConfigError> {
        let e = format!(
            "hostvars[{}][{}] | default(none)",
            quoted(host),
            quoted(name)
        );
        match self.expr(&e) {
            Ok(Value::Null) => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(reason) => Err(ClientConfigError::Variable {
                var: format!("{name} of {host}"),
                reason,
            }),
        }
    }
}

/// The module arguments that override the inventory: `bootstrap_servers`, `listener`,
/// `config` (librdkafka properties).
pub fn overrides(args: &Map) -> Result<Overrides, ModuleError> {
    Ok(Overrides {
        bootstrap_servers: string(args, "bootstrap_servers")?,
        listener: string(args, "listener")?,
        properties: match get(args, "config") {
            None => Vec::new(),
            Some(v) => property_map("config", v).map_err(|e| ModuleError::new(e.to_string()))?,
        },
    })
}

/// The client settings for a task: the inventory's, overridden by the arguments.
pub fn settings(cx: &ModuleContext<'_>, args: &Map) -> Result<ClientSettings, ModuleError> {
    client_settings(&TemplateVars::of(cx), &overrides(args)?)
        .map_err(|e| ModuleError::new(e.to_string()))
}
