//! `include_vars`: variables from a YAML/JSON file on the controller.

use std::path::PathBuf;

use async_trait::async_trait;

use super::args::{get, string};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::vars::{Key, Map, Value};

pub struct IncludeVars;

#[async_trait]
impl Module for IncludeVars {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        let file = string(args, "file")?
            .or(string(args, "_raw_params")?)
            .ok_or_else(|| ModuleError::new("include_vars needs a file name"))?;
        let path = find(&file, &cx.search_paths).ok_or_else(|| {
            ModuleError::new(format!(
                "Could not find or access '{file}' on the Ansible Controller."
            ))
        })?;
        let mut warnings = Vec::new();
        let data = crate::inventory::vars_files::load_data_file(&path, &mut warnings)
            .map_err(|e| ModuleError::new(e.to_string()))?;
        let vars = match data {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Map(m)) => m,
            Some(_) => {
                return Err(ModuleError::new(format!(
                    "{} must be stored as a dictionary/hash",
                    path.display()
                )));
            }
        };
        let facts = match get(args, "name").and_then(Value::as_str) {
            Some(name) => {
                let mut m = Map::new();
                m.insert(Key::from(name), Value::Map(vars));
                m
            }
            None => vars,
        };
        Ok(Plan::Done(result([
            ("ansible_facts", Value::Map(facts)),
            (
                "ansible_included_var_files",
                Value::List(vec![Value::Str(path.to_string_lossy().into_owned())]),
            ),
            ("changed", Value::Bool(false)),
        ])))
    }
}

/// A role's `vars/`, then beside the task file, then as given.
fn find(name: &str, search: &[PathBuf]) -> Option<PathBuf> {
    let p = PathBuf::from(name);
    if p.is_absolute() {
        return p.is_file().then_some(p);
    }
    search
        .iter()
        .flat_map(|d| [d.join("vars").join(name), d.join(name)])
        .chain(std::iter::once(p))
        .find(|c| c.is_file())
}
