//! Serialization, base64 and hashing filters.

use base64::Engine;
use md5::Md5;
use minijinja::value::{Kwargs, Value as JValue};
use minijinja::{Environment, Error as JError, ErrorKind};
use sha1::{Digest, Sha1};
use sha2::{Sha224, Sha256, Sha384, Sha512};

use super::serialize::{JsonStyle, YamlStyle, json_dumps, yaml_dump};
use super::{arg, fail, ret};
use crate::output::python_repr::python_str;
use crate::vars::{Key, Map, Value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("from_json", from_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("hash", hash);
    env.add_filter("checksum", |v: &JValue| hash(v, Some("sha1".into())));
    env.add_filter("sha1", |v: &JValue| hash(v, Some("sha1".into())));
    env.add_filter("md5", |v: &JValue| hash(v, Some("md5".into())));
}

fn defined(value: &JValue) -> Result<Value, JError> {
    if value.is_undefined() {
        return Err(JError::new(
            ErrorKind::UndefinedError,
            "undefined filter input",
        ));
    }
    arg(value)
}

fn to_json(value: &JValue, kwargs: Kwargs) -> Result<String, JError> {
    let indent = kwargs.get::<Option<usize>>("indent")?;
    let sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(false);
    let ensure_ascii = kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true);
    Ok(json_dumps(
        &defined(value)?,
        JsonStyle {
            indent,
            sort_keys,
            ensure_ascii,
        },
    ))
}

fn to_nice_json(value: &JValue, kwargs: Kwargs) -> Result<String, JError> {
    let indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(4);
    let sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(true);
    let ensure_ascii = kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true);
    Ok(json_dumps(
        &defined(value)?,
        JsonStyle {
            indent: Some(indent),
            sort_keys,
            ensure_ascii,
        },
    ))
}

fn from_json(value: &JValue) -> Result<JValue, JError> {
    let text = python_str(&defined(value)?);
    let parsed: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("Expecting value: {e}")))?;
    Ok(ret(&from_serde(parsed)))
}

fn from_serde(value: serde_json::Value) -> Value {
    use serde_json::Value as J;
    match value {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Int(i),
            _ if n.is_u64() => Value::BigInt(n.to_string()),
            (None, Some(f)) => Value::Float(f),
            _ => Value::BigInt(n.to_string()),
        },
        J::String(s) => Value::Str(s),
        J::Array(items) => Value::List(items.into_iter().map(from_serde).collect()),
        J::Object(map) => Value::Map(
            map.into_iter()
                .map(|(k, v)| (Key::Str(k), from_serde(v)))
                .collect::<Map>(),
        ),
    }
}

fn to_yaml(value: &JValue, kwargs: Kwargs) -> Result<String, JError> {
    let indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(2);
    Ok(yaml_dump(
        &defined(value)?,
        YamlStyle {
            indent,
            block_always: false,
        },
    ))
}

fn to_nice_yaml(value: &JValue, kwargs: Kwargs) -> Result<String, JError> {
    let indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(4);
    Ok(yaml_dump(
        &defined(value)?,
        YamlStyle {
            indent,
            block_always: true,
        },
    ))
}

fn from_yaml(value: &JValue) -> Result<JValue, JError> {
    let text = python_str(&defined(value)?);
    let loaded = crate::yaml::load_yaml(&text).map_err(|e| fail(e.to_string()))?;
    Ok(ret(&loaded.value.unwrap_or(Value::Null)))
}

fn b64encode(value: &JValue) -> Result<String, JError> {
    let text = python_str(&defined(value)?);
    Ok(base64::engine::general_purpose::STANDARD.encode(text.as_bytes()))
}

fn b64decode(value: &JValue) -> Result<String, JError> {
    let text = python_str(&defined(value)?);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim().as_bytes())
        .map_err(|e| fail(format!("Incorrect padding or invalid base64: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `hash(hashtype='sha1')` of the UTF-8 text.
fn hash(value: &JValue, hashtype: Option<String>) -> Result<String, JError> {
    let text = python_str(&defined(value)?);
    let data = text.as_bytes();
    Ok(match hashtype.as_deref().unwrap_or("sha1") {
        "sha1" => hex(&Sha1::digest(data)),
        "md5" => hex(&Md5::digest(data)),
        "sha224" => hex(&Sha224::digest(data)),
        "sha256" => hex(&Sha256::digest(data)),
        "sha384" => hex(&Sha384::digest(data)),
        "sha512" => hex(&Sha512::digest(data)),
        other => return Err(fail(format!("unsupported hash type {other}"))),
    })
}
