//! `--events-topic TOPIC`: the Kafka producer for the run's events, configured from the
//! inventory like roller's other Kafka clients (src/kafka/cp_ansible.rs): the variables
//! are the inventory's and the extra vars, not templated (a `{{ }}` value is used as
//! written; set `kafka_bootstrap_servers` / `kafka_client_config` plainly, e.g. with -e).

use std::path::Path;

use super::CliError;
use crate::inventory::VarsResolver;
use crate::inventory::model::Inventory;
use crate::kafka::cp_ansible::{ClientConfigError, InventoryVars, Overrides, client_settings};
use crate::kafka::events_topic::EventsTopic;
use crate::vars::{Key, Map, Value};

struct InventoryView<'a> {
    inventory: &'a Inventory,
    resolver: VarsResolver<'a>,
}

impl InventoryVars for InventoryView<'_> {
    fn group(&self, name: &str) -> Result<Vec<String>, ClientConfigError> {
        Ok(match self.inventory.group_id(name) {
            Some(g) => self
                .inventory
                .group_hosts(g)
                .into_iter()
                .map(|h| self.inventory.host(h).name.clone())
                .collect(),
            None => Vec::new(),
        })
    }

    fn host_var(&self, host: &str, name: &str) -> Result<Option<Value>, ClientConfigError> {
        let Some(id) = self.inventory.host_id(host) else {
            return Ok(None);
        };
        let vars = self
            .resolver
            .host_vars(id)
            .map_err(|e| ClientConfigError::Variable {
                var: format!("{name} of {host}"),
                reason: e.to_string(),
            })?;
        Ok(vars
            .get(&Key::from(name))
            .filter(|v| **v != Value::Null)
            .cloned())
    }
}

/// The producer, or why there cannot be one (exit 1 before anything runs).
pub fn open(
    topic: &str,
    inventory: &Inventory,
    sources: &[String],
    playbook_dir: &Path,
    extra_vars: &Map,
) -> Result<EventsTopic, CliError> {
    let view = InventoryView {
        inventory,
        resolver: VarsResolver::new(inventory, sources, Some(playbook_dir))
            .with_extra_vars(extra_vars.clone()),
    };
    let settings = client_settings(&view, &Overrides::default())
        .map_err(|e| CliError::error(format!("--events-topic: {e}")))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let run_id = format!("{}-{}-{nanos}", host.trim(), std::process::id());
    EventsTopic::new(&settings, topic, &run_id).map_err(CliError::error)
}
