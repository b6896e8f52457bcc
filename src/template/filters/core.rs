//! Type conversions, choice, paths, shell quoting and flattening.

use minijinja::value::{Kwargs, Value as JValue, ValueKind};
use minijinja::{Environment, Error as JError, ErrorKind};

use super::{arg, fail};
use crate::output::python_repr::python_str;
use crate::vars::Value;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("bool", to_bool);
    env.add_filter("ternary", ternary);
    env.add_filter("mandatory", mandatory);
    env.add_filter("int", to_int);
    env.add_filter("float", to_float);
    env.add_filter("string", to_string);
    env.add_filter("path_join", path_join);
    env.add_filter("basename", basename);
    env.add_filter("dirname", dirname);
    env.add_filter("quote", quote);
    env.add_filter("flatten", flatten);
    env.add_filter("list", to_list);
    env.add_filter("replace", replace);
    env.add_filter("wordcount", wordcount);
    env.add_filter("truncate", truncate);
    env.add_filter("center", center);
    env.add_filter("dictsort", dictsort);
    env.add_filter("splitext", splitext);
    env.add_filter("expanduser", expanduser);
    env.add_filter("realpath", realpath);
    env.add_filter("type_debug", type_debug);
    env.add_filter("human_to_bytes", human_to_bytes);
    env.add_filter("human_readable", human_readable);
}

pub(crate) const MANDATORY_MARKER: &str = "Mandatory variable not defined.";

fn require_defined(value: &JValue) -> Result<(), JError> {
    if value.is_undefined() {
        return Err(JError::new(
            ErrorKind::UndefinedError,
            "undefined filter input",
        ));
    }
    Ok(())
}

/// Ansible's `bool`: the YAML 1.1 / ini spellings of true, everything else false.
fn to_bool(value: &JValue) -> Result<bool, JError> {
    require_defined(value)?;
    Ok(match arg(value)? {
        Value::Bool(b) => b,
        Value::Null => false,
        Value::Int(i) => i == 1,
        Value::Float(f) => f == 1.0,
        Value::Str(s) | Value::Unsafe(s) => {
            matches!(
                s.trim().to_lowercase().as_str(),
                "yes" | "on" | "1" | "true" | "y" | "t"
            )
        }
        _ => false,
    })
}

fn ternary(
    value: &JValue,
    true_value: JValue,
    false_value: JValue,
    none_value: Option<JValue>,
) -> Result<JValue, JError> {
    require_defined(value)?;
    if value.is_none()
        && let Some(none_value) = none_value
        && !none_value.is_none()
    {
        return Ok(none_value);
    }
    Ok(if value.is_true() {
        true_value
    } else {
        false_value
    })
}

fn mandatory(value: JValue, msg: Option<String>) -> Result<JValue, JError> {
    if value.is_undefined() {
        // Without a message, render.rs names the variable (the filter cannot see it).
        let message = msg.unwrap_or_else(|| MANDATORY_MARKER.to_string());
        return Err(JError::new(ErrorKind::UndefinedError, message));
    }
    Ok(value)
}

/// Jinja's `int`: int(value), else int(float(value)), else the default (0).
fn to_int(
    value: &JValue,
    default: Option<JValue>,
    base: Option<u32>,
    kwargs: Kwargs,
) -> Result<JValue, JError> {
    require_defined(value)?;
    let default = match default {
        Some(d) => d,
        None => kwargs
            .get::<Option<JValue>>("default")?
            .unwrap_or(JValue::from(0)),
    };
    let base = match base {
        Some(b) => b,
        None => kwargs.get::<Option<u32>>("base")?.unwrap_or(10),
    };
    kwargs.assert_all_used()?;
    Ok(match arg(value)? {
        Value::Bool(b) => JValue::from(b as i64),
        Value::Int(i) => JValue::from(i),
        v @ Value::BigInt(_) => super::ret(&v),
        Value::Float(f) if f.is_finite() => JValue::from(f.trunc() as i64),
        Value::Str(s) | Value::Unsafe(s) => {
            let text = s.trim().replace('_', "");
            let digits = if base == 16 {
                text.trim_start_matches("0x")
                    .trim_start_matches("0X")
                    .to_string()
            } else {
                text.clone()
            };
            if let Ok(i) = i64::from_str_radix(&digits, base) {
                JValue::from(i)
            } else if base == 10
                && let Ok(f) = text.parse::<f64>()
                && f.is_finite()
            {
                JValue::from(f.trunc() as i64)
            } else {
                default
            }
        }
        _ => default,
    })
}

fn to_float(value: &JValue, default: Option<JValue>) -> Result<JValue, JError> {
    require_defined(value)?;
    let default = default.unwrap_or(JValue::from(0.0));
    Ok(match arg(value)? {
        Value::Bool(b) => JValue::from(if b { 1.0 } else { 0.0 }),
        Value::Int(i) => JValue::from(i as f64),
        Value::Float(f) => JValue::from(f),
        Value::Str(s) | Value::Unsafe(s) => {
            let t = s.trim().to_lowercase();
            match t.as_str() {
                "inf" | "+inf" | "infinity" => JValue::from(f64::INFINITY),
                "-inf" | "-infinity" => JValue::from(f64::NEG_INFINITY),
                "nan" => JValue::from(f64::NAN),
                _ => t
                    .replace('_', "")
                    .parse::<f64>()
                    .map(JValue::from)
                    .unwrap_or(default),
            }
        }
        _ => default,
    })
}

/// Python's `str()`.
fn to_string(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    Ok(python_str(&arg(value)?))
}

/// Python's `list()`: a string becomes its characters, a dict its keys.
fn to_list(value: &JValue) -> Result<JValue, JError> {
    require_defined(value)?;
    if let Some(s) = value.as_str() {
        return Ok(s.chars().map(|c| JValue::from(c.to_string())).collect());
    }
    match value.kind() {
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => {
            Ok(value.try_iter()?.collect::<Vec<_>>().into())
        }
        _ => Err(fail(format!(
            "'{}' object is not iterable",
            super::super::convert::python_type_name(value)
        ))),
    }
}

/// `os.path.join` of a list (or of a single path).
fn path_join(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let parts: Vec<String> = match arg(value)? {
        Value::List(items) => items.iter().map(python_str).collect(),
        other => return Ok(python_str(&other)),
    };
    let mut out = String::new();
    for part in parts {
        if part.starts_with('/') {
            out = part;
        } else if out.is_empty() || out.ends_with('/') {
            out.push_str(&part);
        } else {
            out.push('/');
            out.push_str(&part);
        }
    }
    Ok(out)
}

fn basename(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let path = python_str(&arg(value)?);
    Ok(path.rsplit('/').next().unwrap_or_default().to_string())
}

/// `os.path.dirname`: everything before the last slash, trailing slashes removed unless
/// the head is only slashes.
fn dirname(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let path = python_str(&arg(value)?);
    let head = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => return Ok(String::new()),
    };
    let trimmed = head.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        head.to_string()
    } else {
        trimmed.to_string()
    })
}

/// `shlex.quote`.
fn quote(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let s = match arg(value)? {
        Value::Null => String::new(),
        other => python_str(&other),
    };
    if s.is_empty() {
        return Ok("''".to_string());
    }
    let safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c));
    if safe {
        return Ok(s);
    }
    Ok(format!("'{}'", s.replace('\'', "'\"'\"'")))
}

/// Ansible's `flatten(levels=None, skip_nulls=True)`.
fn flatten(value: &JValue, levels: Option<JValue>, kwargs: Kwargs) -> Result<JValue, JError> {
    require_defined(value)?;
    let levels = match levels {
        Some(l) => Some(l),
        None => kwargs.get::<Option<JValue>>("levels")?,
    }
    .filter(|l| !l.is_none())
    .and_then(|l| l.as_i64());
    let skip_nulls = kwargs.get::<Option<bool>>("skip_nulls")?.unwrap_or(true);
    kwargs.assert_all_used()?;
    let Value::List(items) = arg(value)? else {
        return Err(fail("flatten expects a list"));
    };
    let mut out = Vec::new();
    flatten_into(&mut out, items, levels, skip_nulls);
    Ok(super::ret(&Value::List(out)))
}

fn flatten_into(out: &mut Vec<Value>, items: Vec<Value>, levels: Option<i64>, skip_nulls: bool) {
    for item in items {
        match item {
            Value::Null if skip_nulls => {}
            Value::Str(ref s) if skip_nulls && s == "None" => {}
            Value::List(inner) if levels.is_none_or(|l| l > 0) => {
                flatten_into(out, inner, levels.map(|l| l - 1), skip_nulls)
            }
            other => out.push(other),
        }
    }
}

/// `os.path.splitext`: (root, ext) where a leading dot of the name is not an extension.
fn splitext(value: &JValue) -> Result<JValue, JError> {
    require_defined(value)?;
    let path = python_str(&arg(value)?);
    let name_start = path.rfind('/').map(|i| i + 1).unwrap_or(0);
    let name = &path[name_start..];
    let leading_dots = name.len() - name.trim_start_matches('.').len();
    let (root, ext) = match name[leading_dots..].rfind('.') {
        Some(i) => {
            let at = name_start + leading_dots + i;
            (&path[..at], &path[at..])
        }
        None => (path.as_str(), ""),
    };
    Ok(JValue::from(vec![JValue::from(root), JValue::from(ext)]))
}

fn expanduser(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let path = python_str(&arg(value)?);
    let home = std::env::var("HOME").unwrap_or_default();
    Ok(match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{home}{rest}"),
        _ => path,
    })
}

/// `os.path.realpath`: symlinks resolved when the path exists, else normalized.
fn realpath(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let path = python_str(&arg(value)?);
    if let Ok(p) = std::fs::canonicalize(&path) {
        return Ok(p.to_string_lossy().into_owned());
    }
    let absolute = if path.starts_with('/') {
        path
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        format!("{}/{path}", cwd.to_string_lossy())
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in absolute.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

fn type_debug(value: &JValue) -> String {
    super::super::convert::python_type_name(value).to_string()
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

/// Jinja's `dictsort(case_sensitive=False, by='key', reverse=False)`.
fn dictsort(
    value: &JValue,
    case_sensitive: Option<bool>,
    by: Option<String>,
    kwargs: Kwargs,
) -> Result<JValue, JError> {
    require_defined(value)?;
    let case_sensitive = match case_sensitive {
        Some(c) => c,
        None => kwargs
            .get::<Option<bool>>("case_sensitive")?
            .unwrap_or(false),
    };
    let by = match by {
        Some(b) => b,
        None => kwargs.get::<Option<String>>("by")?.unwrap_or("key".into()),
    };
    let reverse = kwargs.get::<Option<bool>>("reverse")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    let Value::Map(map) = arg(value)? else {
        return Err(fail("You can only sort by either \"key\" or \"value\""));
    };
    let index = match by.as_str() {
        "key" => 0,
        "value" => 1,
        _ => return Err(fail("You can only sort by either \"key\" or \"value\"")),
    };
    let mut pairs: Vec<JValue> = map
        .iter()
        .map(|(k, v)| JValue::from(vec![super::super::convert::key_to_jinja(k), super::ret(v)]))
        .collect();
    let sort_key = |pair: &JValue| -> JValue {
        let item = pair.get_item(&JValue::from(index)).unwrap_or_default();
        match item.as_str() {
            Some(s) if !case_sensitive => JValue::from(s.to_lowercase()),
            _ => item,
        }
    };
    pairs.sort_by_key(sort_key);
    if reverse {
        pairs.reverse();
    }
    Ok(JValue::from(pairs))
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
