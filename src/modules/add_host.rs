//! `add_host`: a host (and its groups and variables) added to the in-memory inventory for
//! the rest of the run.

use async_trait::async_trait;

use super::args::{get, list, string};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::vars::{Key, Map, Value};

pub struct AddHost;

#[async_trait]
impl Module for AddHost {
    async fn plan(&self, _cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        let name = string(args, "name")?
            .or(string(args, "hostname")?)
            .or(string(args, "host")?)
            .ok_or_else(|| ModuleError::new("name or hostname arg needs to be provided"))?;
        let mut groups: Vec<Value> = list(args, "groups");
        groups.extend(list(args, "group"));
        groups.extend(list(args, "groupname"));
        let mut host_vars = Map::new();
        for (k, v) in args {
            let Some(key) = k.as_str() else { continue };
            if !matches!(
                key,
                "name" | "hostname" | "host" | "groups" | "group" | "groupname" | "_raw_params"
            ) {
                host_vars.insert(k.clone(), v.clone());
            }
        }
        let _ = get(args, "name");
        let mut add = Map::new();
        add.insert(Key::from("host_name"), Value::Str(name));
        add.insert(Key::from("groups"), Value::List(groups));
        add.insert(Key::from("host_vars"), Value::Map(host_vars));
        // Ansible reports the inventory change as a change.
        Ok(Plan::Done(result([
            ("add_host", Value::Map(add)),
            ("changed", Value::Bool(true)),
        ])))
    }
}
