//! Type conversions, choice, mandatory, shell quoting and flattening.

use minijinja::value::{Kwargs, Value as JValue, ValueKind};
use minijinja::{Environment, Error as JError, ErrorKind};

use super::{arg, fail};
use crate::output::python_repr::python_str;
use crate::vars::Value;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("bool", to_bool);
    env.add_filter("ternary", ternary);
    env.add_filter("mandatory", mandatory);
    env.add_filter("int", to_int);
    env.add_filter("float", to_float);
    env.add_filter("string", to_string);
    env.add_filter("quote", quote);
    env.add_filter("flatten", flatten);
    env.add_filter("list", to_list);
    env.add_filter("type_debug", type_debug);
}

pub(crate) const MANDATORY_MARKER: &str = "Mandatory variable not defined.";

pub(super) fn require_defined(value: &JValue) -> Result<(), JError> {
    if value.is_undefined() {
        return Err(JError::new(
            ErrorKind::UndefinedError,
            "undefined filter input",
        ));
    }
    Ok(())
}

/// Ansible's `bool`: the YAML 1.1 / ini spellings of true, everything else false.
fn to_bool(value: &JValue) -> Result<bool, JError> {
    require_defined(value)?;
    Ok(match arg(value)? {
        Value::Bool(b) => b,
        Value::Null => false,
        Value::Int(i) => i == 1,
        Value::Float(f) => f == 1.0,
        Value::Str(s) | Value::Unsafe(s) => {
            matches!(
                s.trim().to_lowercase().as_str(),
                "yes" | "on" | "1" | "true" | "y" | "t"
            )
        }
        _ => false,
    })
}

fn ternary(
    value: &JValue,
    true_value: JValue,
    false_value: JValue,
    none_value: Option<JValue>,
) -> Result<JValue, JError> {
    require_defined(value)?;
    if value.is_none()
        && let Some(none_value) = none_value
        && !none_value.is_none()
    {
        return Ok(none_value);
    }
    Ok(if value.is_true() {
        true_value
    } else {
        false_value
    })
}

fn mandatory(value: JValue, msg: Option<String>) -> Result<JValue, JError> {
    if value.is_undefined() {
        // Without a message, render.rs names the variable (the filter cannot see it).
        let message = msg.unwrap_or_else(|| MANDATORY_MARKER.to_string());
        return Err(JError::new(ErrorKind::UndefinedError, message));
    }
    Ok(value)
}

/// Jinja's `int`: int(value), else int(float(value)), else the default (0).
fn to_int(
    value: &JValue,
    default: Option<JValue>,
    base: Option<u32>,
    kwargs: Kwargs,
) -> Result<JValue, JError> {
    require_defined(value)?;
    let default = match default {
        Some(d) => d,
        None => kwargs
            .get::<Option<JValue>>("default")?
            .unwrap_or(JValue::from(0)),
    };
    let base = match base {
        Some(b) => b,
        None => kwargs.get::<Option<u32>>("base")?.unwrap_or(10),
    };
    kwargs.assert_all_used()?;
    Ok(match arg(value)? {
        Value::Bool(b) => JValue::from(b as i64),
        Value::Int(i) => JValue::from(i),
        v @ Value::BigInt(_) => super::ret(&v),
        Value::Float(f) if f.is_finite() => JValue::from(f.trunc() as i64),
        Value::Str(s) | Value::Unsafe(s) => {
            let text = s.trim().replace('_', "");
            let digits = if base == 16 {
                text.trim_start_matches("0x")
                    .trim_start_matches("0X")
                    .to_string()
            } else {
                text.clone()
            };
            if let Ok(i) = i64::from_str_radix(&digits, base) {
                JValue::from(i)
            } else if base == 10
                && let Ok(f) = text.parse::<f64>()
                && f.is_finite()
            {
                JValue::from(f.trunc() as i64)
            } else {
                default
            }
        }
        _ => default,
    })
}

fn to_float(value: &JValue, default: Option<JValue>) -> Result<JValue, JError> {
    require_defined(value)?;
    let default = default.unwrap_or(JValue::from(0.0));
    Ok(match arg(value)? {
        Value::Bool(b) => JValue::from(if b { 1.0 } else { 0.0 }),
        Value::Int(i) => JValue::from(i as f64),
        Value::Float(f) => JValue::from(f),
        Value::Str(s) | Value::Unsafe(s) => {
            let t = s.trim().to_lowercase();
            match t.as_str() {
                "inf" | "+inf" | "infinity" => JValue::from(f64::INFINITY),
                "-inf" | "-infinity" => JValue::from(f64::NEG_INFINITY),
                "nan" => JValue::from(f64::NAN),
                _ => t
                    .replace('_', "")
                    .parse::<f64>()
                    .map(JValue::from)
                    .unwrap_or(default),
            }
        }
        _ => default,
    })
}

/// Python's `str()`.
fn to_string(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    Ok(python_str(&arg(value)?))
}

/// Python's `list()`: a string becomes its characters, a dict its keys.
fn to_list(value: &JValue) -> Result<JValue, JError> {
    require_defined(value)?;
    if let Some(s) = value.as_str() {
        return Ok(s.chars().map(|c| JValue::from(c.to_string())).collect());
    }
    match value.kind() {
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => {
            Ok(value.try_iter()?.collect::<Vec<_>>().into())
        }
        _ => Err(fail(format!(
            "'{}' object is not iterable",
            super::super::convert::python_type_name(value)
        ))),
    }
}

/// `shlex.quote`.
fn quote(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let s = match arg(value)? {
        Value::Null => String::new(),
        other => python_str(&other),
    };
    if s.is_empty() {
        return Ok("''".to_string());
    }
    let safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c));
    if safe {
        return Ok(s);
    }
    Ok(format!("'{}'", s.replace('\'', "'\"'\"'")))
}

/// Ansible's `flatten(levels=None, skip_nulls=True)`.
fn flatten(value: &JValue, levels: Option<JValue>, kwargs: Kwargs) -> Result<JValue, JError> {
    require_defined(value)?;
    let levels = match levels {
        Some(l) => Some(l),
        None => kwargs.get::<Option<JValue>>("levels")?,
    }
    .filter(|l| !l.is_none())
    .and_then(|l| l.as_i64());
    let skip_nulls = kwargs.get::<Option<bool>>("skip_nulls")?.unwrap_or(true);
    kwargs.assert_all_used()?;
    let Value::List(items) = arg(value)? else {
        return Err(fail("flatten expects a list"));
    };
    let mut out = Vec::new();
    flatten_into(&mut out, items, levels, skip_nulls);
    Ok(super::ret(&Value::List(out)))
}

fn flatten_into(out: &mut Vec<Value>, items: Vec<Value>, levels: Option<i64>, skip_nulls: bool) {
    for item in items {
        match item {
            Value::Null if skip_nulls => {}
            Value::Str(ref s) if skip_nulls && s == "None" => {}
            Value::List(inner) if levels.is_none_or(|l| l > 0) => {
                flatten_into(out, inner, levels.map(|l| l - 1), skip_nulls)
            }
            other => out.push(other),
        }
    }
}

fn type_debug(value: &JValue) -> String {
    super::super::convert::python_type_name(value).to_string()
}
