//! A task result as the report files show it: `no_log` results censored as Ansible's
//! callbacks censor them, internal `_ansible_*` keys removed.

use super::default_callback::{censor, strip_internal};
use crate::vars::{Key, Map, Value};

/// What a report may write of RESULT.
pub fn public_result(result: &Map) -> Map {
    if is_no_log(result) {
        strip_internal(&censor(result))
    } else {
        strip_internal(result)
    }
}

pub fn is_no_log(result: &Map) -> bool {
    matches!(
        result.get(&Key::from("_ansible_no_log")),
        Some(Value::Bool(true))
    )
}

/// The host a result line is for: its label without ` -> delegate`.
pub fn host_of(label: &str) -> &str {
    label.split_once(" -> ").map_or(label, |(h, _)| h)
}

/// The result's message (`msg`), as Python's `str` prints it, or "".
pub fn message(result: &Map) -> String {
    result
        .get(&Key::from("msg"))
        .map(crate::output::python_repr::python_str)
        .unwrap_or_default()
}

/// A vars value as JSON (dates as their ISO text, big integers as numbers when they fit).
pub fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::BigInt(s) => s
            .parse::<serde_json::Number>()
            .map(J::Number)
            .unwrap_or_else(|_| J::String(s.clone())),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or(J::Null),
        Value::Str(s) | Value::Unsafe(s) => J::String(s.clone()),
        Value::Timestamp(_) => J::String(crate::output::python_repr::python_str(v)),
        Value::List(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, v)| (key_text(k), to_json(v))).collect()),
    }
}

/// A key as JSON's `json.dumps` writes a non-string key.
fn key_text(k: &Key) -> String {
    match k {
        Key::Str(s) => s.clone(),
        Key::Null => "null".into(),
        Key::Bool(b) => b.to_string(),
        Key::Int(i) => i.to_string(),
        Key::Float(f) => f.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_log_results_keep_nothing_the_task_returned() {
        let mut r = Map::new();
        r.insert("changed".into(), Value::Bool(true));
        r.insert("password".into(), Value::Str("s3cret".into()));
        r.insert("_ansible_no_log".into(), Value::Bool(true));
        let shown = public_result(&r);
        let text = serde_json::to_string(&to_json(&Value::Map(shown))).unwrap();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("censored"), "{text}");
        assert!(!text.contains("_ansible"), "{text}");
    }
}
