//! The cp-ansible variables of the Kafka client (src/kafka/cp_ansible.rs), read through
//! the templating as the task sees them, and the module arguments that override them.
//! Shared by `kafka_health` and `kafka_client_config`.

use super::args::{get, string};
use super::{ModuleContext, ModuleError};
use crate::kafka::config::ClientSettings;
use crate::kafka::cp_ansible::{
    BROKER_GROUP, ClientConfigError, InventoryVars, Overrides, client_settings, property_map,
};
use crate::vars::{Map, Value};

/// The variables of a task's context.
pub struct TaskVars<'a, 'b>(pub &'a ModuleContext<'b>);

/// A string as a template expression literal.
pub fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl TaskVars<'_, '_> {
    pub fn expr(&self, e: &str) -> Result<Value, String> {
        self.0
            .templar
            .expression(e, self.0.vars)
            .map_err(|err| err.to_string())
    }
}

impl InventoryVars for TaskVars<'_, '_> {
    fn broker_hosts(&self) -> Result<Vec<String>, ClientConfigError> {
        let e = format!("groups[{}] | default([])", quoted(BROKER_GROUP));
        let v = self
            .expr(&e)
            .map_err(|reason| ClientConfigError::Variable {
                var: format!("groups['{BROKER_GROUP}']"),
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
pub fn settings(cx: &ModuleContext<'_>, args: &Map) -> Result<ClientSettings, ModuleError> {
    let overrides = Overrides {
        bootstrap_servers: string(args, "bootstrap_servers")?,
        listener: string(args, "listener")?,
        properties: match get(args, "config") {
            None => Vec::new(),
            Some(v) => property_map("config", v).map_err(|e| ModuleError::new(e.to_string()))?,
        },
    };
    client_settings(&TaskVars(cx), &overrides).map_err(|e| ModuleError::new(e.to_string()))
}
