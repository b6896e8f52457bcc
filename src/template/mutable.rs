//! Lists and dicts that `append`/`update` can change, for the Ansible idiom
//! `{% set acc = [] %}{% for .. %}{% set _ = acc.append(x) %}{% endfor %}`.
//!
//! minijinja's values are immutable, so `{% set name = [..] %}` / `{% set name = {..} %}`
//! is compiled as `{% set name = __roller_mutable(..) %}` (see source.rs), which wraps the
//! literal in one of these objects. They behave as a list / dict everywhere else; the
//! non-mutating methods (`keys()`, `get()`, `index()`...) fall through to pycompat.

use std::sync::{Arc, Mutex, MutexGuard};

use indexmap::IndexMap;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value as JValue, ValueKind};
use minijinja::{Error as JError, ErrorKind, State};

/// The global function the rewritten source calls.
pub(crate) const MUTABLE_FN: &str = "__roller_mutable";

pub(crate) fn make_mutable(value: JValue) -> Result<JValue, JError> {
    Ok(match value.kind() {
        ValueKind::Seq => JValue::from_object(MutableList(Mutex::new(value.try_iter()?.collect()))),
        ValueKind::Map => {
            let mut map = IndexMap::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                map.insert(key, item);
            }
            JValue::from_object(MutableMap(Mutex::new(map)))
        }
        _ => value,
    })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn unknown() -> JError {
    JError::from(ErrorKind::UnknownMethod)
}

fn arg(args: &[JValue], i: usize, method: &str) -> Result<JValue, JError> {
    args.get(i).cloned().ok_or_else(|| {
        JError::new(
            ErrorKind::MissingArgument,
            format!("{method}() is missing an argument"),
        )
    })
}

#[derive(Debug)]
struct MutableList(Mutex<Vec<JValue>>);

impl Object for MutableList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let items = lock(&self.0);
        let index = key.as_i64()?;
        let index = if index < 0 {
            items.len() as i64 + index
        } else {
            index
        };
        items.get(usize::try_from(index).ok()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(lock(&self.0).clone())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.0).len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[JValue],
    ) -> Result<JValue, JError> {
        let mut items = lock(&self.0);
        match method {
            "append" => items.push(arg(args, 0, method)?),
            "extend" => items.extend(arg(args, 0, method)?.try_iter()?),
            "insert" => {
                let at = arg(args, 0, method)?.as_i64().unwrap_or(0);
                let len = items.len() as i64;
                let at = if at < 0 {
                    (len + at).max(0)
                } else {
                    at.min(len)
                };
                items.insert(at as usize, arg(args, 1, method)?);
            }
            "pop" => {
                if items.is_empty() {
                    return Err(JError::new(
                        ErrorKind::InvalidOperation,
                        "pop from empty list",
                    ));
                }
                let len = items.len() as i64;
                let at = args.first().and_then(|v| v.as_i64()).unwrap_or(-1);
                let at = if at < 0 { len + at } else { at };
                if at < 0 || at >= len {
                    return Err(JError::new(
                        ErrorKind::InvalidOperation,
                        "pop index out of range",
                    ));
                }
                return Ok(items.remove(at as usize));
            }
            "remove" => {
                let needle = arg(args, 0, method)?;
                let at = items.iter().position(|x| *x == needle).ok_or_else(|| {
                    JError::new(ErrorKind::InvalidOperation, "list.remove(x): x not in list")
                })?;
                items.remove(at);
            }
            "clear" => items.clear(),
            "reverse" => items.reverse(),
            _ => return Err(unknown()),
        }
        Ok(JValue::from(()))
    }
}

#[derive(Debug)]
struct MutableMap(Mutex<IndexMap<JValue, JValue>>);

impl Object for MutableMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        lock(&self.0).get(key).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(lock(&self.0).keys().cloned().collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.0).len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[JValue],
    ) -> Result<JValue, JError> {
        match method {
            "update" => {
                let other = arg(args, 0, method)?;
                let pairs: Vec<(JValue, JValue)> = other
                    .try_iter()?
                    .map(|k| {
                        let v = other.get_item(&k).unwrap_or_default();
                        (k, v)
                    })
                    .collect();
                lock(&self.0).extend(pairs);
                Ok(JValue::from(()))
            }
            "setdefault" => {
                let key = arg(args, 0, method)?;
                let default = args.get(1).cloned().unwrap_or(JValue::from(()));
                Ok(lock(&self.0).entry(key).or_insert(default).clone())
            }
            "pop" => {
                let key = arg(args, 0, method)?;
                match lock(&self.0).shift_remove(&key) {
                    Some(v) => Ok(v),
                    None => args.get(1).cloned().ok_or_else(|| {
                        JError::new(ErrorKind::InvalidOperation, format!("KeyError: {key}"))
                    }),
                }
            }
            "clear" => {
                lock(&self.0).clear();
                Ok(JValue::from(()))
            }
            _ => Err(unknown()),
        }
    }
}
