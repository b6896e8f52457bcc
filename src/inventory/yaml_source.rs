//! The `yaml` inventory plugin: `all:` / `children:` / `hosts:` / `vars:` at any depth.

use std::path::Path;

use super::error::SourceError;
use super::host_range::expand_hostpattern;
use super::model::Inventory;
use crate::output::python_repr::python_str;
use crate::vars::{Key, Map, Value};
use crate::yaml::locate::locate_key;

/// Build groups and hosts from a parsed YAML inventory. An error means the yaml plugin
/// declined the file; like Ansible, changes made before the error stay.
pub fn parse_yaml_inventory(
    inv: &mut Inventory,
    path: &Path,
    text: &str,
    data: Option<Value>,
) -> Result<(), SourceError> {
    let parser = YamlInventory { path, text };
    let data = match data {
        Some(v) if v.is_truthy() => v,
        _ => return Err(SourceError::new(path, "Parsed empty YAML file")),
    };
    let Value::Map(map) = data else {
        return Err(parser.error(
            &[],
            format!(
                "YAML inventory has invalid structure, it should be a dictionary, got: {}",
                type_repr(&data)
            ),
        ));
    };
    if map.get(&Key::from("plugin")).is_some_and(Value::is_truthy) {
        return Err(parser.error(
            &["plugin".into()],
            "Plugin configuration YAML file, not YAML inventory: roller reads static inventories only",
        ));
    }
    for (name, group_data) in map {
        let keys = vec![key_name(&name)];
        let name = parser.group_key(&keys, &name)?;
        parser.group(inv, &keys, &name, group_data)?;
    }
    Ok(())
}

struct YamlInventory<'a> {
    path: &'a Path,
    text: &'a str,
}

fn key_name(key: &Key) -> String {
    python_str(&Value::from_key(key))
}

fn type_repr(v: &Value) -> String {
    format!("<class '{}'>", v.python_type_name())
}

impl YamlInventory<'_> {
    /// An error pointing at the key at `keys` (or the nearest enclosing key found).
    fn error(&self, keys: &[String], message: impl Into<String>) -> SourceError {
        match locate_key(self.text, keys) {
            Some((line, col)) => SourceError::at(self.path, line, Some(col), message),
            None => SourceError::at(self.path, 1, Some(1), message),
        }
    }

    /// Group names must be strings; Ansible refuses `1:` or `~:` as a group.
    fn group_key(&self, keys: &[String], key: &Key) -> Result<String, SourceError> {
        match key {
            Key::Str(s) if !s.is_empty() => Ok(s.clone()),
            Key::Str(_) | Key::Null | Key::Bool(false) => Err(self.error(
                keys,
                format!("Unable to add group {0}: Invalid empty/false group name provided: {0}", key_name(key)),
            )),
            other => Err(self.error(
                keys,
                format!(
                    "Unable to add group {0}: Invalid group name supplied, expected a string but got {1} for {0}",
                    key_name(other),
                    type_repr(&Value::from_key(other))
                ),
            )),
        }
    }

    fn group(
        &self,
        inv: &mut Inventory,
        keys: &[String],
        group: &str,
        group_data: Value,
    ) -> Result<String, SourceError> {
        let mut data = match group_data {
            Value::Null => {
                inv.ensure_group(group);
                return Ok(group.to_string());
            }
            Value::Map(m) => m,
            _ => {
                inv.warn(format!(
                    "Skipping '{group}' as this is not a valid group definition"
                ));
                return Ok(group.to_string());
            }
        };
        let gid = inv.ensure_group(group);
        let at = |section: &str| -> Vec<String> {
            let mut k = keys.to_vec();
            k.push(section.to_string());
            k
        };
        for section in ["vars", "children", "hosts"] {
            if let Some(v) = data.get_mut(&Key::from(section)) {
                if let Value::Str(s) | Value::Unsafe(s) = v {
                    let mut single = Map::new();
                    single.insert(Key::Str(s.clone()), Value::Null);
                    *v = Value::Map(single);
                }
                if !matches!(v, Value::Map(_) | Value::Null) {
                    return Err(self.error(
                        &at(section),
                        format!(
                            "Invalid \"{section}\" entry for \"{group}\" group, requires a dictionary, found \"{}\" instead.",
                            type_repr(v)
                        ),
                    ));
                }
            }
        }
        for (key, value) in data {
            let key_text = key_name(&key);
            let section = match &value {
                Value::Null => continue,
                Value::Map(m) => m,
                other => {
                    inv.warn(format!(
                        "Skipping key ({key_text}) in group ({group}) as it is not a mapping, it is a {}",
                        type_repr(other)
                    ));
                    continue;
                }
            };
            match key.as_str() {
                Some("vars") => {
                    for (var, val) in section {
                        inv.set_group_var(gid, &key_name(var), val.clone()).map_err(|e| {
                            let mut k = at("vars");
                            k.push(key_name(var));
                            self.error(&k, e.0)
                        })?;
                    }
                }
                Some("children") => {
                    for (sub, sub_data) in section {
                        let mut k = at("children");
                        k.push(key_name(sub));
                        let sub_name = self.group_key(&k, sub)?;
                        let sub_name = self.group(inv, &k, &sub_name, sub_data.clone())?;
                        inv.add_child(group, &sub_name).map_err(|e| self.error(&k, e.0))?;
                    }
                }
                Some("hosts") => {
                    for (pattern, host_vars) in section {
                        let mut k = at("hosts");
                        k.push(key_name(pattern));
                        let Key::Str(pattern) = pattern else {
                            return Err(self.error(
                                &k,
                                format!(
                                    "Host pattern {} must be a string. Enclose integers/floats in quotation marks.",
                                    key_name(pattern)
                                ),
                            ));
                        };
                        let (names, port) = expand_hostpattern(pattern).map_err(|e| self.error(&k, e.0))?;
                        let vars = match host_vars {
                            Value::Map(m) => m.clone(),
                            v if !v.is_truthy() => Map::new(),
                            other => {
                                return Err(self.error(
                                    &k,
                                    format!(
                                        "Invalid data from file, expected dictionary and got:\n\n{}",
                                        python_str(other)
                                    ),
                                ));
                            }
                        };
                        for name in names {
                            let hid = inv.add_host(&name, Some(gid), port);
                            for (var, v) in &vars {
                                inv.set_host_var(hid, &key_name(var), v.clone());
                            }
                        }
                    }
                }
                _ => inv.warn(format!(
                    "Skipping unexpected key ({key_text}) in group ({group}), only \"vars\", \"children\" and \"hosts\" are valid"
                )),
            }
        }
        Ok(group.to_string())
    }
}
