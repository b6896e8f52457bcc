//! The `yaml` inventory plugin: `all:` / `children:` / `hosts:` / `vars:` at any depth.

use std::path::Path;

use super::error::SourceError;
use super::host_range::expand_hostpattern;
use super::model::Inventory;
use crate::output::python_repr::python_str;
use crate::vars::{Key, Value};

/// Why the yaml plugin declined a file that YAML-parsed (the ini plugin gets a try next).
pub fn parse_yaml_inventory(
    inv: &mut Inventory,
    path: &Path,
    data: Option<Value>,
) -> Result<(), SourceError> {
    let err = |m: String| SourceError::new(path, m);
    let data = match data {
        None => return Err(err("Parsed empty YAML file".into())),
        Some(v) if !v.is_truthy() => return Err(err("Parsed empty YAML file".into())),
        Some(v) => v,
    };
    let Value::Map(map) = data else {
        return Err(err(format!(
            "YAML inventory has invalid structure, it should be a dictionary, got: <class '{}'>",
            data.python_type_name()
        )));
    };
    if map.get(&Key::from("plugin")).is_some_and(Value::is_truthy) {
        return Err(err(
            "Plugin configuration YAML file, not YAML inventory".into()
        ));
    }
    for (name, group_data) in map {
        let name = group_key(path, &name)?;
        parse_group(inv, path, &name, group_data)?;
    }
    Ok(())
}

fn key_name(key: &Key) -> String {
    python_str(&Value::from_key(key))
}

/// Group names must be strings; Ansible refuses `1:` or `~:` as a group.
fn group_key(path: &Path, key: &Key) -> Result<String, SourceError> {
    match key {
        Key::Str(s) => Ok(s.clone()),
        Key::Null | Key::Bool(false) => Err(SourceError::new(
            path,
            format!(
                "Unable to add group {0}: Invalid empty/false group name provided: {0}",
                key_name(key)
            ),
        )),
        other => {
            let v = Value::from_key(other);
            Err(SourceError::new(
                path,
                format!(
                    "Unable to add group {0}: Invalid group name supplied, expected a string but got {1} for {0}",
                    key_name(other),
                    type_repr(&v)
                ),
            ))
        }
    }
}

fn type_repr(v: &Value) -> String {
    format!("<class '{}'>", v.python_type_name())
}

fn parse_group(
    inv: &mut Inventory,
    path: &Path,
    group: &str,
    group_data: Value,
) -> Result<String, SourceError> {
    let err = |m: String| SourceError::new(path, m);
    let mut data = match group_data {
        Value::Null => return ensure(inv, path, group).map(|_| group.to_string()),
        Value::Map(m) => m,
        other => {
            inv.warn(format!(
                "Skipping '{group}' as this is not a valid group definition"
            ));
            let _ = other;
            return Ok(group.to_string());
        }
    };
    let gid = ensure(inv, path, group)?;
    for section in ["vars", "children", "hosts"] {
        let key = Key::from(section);
        if let Some(v) = data.get_mut(&key) {
            if let Value::Str(s) | Value::Unsafe(s) = v {
                let mut single = crate::vars::Map::new();
                single.insert(Key::Str(s.clone()), Value::Null);
                *v = Value::Map(single);
            }
            if !matches!(v, Value::Map(_) | Value::Null) {
                return Err(err(format!(
                    "Invalid \"{section}\" entry for \"{group}\" group, requires a dictionary, found \"{}\" instead.",
                    type_repr(v)
                )));
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
                    inv.set_group_var(gid, &key_name(var), val.clone())
                        .map_err(|e| err(e.0))?;
                }
            }
            Some("children") => {
                for (sub, sub_data) in section {
                    let sub_name = group_key(path, sub)?;
                    let sub_name = parse_group(inv, path, &sub_name, sub_data.clone())?;
                    inv.add_child(group, &sub_name).map_err(|e| err(e.0))?;
                }
            }
            Some("hosts") => {
                for (pattern, host_vars) in section {
                    let Key::Str(pattern) = pattern else {
                        return Err(err(format!(
                            "Host pattern {} must be a string. Enclose integers/floats in quotation marks.",
                            key_name(pattern)
                        )));
                    };
                    let (names, port) = expand_hostpattern(pattern).map_err(|e| err(e.0))?;
                    let vars = match host_vars {
                        Value::Map(m) => m.clone(),
                        v if !v.is_truthy() => crate::vars::Map::new(),
                        other => {
                            return Err(err(format!(
                                "Invalid data from file, expected dictionary and got:\n\n{}",
                                python_str(other)
                            )));
                        }
                    };
                    for name in names {
                        let hid = inv.add_host(&name, Some(gid), port);
                        for (k, v) in &vars {
                            inv.set_host_var(hid, &key_name(k), v.clone());
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

fn ensure(inv: &mut Inventory, path: &Path, group: &str) -> Result<usize, SourceError> {
    if group.is_empty() {
        return Err(SourceError::new(
            path,
            format!(
                "Unable to add group {group}: Invalid empty/false group name provided: {group}"
            ),
        ));
    }
    Ok(inv.ensure_group(group))
}
