//! YAML 1.1 implicit typing of plain scalars, exactly as PyYAML's `Resolver` and
//! `SafeConstructor` do it (Ansible reads YAML through PyYAML).
//!
//! YAML 1.2 parsers disagree with Ansible here: `yes`, `on` and `off` are booleans,
//! `0644` is octal, `1:30` is sexagesimal, and `1e3` (no dot) is a string.

use std::sync::LazyLock;

use regex::Regex;

use crate::vars::Value;
use crate::vars::timestamp::parse_timestamp;

static BOOL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
        .expect("static regex")
});
static FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?",
        r"|\.[0-9_]+(?:[eE][-+][0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
        r"|[-+]?\.(?:inf|Inf|INF)",
        r"|\.(?:nan|NaN|NAN))$"
    ))
    .expect("static regex")
});
static INT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:[-+]?0b[0-1_]+",
        r"|[-+]?0[0-7_]+",
        r"|[-+]?(?:0|[1-9][0-9_]*)",
        r"|[-+]?0x[0-9a-fA-F_]+",
        r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
    ))
    .expect("static regex")
});
static NULL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:~|null|Null|NULL|)$").expect("static regex"));
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]",
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?",
        r"(?:[Tt]|[ \t]+)[0-9][0-9]?",
        r":[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?",
        r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"
    ))
    .expect("static regex")
});

/// The implicit tag PyYAML gives a plain scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImplicitTag {
    Bool,
    Float,
    Int,
    Merge,
    Null,
    Timestamp,
    /// `=`: PyYAML resolves it to `tag:yaml.org,2002:value`, which SafeLoader cannot construct.
    ValueTag,
    Str,
}

/// Resolve a plain scalar's tag. PyYAML picks resolvers by the first character, in the
/// order they were registered; the first whose pattern matches wins.
pub fn resolve(text: &str) -> ImplicitTag {
    let first = text.chars().next();
    let candidates: &[ImplicitTag] = match first {
        None => &[ImplicitTag::Null],
        Some('y' | 'Y' | 'o' | 'O' | 't' | 'T' | 'f' | 'F') => &[ImplicitTag::Bool],
        Some('n' | 'N') => &[ImplicitTag::Bool, ImplicitTag::Null],
        Some('-' | '+') => &[ImplicitTag::Float, ImplicitTag::Int],
        Some('0'..='9') => &[ImplicitTag::Float, ImplicitTag::Int, ImplicitTag::Timestamp],
        Some('.') => &[ImplicitTag::Float],
        Some('<') => &[ImplicitTag::Merge],
        Some('~') => &[ImplicitTag::Null],
        Some('=') => &[ImplicitTag::ValueTag],
        _ => &[],
    };
    for tag in candidates {
        let hit = match tag {
            ImplicitTag::Bool => BOOL.is_match(text),
            ImplicitTag::Float => FLOAT.is_match(text),
            ImplicitTag::Int => INT.is_match(text),
            ImplicitTag::Merge => text == "<<",
            ImplicitTag::Null => NULL.is_match(text),
            ImplicitTag::Timestamp => TIMESTAMP.is_match(text),
            ImplicitTag::ValueTag => text == "=",
            ImplicitTag::Str => false,
        };
        if hit {
            return *tag;
        }
    }
    ImplicitTag::Str
}

/// `construct_yaml_bool`.
pub fn construct_bool(text: &str) -> Result<Value, String> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Ok(Value::Bool(true)),
        "no" | "false" | "off" => Ok(Value::Bool(false)),
        _ => Err(format!("cannot read {text:?} as a boolean")),
    }
}

/// `construct_yaml_null`.
pub fn construct_null(_text: &str) -> Result<Value, String> {
    Ok(Value::Null)
}

fn int_from_i128(v: i128) -> Value {
    match i64::try_from(v) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::BigInt(v.to_string()),
    }
}

/// `construct_yaml_int`.
pub fn construct_int(text: &str) -> Result<Value, String> {
    let err = || format!("invalid integer {text:?}");
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    let (sign, body) = match cleaned.chars().next() {
        Some('-') => (-1i128, &cleaned[1..]),
        Some('+') => (1, &cleaned[1..]),
        _ => (1, &cleaned[..]),
    };
    if body == "0" {
        return Ok(Value::Int(0));
    }
    let parsed = if let Some(bin) = body.strip_prefix("0b") {
        i128::from_str_radix(bin, 2).map_err(|_| err())?
    } else if let Some(hex) = body.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).map_err(|_| err())?
    } else if body.starts_with('0') {
        i128::from_str_radix(body, 8).map_err(|_| err())?
    } else if body.contains(':') {
        let mut total: i128 = 0;
        for part in body.split(':') {
            let digit: i128 = part.parse().map_err(|_| err())?;
            total = total
                .checked_mul(60)
                .and_then(|t| t.checked_add(digit))
                .ok_or_else(err)?;
        }
        total
    } else {
        match body.parse::<i128>() {
            Ok(v) => v,
            Err(_) if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) => {
                let digits = body.trim_start_matches('0');
                let sign = if sign < 0 { "-" } else { "" };
                return Ok(Value::BigInt(format!("{sign}{digits}")));
            }
            Err(_) => return Err(err()),
        }
    };
    Ok(int_from_i128(sign * parsed))
}

/// `construct_yaml_float`.
pub fn construct_float(text: &str) -> Result<Value, String> {
    let err = || format!("invalid float {text:?}");
    let cleaned: String = text
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_lowercase();
    let (sign, body) = match cleaned.chars().next() {
        Some('-') => (-1.0, &cleaned[1..]),
        Some('+') => (1.0, &cleaned[1..]),
        _ => (1.0, &cleaned[..]),
    };
    if body == ".inf" {
        return Ok(Value::Float(sign * f64::INFINITY));
    }
    if body == ".nan" {
        return Ok(Value::Float(f64::NAN));
    }
    if body.contains(':') {
        let mut total = 0.0f64;
        for part in body.split(':') {
            let digit: f64 = part.parse().map_err(|_| err())?;
            total = total * 60.0 + digit;
        }
        return Ok(Value::Float(sign * total));
    }
    // Rust accepts "1." and ".5" like Python's float(), but also "inf"/"nan", which the
    // resolver never hands us here.
    let v: f64 = body.parse().map_err(|_| err())?;
    Ok(Value::Float(sign * v))
}

/// `construct_yaml_timestamp`.
pub fn construct_timestamp(text: &str) -> Result<Value, String> {
    if !TIMESTAMP.is_match(text) {
        return Err(format!("invalid timestamp {text:?}"));
    }
    parse_timestamp(text).map(Value::Timestamp)
}

/// Construct a plain scalar with its implicit type.
pub fn construct_plain(text: &str) -> Result<Value, String> {
    match resolve(text) {
        ImplicitTag::Bool => construct_bool(text),
        ImplicitTag::Float => construct_float(text),
        ImplicitTag::Int => construct_int(text),
        ImplicitTag::Null => construct_null(text),
        ImplicitTag::Timestamp => construct_timestamp(text),
        ImplicitTag::Merge | ImplicitTag::Str => Ok(Value::Str(text.to_string())),
        ImplicitTag::ValueTag => {
            Err("could not determine a constructor for the tag 'tag:yaml.org,2002:value'".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Value {
        construct_plain(s).unwrap()
    }

    #[test]
    fn yaml_1_1_booleans_are_case_limited() {
        assert_eq!(plain("yes"), Value::Bool(true));
        assert_eq!(plain("OFF"), Value::Bool(false));
        assert_eq!(plain("yEs"), Value::Str("yEs".into()));
    }

    #[test]
    fn numbers_follow_pyyaml() {
        assert_eq!(plain("0644"), Value::Int(420));
        assert_eq!(plain("0x1F"), Value::Int(31));
        assert_eq!(plain("0b101"), Value::Int(5));
        assert_eq!(plain("1:30"), Value::Int(90));
        assert_eq!(plain("1_000"), Value::Int(1000));
        assert_eq!(plain("1e3"), Value::Str("1e3".into()));
        assert_eq!(plain("1.0e+3"), Value::Float(1000.0));
        assert_eq!(plain("0o17"), Value::Str("0o17".into()));
        assert_eq!(plain("09"), Value::Str("09".into()));
        assert_eq!(plain("~"), Value::Null);
        assert_eq!(plain(""), Value::Null);
    }
}
