//! Python's `str()` and `repr()` of variable values, as `ansible-inventory --graph --vars`
//! prints them.

use super::float_repr::python_float_repr;
use crate::vars::{Key, Value};

/// `str(value)`: strings bare, everything else as `repr`.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::Str(s) | Value::Unsafe(s) => s.clone(),
        Value::Timestamp(t) => t.python_str(),
        other => repr(other),
    }
}

pub fn repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(i) => i.to_string(),
        Value::BigInt(s) => s.clone(),
        Value::Float(f) => python_float_repr(*f),
        Value::Str(s) | Value::Unsafe(s) => repr_str(s),
        Value::Timestamp(t) => match &t.time {
            None => format!("datetime.date({}, {}, {})", t.year, t.month, t.day),
            Some(tm) => {
                let mut out = format!(
                    "datetime.datetime({}, {}, {}, {}, {}",
                    t.year, t.month, t.day, tm.hour, tm.minute
                );
                if tm.second != 0 || tm.microsecond != 0 {
                    out.push_str(&format!(", {}", tm.second));
                }
                if tm.microsecond != 0 {
                    out.push_str(&format!(", {}", tm.microsecond));
                }
                if let Some(off) = tm.offset_minutes {
                    out.push_str(&format!(", tzinfo={}", repr_timezone(off)));
                }
                out.push(')');
                out
            }
        },
        Value::List(items) => {
            let inner: Vec<String> = items.iter().map(repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Map(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", repr_key(k), repr(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

fn repr_timezone(offset_minutes: i32) -> String {
    if offset_minutes == 0 {
        return "datetime.timezone.utc".into();
    }
    let secs = offset_minutes as i64 * 60;
    let (days, secs) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    if days == 0 {
        format!("datetime.timezone(datetime.timedelta(seconds={secs}))")
    } else {
        format!("datetime.timezone(datetime.timedelta(days={days}, seconds={secs}))")
    }
}

pub fn repr_key(key: &Key) -> String {
    match key {
        Key::Null => "None".into(),
        Key::Bool(true) => "True".into(),
        Key::Bool(false) => "False".into(),
        Key::Int(i) => i.to_string(),
        Key::Float(f) => f.clone(),
        Key::Str(s) => repr_str(s),
    }
}

/// Python's rule: single quotes unless the text has a single quote and no double quote.
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// An approximation of `str.isprintable()`: control and separator characters are not.
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c as u32, 0xAD | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_like_python() {
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("a\nb"), "'a\\nb'");
        assert_eq!(
            repr(&Value::List(vec![
                Value::Int(1),
                Value::Str("x".into()),
                Value::Null
            ])),
            "[1, 'x', None]"
        );
    }
}
