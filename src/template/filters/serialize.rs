//! `to_json`/`to_nice_json` writer, byte-compatible with Python's json.dumps.

use crate::output::float_repr::python_float_repr;
use crate::vars::{Key, Value};

/// Options of Python's `json.dumps` that Ansible's JSON filters use.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonStyle {
    pub indent: Option<usize>,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
}

pub(crate) fn json_dumps(value: &Value, style: JsonStyle) -> String {
    let mut out = String::new();
    write_json(&mut out, value, style, 0);
    out
}

fn json_newline(out: &mut String, style: JsonStyle, level: usize) {
    if let Some(width) = style.indent {
        out.push('\n');
        out.push_str(&" ".repeat(width * level));
    }
}

fn write_json(out: &mut String, value: &Value, style: JsonStyle, level: usize) {
    // json.dumps uses ', ' between items without indent, ',' with it.
    let item_sep = if style.indent.is_some() { "," } else { ", " };
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::BigInt(s) => out.push_str(s),
        Value::Float(f) if f.is_nan() => out.push_str("NaN"),
        Value::Float(f) if f.is_infinite() => {
            out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" })
        }
        Value::Float(f) => out.push_str(&python_float_repr(*f)),
        Value::Str(s) | Value::Unsafe(s) => json_string(out, s, style.ensure_ascii),
        Value::Timestamp(t) => json_string(out, &t.isoformat(), style.ensure_ascii),
        Value::List(items) if items.is_empty() => out.push_str("[]"),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                json_newline(out, style, level + 1);
                write_json(out, item, style, level + 1);
            }
            json_newline(out, style, level);
            out.push(']');
        }
        Value::Map(map) if map.is_empty() => out.push_str("{}"),
        Value::Map(map) => {
            let mut entries: Vec<(&Key, &Value)> = map.iter().collect();
            if style.sort_keys {
                entries.sort_by_key(|(k, _)| json_key(k));
            }
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                json_newline(out, style, level + 1);
                json_string(out, &json_key(k), style.ensure_ascii);
                out.push_str(": ");
                write_json(out, v, style, level + 1);
            }
            json_newline(out, style, level);
            out.push('}');
        }
    }
}

/// How json.dumps writes a non-string key.
fn json_key(key: &Key) -> String {
    match key {
        Key::Null => "null".into(),
        Key::Bool(b) => b.to_string(),
        Key::Int(i) => i.to_string(),
        Key::Float(f) => f.clone(),
        Key::Str(s) => s.clone(),
    }
}

fn json_string(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ensure_ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
