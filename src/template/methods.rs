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
        _ => minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args),
    }
}
