//! Conversion between roller's variable model and minijinja values.
//!
//! Python distinguishes int from float and keeps dict order and non-string keys; minijinja
//! does too (with the `preserve_order` feature), so the mapping is direct. Two roller kinds
//! have no minijinja twin:
//! - `Value::Unsafe` becomes a minijinja *safe* string. Autoescaping is off, so "safe"
//!   means nothing else to the engine, and the marker survives a round trip.
//! - `Value::Timestamp` (a YAML date) becomes an object that prints as Python's `str()`
//!   and converts back to the timestamp.

use std::fmt;
use std::sync::Arc;

use minijinja::value::{Object, Value as JValue, ValueKind};

use super::context::{HOSTVARS_TYPE_NAME, HostVarsVars, explain_lazy_item};
use super::error::TemplateError;
use super::omit::{OMIT_PLACEHOLDER, is_omit_value};
use crate::output::float_repr::python_float_repr;
use crate::vars::timestamp::Timestamp;
use crate::vars::{Key, Map, Value};

/// A roller value as a plain (non-lazy) minijinja value: strings are not rendered.
pub fn to_jinja(value: &Value) -> JValue {
    match value {
        Value::Null => JValue::from(()),
        Value::Bool(b) => JValue::from(*b),
        Value::Int(i) => JValue::from(*i),
        Value::BigInt(digits) => digits
            .parse::<i128>()
            .map(JValue::from)
            .unwrap_or_else(|_| JValue::from(digits.as_str())),
        Value::Float(f) => JValue::from(*f),
        Value::Str(s) => JValue::from(s.as_str()),
        Value::Unsafe(s) => JValue::from_safe_string(s.clone()),
        Value::Timestamp(t) => JValue::from_object(TimestampObject(*t)),
        Value::List(items) => items.iter().map(to_jinja).collect(),
        Value::Map(map) => {
            JValue::from_pairs(map.iter().map(|(k, v)| (key_to_jinja(k), to_jinja(v))))
        }
    }
}

pub fn key_to_jinja(key: &Key) -> JValue {
    match key {
        Key::Null => JValue::from(()),
        Key::Bool(b) => JValue::from(*b),
        Key::Int(i) => JValue::from(*i),
        Key::Float(f) => JValue::from(f.parse::<f64>().unwrap_or(f64::NAN)),
        Key::Str(s) => JValue::from(s.as_str()),
    }
}

/// A YAML timestamp inside templates (Python's `datetime.date` / `datetime.datetime`).
#[derive(Debug)]
struct TimestampObject(Timestamp);

impl Object for TimestampObject {
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.python_str())
    }
}

/// A minijinja value used as a dict key, as the roller key Python would have hashed.
pub fn key_from_jinja(value: &JValue) -> Result<Key, TemplateError> {
    Ok(match from_jinja(value)? {
        Value::Null => Key::Null,
        Value::Bool(b) => Key::Bool(b),
        Value::Int(i) => Key::Int(i),
        Value::BigInt(s) => Key::Str(s),
        Value::Float(f) => Key::Float(python_float_repr(f)),
        Value::Str(s) | Value::Unsafe(s) => Key::Str(s),
        Value::Timestamp(t) => Key::Str(t.python_str()),
        other @ (Value::List(_) | Value::Map(_)) => {
            return Err(TemplateError::runtime(format!(
                "unhashable type: '{}'",
                other.python_type_name()
            )));
        }
    })
}

/// A minijinja value back to a roller value. Lazy containers are walked (so rendered);
/// an undefined value anywhere is an error; `omit` inside containers is dropped, as
/// Ansible 2.19 does.
pub fn from_jinja(value: &JValue) -> Result<Value, TemplateError> {
    if is_omit_value(value) {
        return Ok(Value::Str(OMIT_PLACEHOLDER.to_string()));
    }
    if let Some(ts) = value.downcast_object_ref::<TimestampObject>() {
        return Ok(Value::Timestamp(ts.0));
    }
    Ok(match value.kind() {
        ValueKind::Undefined => {
            return Err(TemplateError::Undefined {
                name: "value".to_string(),
            });
        }
        ValueKind::None => Value::Null,
        ValueKind::Bool => Value::Bool(value.is_true()),
        ValueKind::Number => number_from_jinja(value),
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default().to_string();
            if value.is_safe() {
                Value::Unsafe(text)
            } else {
                Value::Str(text)
            }
        }
        ValueKind::Bytes => {
            Value::Str(String::from_utf8_lossy(value.as_bytes().unwrap_or_default()).into_owned())
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let mut items = Vec::new();
            for (index, item) in value.try_iter().map_err(jinja_runtime)?.enumerate() {
                if is_omit_value(&item) {
                    continue;
                }
                if item.is_undefined()
                    && let Some(err) = explain_lazy_item(value, &JValue::from(index))
                {
                    return Err(err);
                }
                items.push(from_jinja(&item)?);
            }
            Value::List(items)
        }
        ValueKind::Map => {
            let mut map = Map::new();
            for key in value.try_iter().map_err(jinja_runtime)? {
                let item = value.get_item(&key).map_err(jinja_runtime)?;
                if is_omit_value(&item) {
                    continue;
                }
                if item.is_undefined()
                    && let Some(err) = explain_lazy_item(value, &key)
                {
                    return Err(err);
                }
                map.insert(key_from_jinja(&key)?, from_jinja(&item)?);
            }
            Value::Map(map)
        }
        ValueKind::Invalid => {
            // Forces the carried error out.
            return Err(match value.get_attr("__never__") {
                Err(e) => jinja_runtime(e),
                Ok(_) => TemplateError::runtime("invalid value"),
            });
        }
        _ => Value::Str(value.to_string()),
    })
}

fn number_from_jinja(value: &JValue) -> Value {
    if value.is_integer() {
        if let Some(i) = value.as_i64() {
            return Value::Int(i);
        }
        if let Ok(big) = i128::try_from(value.clone()) {
            return Value::BigInt(big.to_string());
        }
        return Value::BigInt(value.to_string());
    }
    Value::Float(f64::try_from(value.clone()).unwrap_or(f64::NAN))
}

fn jinja_runtime(err: minijinja::Error) -> TemplateError {
    TemplateError::runtime(err.to_string())
}

/// Python's `str()` of a template value, as Jinja writes it into mixed text.
pub fn python_str_of(value: &JValue) -> Result<String, TemplateError> {
    if let Some(s) = value.as_str() {
        return Ok(s.to_string());
    }
    Ok(crate::output::python_repr::python_str(&from_jinja(value)?))
}

/// Python's type name of a template value, for messages.
pub fn python_type_name(value: &JValue) -> &'static str {
    if value.downcast_object_ref::<HostVarsVars>().is_some() {
        return HOSTVARS_TYPE_NAME;
    }
    if let Some(ts) = value.downcast_object_ref::<TimestampObject>() {
        return if ts.0.time.is_none() {
            "date"
        } else {
            "datetime"
        };
    }
    match value.kind() {
        ValueKind::Undefined => "AnsibleUndefined",
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if value.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq | ValueKind::Iterable => "list",
        ValueKind::Map => "dict",
        _ => "object",
    }
}
