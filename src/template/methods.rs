//! Python methods on template values (`s.split(',')`, `d.get(k, x)`, `l.index(v)`):
//! minijinja-contrib's pycompat covers most; the few it lacks are added here.

use minijinja::value::{Value as JValue, ValueKind};
use minijinja::{Error as JError, ErrorKind, State};

pub(crate) fn call_method(
    state: &mut State,
    value: &JValue,
    method: &str,
    args: &[JValue],
) -> Result<JValue, JError> {
    match (value.kind(), method) {
        (ValueKind::Seq | ValueKind::Iterable, "index") => {
            let needle = args.first().ok_or_else(|| {
                JError::new(ErrorKind::MissingArgument, "index() takes one argument")
            })?;
            value
                .try_iter()?
                .position(|item| &item == needle)
                .map(JValue::from)
                .ok_or_else(|| {
                    JError::new(
                        ErrorKind::InvalidOperation,
                        format!("{needle} is not in list"),
                    )
                })
        }
        (ValueKind::String, "zfill") => {
            let s = value.as_str().unwrap_or_default();
            let width = args.first().and_then(|w| w.as_usize()).unwrap_or(0);
            let count = s.chars().count();
            if count >= width {
                return Ok(value.clone());
            }
            let pad = "0".repeat(width - count);
            Ok(match s.strip_prefix(['-', '+']) {
                Some(rest) => JValue::from(format!("{}{pad}{rest}", &s[..1])),
                None => JValue::from(format!("{pad}{s}")),
            })
        }
        (ValueKind::String, "rsplit") => rsplit(value.as_str().unwrap_or_default(), args),
        (ValueKind::String, "index") => {
            let s = value.as_str().unwrap_or_default();
            let needle = args.first().and_then(|v| v.as_str()).unwrap_or_default();
            s.find(needle)
                .map(|byte| JValue::from(s[..byte].chars().count()))
                .ok_or_else(|| JError::new(ErrorKind::InvalidOperation, "substring not found"))
        }
        (ValueKind::String, "partition" | "rpartition") => {
            let s = value.as_str().unwrap_or_default();
            let sep = args.first().and_then(|v| v.as_str()).unwrap_or_default();
            if sep.is_empty() {
                return Err(JError::new(ErrorKind::InvalidOperation, "empty separator"));
            }
            let found = if method == "partition" {
                s.split_once(sep)
            } else {
                s.rsplit_once(sep)
            };
            let parts = match (found, method) {
                (Some((a, b)), _) => [a, sep, b],
                (None, "partition") => [s, "", ""],
                (None, _) => ["", "", s],
            };
            Ok(parts.iter().map(|p| JValue::from(*p)).collect())
        }
        (ValueKind::Map, "copy") => Ok(JValue::from_pairs(
            value
                .try_iter()?
                .map(|k| {
                    let v = value.get_item(&k).unwrap_or_default();
                    (k, v)
                })
                .collect::<Vec<_>>(),
        )),
        _ => minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args),
    }
}

/// Python's `str.rsplit(sep=None, maxsplit=-1)`.
fn rsplit(s: &str, args: &[JValue]) -> Result<JValue, JError> {
    let sep = args
        .first()
        .filter(|v| !v.is_none())
        .and_then(|v| v.as_str());
    let maxsplit = args.get(1).and_then(|v| v.as_i64()).unwrap_or(-1);
    let parts: Vec<String> = match sep {
        Some("") => return Err(JError::new(ErrorKind::InvalidOperation, "empty separator")),
        Some(sep) if maxsplit < 0 => s.split(sep).map(str::to_string).collect(),
        Some(sep) => {
            let mut parts: Vec<String> = s
                .rsplitn(maxsplit as usize + 1, sep)
                .map(str::to_string)
                .collect();
            parts.reverse();
            parts
        }
        None => {
            // Split on whitespace runs from the right; the leftmost part keeps its inner
            // whitespace.
            let mut rest = s.trim();
            let mut parts = Vec::new();
            let mut splits = 0;
            while !rest.is_empty() && (maxsplit < 0 || splits < maxsplit) {
                match rest.rfind(char::is_whitespace) {
                    Some(cut) => {
                        parts.push(rest[cut..].trim_start().to_string());
                        rest = rest[..cut].trim_end();
                        splits += 1;
                    }
                    None => break,
                }
            }
            if !rest.is_empty() {
                parts.push(rest.to_string());
            }
            parts.reverse();
            parts
        }
    };
    Ok(parts.into_iter().map(JValue::from).collect())
}
