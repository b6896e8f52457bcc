//! JSON exactly as Python's `json.dumps(obj, sort_keys=True, indent=4, ensure_ascii=False)`
//! writes it, which is what ansible-inventory prints. Byte-for-byte equality lets the
//! differential tests compare whole outputs.

use super::float_repr::python_float_repr;
use crate::vars::{Key, Value};

/// How to write strings that must never be templated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsafeStrings {
    /// `{"__ansible_unsafe": "..."}`, as `ansible-inventory --list` writes host variables.
    Wrapped,
    /// Plain strings, as `ansible-inventory --host` writes them.
    Plain,
}

pub fn to_python_json(value: &Value, unsafe_strings: UnsafeStrings) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0, unsafe_strings, false);
    out
}

/// `json.dumps(obj, sort_keys=True, ensure_ascii=False)` without indentation: one line with
/// `, ` and `: ` separators, as Ansible prints failed results.
pub fn to_python_json_line(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0, UnsafeStrings::Plain, true);
    out
}

/// Between items: a newline and indentation, or (compact) a space after the comma.
fn separator(out: &mut String, level: usize, compact: bool, first: bool) {
    if compact {
        if !first {
            out.push(' ');
        }
    } else {
        newline(out, level);
    }
}

fn newline(out: &mut String, level: usize) {
    out.push('\n');
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn write_value(
    out: &mut String,
    value: &Value,
    level: usize,
    unsafe_strings: UnsafeStrings,
    compact: bool,
) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::BigInt(s) => out.push_str(s),
        Value::Float(f) => out.push_str(&json_float(*f)),
        Value::Str(s) => write_str(out, s),
        Value::Unsafe(s) => match unsafe_strings {
            UnsafeStrings::Plain => write_str(out, s),
            UnsafeStrings::Wrapped => {
                out.push('{');
                newline(out, level + 1);
                write_str(out, "__ansible_unsafe");
                out.push_str(": ");
                write_str(out, s);
                newline(out, level);
                out.push('}');
            }
        },
        Value::Timestamp(t) => write_str(out, &t.isoformat()),
        Value::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                separator(out, level + 1, compact, i == 0);
                write_value(out, item, level + 1, unsafe_strings, compact);
            }
            if !compact {
                newline(out, level);
            }
            out.push(']');
        }
        Value::Map(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut entries: Vec<(&Key, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                separator(out, level + 1, compact, i == 0);
                write_str(out, &json_key(k));
                out.push_str(": ");
                write_value(out, v, level + 1, unsafe_strings, compact);
            }
            if !compact {
                newline(out, level);
            }
            out.push('}');
        }
    }
}

fn json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        python_float_repr(f)
    }
}

fn json_key(key: &Key) -> String {
    match key {
        Key::Null => "null".into(),
        Key::Bool(b) => if *b { "true" } else { "false" }.into(),
        Key::Int(i) => i.to_string(),
        Key::Float(f) => match f.as_str() {
            "inf" => "Infinity".into(),
            "-inf" => "-Infinity".into(),
            "nan" => "NaN".into(),
            _ => f.clone(),
        },
        Key::Str(s) => s.clone(),
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vars::Map;

    #[test]
    fn layout_matches_python_indent_4() {
        let mut m = Map::new();
        m.insert(
            Key::from("b"),
            Value::List(vec![Value::Int(1), Value::Float(1e16)]),
        );
        m.insert(Key::from("a"), Value::Unsafe("{{ x }}".into()));
        m.insert(Key::from("c"), Value::Map(Map::new()));
        let text = to_python_json(&Value::Map(m), UnsafeStrings::Wrapped);
        assert_eq!(
            text,
            "{\n    \"a\": {\n        \"__ansible_unsafe\": \"{{ x }}\"\n    },\n    \"b\": [\n        1,\n        1e+16\n    ],\n    \"c\": {}\n}"
        );
    }
}
