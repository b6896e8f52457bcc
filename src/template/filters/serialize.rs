//! `to_json`/`to_nice_json`/`to_yaml`/`to_nice_yaml` writers, byte-compatible with
//! Python's json.dumps and PyYAML's dump for the values templates produce.

use crate::output::float_repr::python_float_repr;
use crate::vars::{Key, Value};
use crate::yaml::resolver::{ImplicitTag, resolve};

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

/// PyYAML `dump` styles: `to_yaml` (flow style for collections of scalars, indent 2) and
/// `to_nice_yaml` (block style everywhere, indent 4). Keys are sorted, as PyYAML does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YamlStyle {
    pub indent: usize,
    pub block_always: bool,
}

pub(crate) fn yaml_dump(value: &Value, style: YamlStyle) -> String {
    let mut out = String::new();
    if is_collection(value) && !is_empty_collection(value) && !uses_flow(value, style) {
        write_block(&mut out, value, style, 0);
    } else {
        out.push_str(&block_scalar(value));
        out.push('\n');
    }
    out
}

fn is_collection(v: &Value) -> bool {
    matches!(v, Value::List(_) | Value::Map(_))
}

fn is_empty_collection(v: &Value) -> bool {
    match v {
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// With default_flow_style=None PyYAML writes a collection in flow style when it holds
/// no collections.
fn uses_flow(v: &Value, style: YamlStyle) -> bool {
    if is_empty_collection(v) {
        return true;
    }
    if style.block_always {
        return false;
    }
    match v {
        Value::List(l) => !l.iter().any(is_collection),
        Value::Map(m) => !m.values().any(is_collection),
        _ => true,
    }
}

fn sorted(map: &crate::vars::Map) -> Vec<(&Key, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn write_block(out: &mut String, value: &Value, style: YamlStyle, level: usize) {
    let pad = " ".repeat(level);
    match value {
        Value::Map(map) => {
            for (k, v) in sorted(map) {
                out.push_str(&pad);
                out.push_str(&yaml_key(k));
                out.push(':');
                write_block_child(out, v, style, level, true);
            }
        }
        Value::List(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                // PyYAML writes the first line of a nested block right after "- ".
                let gap = style.indent.saturating_sub(1).max(1);
                if is_collection(item) && !uses_flow(item, style) {
                    out.push_str(&" ".repeat(gap));
                    let mut nested = String::new();
                    write_block(&mut nested, item, style, level + gap + 1);
                    out.push_str(nested.trim_start());
                } else {
                    // Scalars (and flow collections) follow "- " directly.
                    out.push(' ');
                    out.push_str(&block_scalar(item));
                    out.push('\n');
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&block_scalar(other));
            out.push('\n');
        }
    }
}

fn write_block_child(out: &mut String, v: &Value, style: YamlStyle, level: usize, in_map: bool) {
    if is_collection(v) && !uses_flow(v, style) {
        out.push('\n');
        // PyYAML does not indent a sequence that is a mapping value.
        let child_level = match v {
            Value::List(_) if in_map => level,
            _ => level + style.indent,
        };
        write_block(out, v, style, child_level);
    } else {
        out.push(' ');
        out.push_str(&block_scalar(v));
        out.push('\n');
    }
}

/// A value written outside flow collections, where `,[]{}` need no quoting.
fn block_scalar(v: &Value) -> String {
    match v {
        Value::Str(s) | Value::Unsafe(s) => yaml_string(s, false),
        other => flow(other),
    }
}

fn flow(v: &Value) -> String {
    match v {
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Map(map) => {
            let parts: Vec<String> = sorted(map)
                .into_iter()
                .map(|(k, v)| format!("{}: {}", yaml_key(k), flow(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => yaml_scalar(other),
    }
}

fn yaml_key(k: &Key) -> String {
    match k {
        Key::Str(s) => yaml_string(s, true),
        other => yaml_scalar(&Value::from_key(other)),
    }
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Int(i) => i.to_string(),
        Value::BigInt(s) => s.clone(),
        Value::Float(f) if f.is_nan() => ".nan".into(),
        Value::Float(f) if f.is_infinite() => if *f > 0.0 { ".inf" } else { "-.inf" }.into(),
        Value::Float(f) => {
            let r = python_float_repr(*f);
            if !r.contains('.') && r.contains('e') {
                r.replacen('e', ".0e", 1)
            } else {
                r
            }
        }
        Value::Str(s) | Value::Unsafe(s) => yaml_string(s, true),
        Value::Timestamp(t) => t.isoformat(),
        Value::List(_) | Value::Map(_) => flow(v),
    }
}

/// PyYAML's choice of scalar style: plain when it reads back as the same string, single
/// quotes when only printable characters are involved, double quotes otherwise.
fn yaml_string(s: &str, in_flow: bool) -> String {
    let printable = s.chars().all(|c| c == ' ' || !c.is_control());
    if !printable || s.contains('\n') {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        return out;
    }
    if plain_allowed(s, in_flow) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "''"))
}

fn plain_allowed(s: &str, in_flow: bool) -> bool {
    if s.is_empty() || resolve(s) != ImplicitTag::Str {
        return false;
    }
    if s.starts_with(' ') || s.ends_with(' ') {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return false;
    }
    if "-?:".contains(first) {
        // An indicator followed by a space (or alone) starts a structure.
        let second = s.chars().nth(1);
        if second.is_none_or(|c| c == ' ') {
            return false;
        }
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    // Inside flow collections these would end the scalar.
    !(in_flow && s.contains([',', '[', ']', '{', '}']))
}
