//! `group_vars/` and `host_vars/` (Ansible's `host_group_vars` vars plugin) and the
//! loading of a vars file (JSON first, then YAML, as Ansible's DataLoader does).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::error::SourceError;
use crate::vars::{HashBehaviour, Map, Value, combine_vars};
use crate::yaml::load_yaml;

const EXTENSIONS: [&str; 3] = [".yml", ".yaml", ".json"];

/// Read a YAML/JSON data file the way `DataLoader.load_from_file` does.
pub fn load_data_file(
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<Option<Value>, SourceError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SourceError::new(path, format!("cannot read file: {e}")))?;
    load_data_text(path, &text, warnings)
}

pub fn load_data_text(
    path: &Path,
    text: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<Value>, SourceError> {
    if text.starts_with("$ANSIBLE_VAULT") {
        return Err(SourceError::at(
            path,
            1,
            Some(1),
            "this file is encrypted with Ansible Vault; roller cannot decrypt Vault yet: provide it unencrypted",
        ));
    }
    if let Some(v) = json_value(text) {
        return Ok(Some(v));
    }
    let loaded = load_yaml(text).map_err(|e| SourceError::from_yaml(path, e))?;
    warnings.extend(
        loaded
            .warnings
            .into_iter()
            .map(|w| format!("{}: {w}", path.display())),
    );
    Ok(loaded.value)
}

/// Python's `json.loads` accepts a document that YAML 1.1 would read differently (`1e5` is a
/// float in JSON, a string in YAML 1.1), so JSON is tried first.
fn json_value(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    // Cheap refusal for the common case of YAML text.
    if !trimmed.starts_with(['{', '[', '"'])
        && !trimmed.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && !["true", "false", "null"]
            .iter()
            .any(|w| trimmed.trim_end() == *w)
    {
        return None;
    }
    let parsed: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(from_json(parsed))
}

fn from_json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if n.is_u64() {
                Value::BigInt(n.to_string())
            } else {
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Value::Str(s),
        serde_json::Value::Array(a) => Value::List(a.into_iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            // Ansible's legacy JSON decoder turns these wrappers back into tagged strings.
            if o.len() == 1
                && let Some(serde_json::Value::String(s)) = o.get("__ansible_unsafe")
            {
                return Value::Unsafe(s.clone());
            }
            Value::Map(
                o.into_iter()
                    .map(|(k, v)| (k.into(), from_json(v)))
                    .collect(),
            )
        }
    }
}

/// Which entity a vars directory is searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Group,
    Host,
}

/// Loads and caches `group_vars/NAME*` and `host_vars/NAME*` under base directories.
#[derive(Default)]
pub struct VarsFiles {
    cache: RefCell<HashMap<(PathBuf, EntityKind, String), Map>>,
    pub warnings: RefCell<Vec<String>>,
}

impl VarsFiles {
    /// The variables for one entity from `<basedir>/{group_vars,host_vars}/`.
    pub fn vars_for(
        &self,
        basedir: &Path,
        kind: EntityKind,
        name: &str,
        how: HashBehaviour,
    ) -> Result<Map, SourceError> {
        // Ansible skips names that look like absolute paths ('chroot' style hosts).
        if name.starts_with('/') {
            return Ok(Map::new());
        }
        let key = (basedir.to_path_buf(), kind, name.to_string());
        if let Some(hit) = self.cache.borrow().get(&key) {
            return Ok(hit.clone());
        }
        let subdir = basedir.join(match kind {
            EntityKind::Group => "group_vars",
            EntityKind::Host => "host_vars",
        });
        let mut data = Map::new();
        if subdir.is_dir() {
            for file in find_vars_files(&subdir, name) {
                let mut warnings = Vec::new();
                let loaded = load_data_file(&file, &mut warnings)?;
                self.warnings.borrow_mut().extend(warnings);
                match loaded {
                    Some(Value::Map(m)) => data = combine_vars(&data, &m, how),
                    Some(v) if !v.is_truthy() => {}
                    None => {}
                    Some(v) => {
                        return Err(SourceError::at(
                            &file,
                            1,
                            Some(1),
                            format!(
                                "Could not process this vars file: failed to combine variables, expected dicts but got a 'dict' and a '{}'",
                                v.python_type_name()
                            ),
                        ));
                    }
                }
            }
        } else if subdir.exists() {
            self.warnings.borrow_mut().push(format!(
                "Found {} that is not a directory, skipping: {}",
                subdir
                    .file_name()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                subdir.display()
            ));
        }
        self.cache.borrow_mut().insert(key, data.clone());
        Ok(data)
    }
}

/// `DataLoader.find_vars_files`: `NAME` (file or directory), else `NAME.yml`, `.yaml`, `.json`.
pub fn find_vars_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let base = dir.join(name);
    for ext in std::iter::once("").chain(EXTENSIONS) {
        let candidate = if ext.is_empty() {
            base.clone()
        } else {
            PathBuf::from(format!("{}{ext}", base.display()))
        };
        if candidate.exists() {
            if candidate.is_dir() {
                return dir_vars_files(&candidate);
            }
            return vec![candidate];
        }
    }
    Vec::new()
}

/// Files in a vars directory, sorted, recursing into sub-directories without an extension;
/// hidden and backup (`~`) files are skipped.
fn dir_vars_files(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => return Vec::new(),
    };
    names.sort();
    let mut found = Vec::new();
    for name in names {
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let full = dir.join(&name);
        let ext = python_splitext_ext(&name);
        if full.is_dir() && ext.is_empty() {
            found.extend(dir_vars_files(&full));
        } else if full.is_file() && (ext.is_empty() || EXTENSIONS.contains(&ext)) {
            found.push(full);
        }
    }
    found
}

/// `os.path.splitext(name)[1]`: leading dots do not start an extension.
pub fn python_splitext_ext(name: &str) -> &str {
    let stripped = name.trim_start_matches('.');
    match stripped.rfind('.') {
        Some(i) => &stripped[i..],
        None => "",
    }
}
