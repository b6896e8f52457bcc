//! Reading module arguments with Ansible's type coercions and messages.

use crate::modules::ModuleError;
use crate::vars::{Key, Map, Value};

pub fn get<'a>(args: &'a Map, key: &str) -> Option<&'a Value> {
    match args.get(&Key::from(key)) {
        None | Some(Value::Null) => None,
        Some(v) => Some(v),
    }
}

/// A string argument; numbers and booleans are converted as Ansible's `str` type does.
pub fn string(args: &Map, key: &str) -> Result<Option<String>, ModuleError> {
    Ok(match get(args, key) {
        None => None,
        Some(Value::Str(s)) | Some(Value::Unsafe(s)) => Some(s.clone()),
        Some(v @ (Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::BigInt(_))) => {
            Some(crate::output::python_repr::python_str(v))
        }
        Some(v) => {
            return Err(ModuleError::new(format!(
                "argument '{key}' is of type {} and we were unable to convert to str",
                v.python_type_name()
            )));
        }
    })
}

pub fn required_string(args: &Map, key: &str) -> Result<String, ModuleError> {
    string(args, key)?.ok_or_else(|| ModuleError::new(format!("missing required arguments: {key}")))
}

/// Ansible's boolean conversion (`yes`, `on`, `1`, `true`, ... in any case).
pub fn to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Int(i) => match i {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        },
        Value::Float(f) if *f == 0.0 => Some(false),
        Value::Float(f) if *f == 1.0 => Some(true),
        Value::Str(s) | Value::Unsafe(s) => match s.to_lowercase().as_str() {
            "yes" | "on" | "1" | "true" | "t" | "y" | "1.0" => Some(true),
            "no" | "off" | "0" | "false" | "f" | "n" | "0.0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

pub fn boolean(args: &Map, key: &str, default: bool) -> Result<bool, ModuleError> {
    match get(args, key) {
        None => Ok(default),
        Some(v) => to_bool(v).ok_or_else(|| {
            ModuleError::new(format!(
                "argument '{key}' is of type {} and we were unable to convert to bool: The value {} is not a valid boolean.",
                v.python_type_name(),
                crate::output::python_repr::repr(v)
            ))
        }),
    }
}

/// A list argument: a list, or a comma-separated string.
pub fn list(args: &Map, key: &str) -> Vec<Value> {
    match get(args, key) {
        None => Vec::new(),
        Some(Value::List(items)) => items.clone(),
        Some(Value::Str(s)) => s
            .split(',')
            .map(|x| Value::Str(x.trim().to_string()))
            .collect(),
        Some(v) => vec![v.clone()],
    }
}

/// Stands for the module's name in messages; the engine, which knows it, fills it in.
pub const MODULE_NAME: &str = "{module}";

/// Reject arguments the module does not know, as Ansible's argument spec does.
pub fn check_known(args: &Map, known: &[&str]) -> Result<(), ModuleError> {
    let mut unknown: Vec<String> = args
        .keys()
        .filter_map(|k| k.as_str())
        .filter(|k| !k.starts_with('_') && !known.contains(k))
        .map(str::to_string)
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort();
    let mut supported: Vec<&str> = known.to_vec();
    supported.sort();
    Err(ModuleError::new(format!(
        "Unsupported parameters for ({}) module: {}. Supported parameters include: {}.",
        MODULE_NAME,
        unknown.join(", "),
        supported.join(", ")
    )))
}

/// An integer argument (Ansible's `int` type: integers, integral floats, digit strings).
pub fn integer(args: &Map, key: &str) -> Result<Option<i64>, ModuleError> {
    match get(args, key) {
        None => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(Value::Float(f)) if f.fract() == 0.0 => Ok(Some(*f as i64)),
        Some(v @ (Value::Str(s) | Value::Unsafe(s))) => s.trim().parse().map(Some).map_err(|_| {
            ModuleError::new(format!(
                "argument '{key}' is of type {} and we were unable to convert to int: \
                 {} cannot be converted to an int",
                v.python_type_name(),
                crate::output::python_repr::repr(v)
            ))
        }),
        Some(v) => Err(ModuleError::new(format!(
            "argument '{key}' is of type {} and we were unable to convert to int",
            v.python_type_name()
        ))),
    }
}

/// ARGS with each alias renamed to its option (`(alias, option)` pairs), as Ansible's
/// argument spec does before validating.
pub fn canonical(args: &Map, aliases: &[(&str, &str)]) -> Map {
    args.iter()
        .map(|(k, v)| {
            let name = k.as_str().unwrap_or_default();
            match aliases.iter().find(|(a, _)| *a == name) {
                Some((_, option)) => (Key::from(*option), v.clone()),
                None => (k.clone(), v.clone()),
            }
        })
        .collect()
}
