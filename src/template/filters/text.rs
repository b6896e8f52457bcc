//! Text filters: Python string operations, Jinja's text helpers and byte sizes.

use minijinja::value::{Kwargs, Value as JValue};
use minijinja::{Environment, Error as JError};

use super::core::require_defined;
use super::{arg, fail};
use crate::output::python_repr::python_str;
use crate::vars::Value;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("replace", replace);
    env.add_filter("wordcount", wordcount);
    env.add_filter("truncate", truncate);
    env.add_filter("center", center);
    env.add_filter("human_to_bytes", human_to_bytes);
    env.add_filter("human_readable", human_readable);
}

const SIZE_UNITS: &[(char, u32)] = &[
    ('Y', 80),
    ('Z', 70),
    ('E', 60),
    ('P', 50),
    ('T', 40),
    ('G', 30),
    ('M', 20),
    ('K', 10),
    ('B', 0),
];

/// `human_to_bytes('10M')` = 10485760.
fn human_to_bytes(
    value: &JValue,
    default_unit: Option<String>,
    kwargs: Kwargs,
) -> Result<i64, JError> {
    require_defined(value)?;
    let isbits = kwargs.get::<Option<bool>>("isbits")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    let text = python_str(&arg(value)?);
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = (t[..split].trim(), t[split..].trim());
    let number: f64 = number.parse().map_err(|_| {
        fail(format!(
            "human_to_bytes() can't interpret following string: {text}"
        ))
    })?;
    let unit = if unit.is_empty() {
        default_unit.unwrap_or_default()
    } else {
        unit.to_string()
    };
    let letter = unit
        .chars()
        .next()
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or('B');
    let Some((_, shift)) = SIZE_UNITS.iter().find(|(c, _)| *c == letter) else {
        return Err(fail(format!(
            "human_to_bytes() failed to convert {text}. Value is not a valid string (expected a number followed by a unit)"
        )));
    };
    let mut result = number * (1u128 << shift) as f64;
    if isbits {
        result /= 8.0;
    }
    Ok(result.round() as i64)
}

/// `human_readable(1024)` = "1.00 KB".
fn human_readable(
    value: &JValue,
    isbits: Option<bool>,
    unit: Option<String>,
) -> Result<String, JError> {
    require_defined(value)?;
    let size = match arg(value)? {
        Value::Int(i) => i as f64,
        Value::Float(f) => f,
        other => python_str(&other)
            .trim()
            .parse::<f64>()
            .map_err(|_| fail("human_readable() failed to convert the value"))?,
    };
    let base = if isbits.unwrap_or(false) {
        "bits"
    } else {
        "Bytes"
    };
    let wanted = unit
        .and_then(|u| u.chars().next())
        .map(|c| c.to_ascii_uppercase());
    let (suffix, shift) = SIZE_UNITS
        .iter()
        .find(|(c, shift)| match wanted {
            Some(w) => *c == w,
            None => size >= (1u128 << shift) as f64,
        })
        .copied()
        .unwrap_or(('B', 0));
    let limit = (1u128 << shift) as f64;
    let suffix_text = if shift == 0 {
        base.to_string()
    } else {
        format!("{suffix}{}", &base[..1])
    };
    Ok(format!("{:.2} {suffix_text}", size / limit))
}

/// Python's `str.replace(old, new, count)`.
fn replace(value: &JValue, old: String, new: String, count: Option<i64>) -> Result<String, JError> {
    require_defined(value)?;
    let text = python_str(&arg(value)?);
    Ok(match count {
        Some(n) if n >= 0 => text.replacen(&old, &new, n as usize),
        _ => text.replace(&old, &new),
    })
}

/// Jinja's `wordcount`: the number of `\w+` runs.
fn wordcount(value: &JValue) -> Result<usize, JError> {
    require_defined(value)?;
    let text = python_str(&arg(value)?);
    let mut count = 0;
    let mut in_word = false;
    for c in text.chars() {
        let word_char = c.is_alphanumeric() || c == '_';
        if word_char && !in_word {
            count += 1;
        }
        in_word = word_char;
    }
    Ok(count)
}

/// Jinja's `truncate(length=255, killwords=False, end='...', leeway=5)`.
fn truncate(
    value: &JValue,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<String>,
    leeway: Option<usize>,
) -> Result<String, JError> {
    require_defined(value)?;
    let text = python_str(&arg(value)?);
    let chars: Vec<char> = text.chars().collect();
    let length = length.unwrap_or(255);
    let end = end.unwrap_or_else(|| "...".to_string());
    let leeway = leeway.unwrap_or(5);
    if chars.len() <= length + leeway {
        return Ok(text);
    }
    let keep = length.saturating_sub(end.chars().count());
    let head: String = chars[..keep.min(chars.len())].iter().collect();
    if killwords.unwrap_or(false) {
        return Ok(format!("{head}{end}"));
    }
    let cut = head.rsplit_once(' ').map_or(head.as_str(), |(a, _)| a);
    Ok(format!("{cut}{end}"))
}

/// Python's `str.center(width)`.
fn center(value: &JValue, width: Option<usize>) -> Result<String, JError> {
    require_defined(value)?;
    let text = python_str(&arg(value)?);
    let width = width.unwrap_or(80);
    let len = text.chars().count();
    if width <= len {
        return Ok(text);
    }
    let pad = width - len;
    let left = pad / 2 + (pad & width & 1);
    Ok(format!(
        "{}{text}{}",
        " ".repeat(left),
        " ".repeat(pad - left)
    ))
}
