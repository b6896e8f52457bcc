//! A block-style YAML writer for `--yaml`. Its output reads back (as YAML 1.1) to the same
//! values that ansible-inventory's PyYAML dump reads back to; the exact layout differs.

use super::float_repr::python_float_repr;
use crate::vars::{Key, Value};
use crate::yaml::resolver::{ImplicitTag, resolve};

pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Map(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::List(l) if !l.is_empty() => write_list(&mut out, l, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_map(out: &mut String, map: &crate::vars::Map, level: usize) {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in entries {
        indent(out, level);
        out.push_str(&key(k));
        out.push(':');
        write_child(out, v, level);
    }
}

fn write_list(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        write_child(out, item, level);
    }
}

fn write_child(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Map(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, level + 1);
        }
        Value::List(l) if !l.is_empty() => {
            out.push('\n');
            write_list(out, l, level + 1);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn key(k: &Key) -> String {
    match k {
        Key::Str(s) => string(s),
        other => scalar(&Value::from_key(other)),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Int(i) => i.to_string(),
        Value::BigInt(s) => s.clone(),
        Value::Float(f) if f.is_nan() => ".nan".into(),
        Value::Float(f) if f.is_infinite() => if *f > 0.0 { ".inf" } else { "-.inf" }.into(),
        Value::Float(f) => {
            // YAML 1.1 floats need a dot: PyYAML writes 1e+16 as 1.0e+16.
            let r = python_float_repr(*f);
            if !r.contains('.') && r.contains('e') {
                r.replacen('e', ".0e", 1)
            } else {
                r
            }
        }
        Value::Str(s) | Value::Unsafe(s) => string(s),
        Value::Timestamp(t) => t.isoformat(),
        Value::List(_) => "[]".into(),
        Value::Map(_) => "{}".into(),
    }
}

/// Plain when YAML 1.1 reads it back as the same string, double-quoted otherwise.
fn string(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && resolve(s) == ImplicitTag::Str
        && s.chars()
            .all(|c| c.is_alphanumeric() || "_-./@".contains(c))
        && !s.starts_with(['-', '.', '@']);
    if plain_ok {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load_yaml;

    #[test]
    fn round_trips_tricky_scalars() {
        let src = "a: 'yes'\nb: '0644'\nc: 1.0e+16\nd: ''\ne: \"x: y\"\nf: [1, {g: ~}]\nh: '- x'\n";
        let v = load_yaml(src).unwrap().value.unwrap();
        let again = load_yaml(&to_yaml(&v)).unwrap().value.unwrap();
        assert_eq!(v, again);
    }
}
