//! `-e` / `--extra-vars`: `key=value` pairs, YAML/JSON text, or `@file`.

use std::path::Path;

use crate::inventory::ini::shlex::shlex_split;
use crate::inventory::vars_files::{load_data_file, load_data_text};
use crate::vars::{HashBehaviour, Map, Value, combine_vars};

pub fn parse_extra_vars(items: &[String], how: HashBehaviour) -> Result<Map, String> {
    let mut out = Map::new();
    for item in items.iter().filter(|i| !i.is_empty()) {
        let mut warnings = Vec::new();
        let data = if let Some(file) = item.strip_prefix('@') {
            load_data_file(Path::new(file), &mut warnings).map_err(|e| e.to_string())?
        } else if item.starts_with(['/', '.']) {
            return Err(format!(
                "Please prepend extra_vars filename '{item}' with '@'"
            ));
        } else if item.starts_with(['[', '{']) {
            load_data_text(Path::new("<extra vars>"), item, &mut warnings)
                .map_err(|e| e.to_string())?
        } else {
            let mut m = Map::new();
            for token in shlex_split(item).map_err(|e| format!("-e {item:?}: {e}"))? {
                let (k, v) = token
                    .split_once('=')
                    .ok_or_else(|| format!("-e {item:?}: expected key=value, got {token:?}"))?;
                m.insert(k.into(), Value::Str(v.to_string()));
            }
            Some(Value::Map(m))
        };
        match data {
            Some(Value::Map(m)) => out = combine_vars(&out, &m, how),
            None => {}
            Some(other) => {
                return Err(format!(
                    "-e {item:?}: extra vars must be a dictionary, got a {}",
                    other.python_type_name()
                ));
            }
        }
    }
    Ok(out)
}
