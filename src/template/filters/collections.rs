//! Dict and list filters: combine, dict2items/items2dict, product and the set filters.

use minijinja::value::{Kwargs, Rest, Value as JValue};
use minijinja::{Environment, Error as JError, ErrorKind};

use super::{arg, fail, ret};
use crate::output::python_repr::python_str;
use crate::vars::{Key, Map, Value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("combine", combine);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("product", product);
    env.add_filter("union", |a: &JValue, b: &JValue| set_op(a, b, SetOp::Union));
    env.add_filter("difference", |a: &JValue, b: &JValue| {
        set_op(a, b, SetOp::Difference)
    });
    env.add_filter("intersect", |a: &JValue, b: &JValue| {
        set_op(a, b, SetOp::Intersect)
    });
    env.add_filter("symmetric_difference", |a: &JValue, b: &JValue| {
        set_op(a, b, SetOp::SymmetricDifference)
    });
}

fn defined(value: &JValue) -> Result<Value, JError> {
    if value.is_undefined() {
        return Err(JError::new(
            ErrorKind::UndefinedError,
            "undefined filter input",
        ));
    }
    arg(value)
}

#[derive(Clone, Copy, PartialEq)]
enum ListMerge {
    Replace,
    Keep,
    Append,
    Prepend,
    AppendRp,
    PrependRp,
}

/// `combine(*dicts, recursive=False, list_merge='replace')`; lists of dicts are flattened.
fn combine(value: &JValue, others: Rest<JValue>, kwargs: Kwargs) -> Result<JValue, JError> {
    let recursive = kwargs.get::<Option<bool>>("recursive")?.unwrap_or(false);
    let list_merge = match kwargs.get::<Option<String>>("list_merge")?.as_deref() {
        None | Some("replace") => ListMerge::Replace,
        Some("keep") => ListMerge::Keep,
        Some("append") => ListMerge::Append,
        Some("prepend") => ListMerge::Prepend,
        Some("append_rp") => ListMerge::AppendRp,
        Some("prepend_rp") => ListMerge::PrependRp,
        Some(other) => {
            return Err(fail(format!(
                "'{other}' is not a valid list_merge value; allowed: 'replace', 'keep', 'append', 'prepend', 'append_rp', 'prepend_rp'"
            )));
        }
    };
    kwargs.assert_all_used()?;
    let mut dicts = Vec::new();
    for term in std::iter::once(value).chain(others.iter()) {
        match defined(term)? {
            Value::Map(m) => dicts.push(m),
            Value::List(items) => {
                for item in items {
                    match item {
                        Value::Map(m) => dicts.push(m),
                        other => return Err(not_a_dict(&other)),
                    }
                }
            }
            other => return Err(not_a_dict(&other)),
        }
    }
    let mut result = Map::new();
    for d in &dicts {
        result = merge_hash(&result, d, recursive, list_merge);
    }
    Ok(ret(&Value::Map(result)))
}

fn not_a_dict(v: &Value) -> JError {
    fail(format!(
        "combine expects dictionaries, got {}",
        crate::output::python_repr::repr(v)
    ))
}

/// Ansible's `merge_hash`.
fn merge_hash(x: &Map, y: &Map, recursive: bool, list_merge: ListMerge) -> Map {
    if x.is_empty() || x == y {
        return y.clone();
    }
    let mut out = x.clone();
    for (key, y_value) in y {
        let merged = match (out.get(key), y_value) {
            (Some(Value::Map(xm)), Value::Map(ym)) => {
                if recursive {
                    Value::Map(merge_hash(xm, ym, recursive, list_merge))
                } else {
                    y_value.clone()
                }
            }
            (Some(Value::List(xl)), Value::List(yl)) => Value::List(match list_merge {
                ListMerge::Replace => yl.clone(),
                ListMerge::Keep => xl.clone(),
                ListMerge::Append => xl.iter().chain(yl).cloned().collect(),
                ListMerge::Prepend => yl.iter().chain(xl).cloned().collect(),
                ListMerge::AppendRp => xl
                    .iter()
                    .filter(|z| !yl.contains(z))
                    .chain(yl)
                    .cloned()
                    .collect(),
                ListMerge::PrependRp => yl
                    .iter()
                    .chain(xl.iter().filter(|z| !yl.contains(z)))
                    .cloned()
                    .collect(),
            }),
            _ => y_value.clone(),
        };
        out.insert(key.clone(), merged);
    }
    out
}

fn dict2items(value: &JValue, kwargs: Kwargs) -> Result<JValue, JError> {
    let key_name = kwargs
        .get::<Option<String>>("key_name")?
        .unwrap_or("key".into());
    let value_name = kwargs
        .get::<Option<String>>("value_name")?
        .unwrap_or("value".into());
    kwargs.assert_all_used()?;
    let Value::Map(map) = defined(value)? else {
        return Err(fail(format!(
            "dict2items requires a dictionary, got {} instead.",
            crate::template::convert::python_type_name(value)
        )));
    };
    let items = map
        .into_iter()
        .map(|(k, v)| {
            let mut entry = Map::new();
            entry.insert(Key::Str(key_name.clone()), Value::from_key(&k));
            entry.insert(Key::Str(value_name.clone()), v);
            Value::Map(entry)
        })
        .collect();
    Ok(ret(&Value::List(items)))
}

fn items2dict(value: &JValue, kwargs: Kwargs) -> Result<JValue, JError> {
    let key_name = kwargs
        .get::<Option<String>>("key_name")?
        .unwrap_or("key".into());
    let value_name = kwargs
        .get::<Option<String>>("value_name")?
        .unwrap_or("value".into());
    kwargs.assert_all_used()?;
    let Value::List(items) = defined(value)? else {
        return Err(fail("items2dict requires a list"));
    };
    let mut out = Map::new();
    for item in items {
        let Value::Map(entry) = &item else {
            return Err(fail(format!(
                "items2dict requires a list of dictionaries, got {}",
                python_str(&item)
            )));
        };
        let (Some(k), Some(v)) = (
            entry.get(&Key::Str(key_name.clone())),
            entry.get(&Key::Str(value_name.clone())),
        ) else {
            return Err(fail(format!(
                "items2dict requires each dictionary to have '{key_name}' and '{value_name}' keys"
            )));
        };
        let key =
            crate::template::convert::key_from_jinja(&ret(k)).map_err(super::to_jinja_error)?;
        out.insert(key, v.clone());
    }
    Ok(ret(&Value::Map(out)))
}

fn as_items(value: &JValue) -> Result<Vec<Value>, JError> {
    Ok(match defined(value)? {
        Value::List(items) => items,
        Value::Map(m) => m.keys().map(Value::from_key).collect(),
        Value::Str(s) | Value::Unsafe(s) => s.chars().map(|c| Value::Str(c.to_string())).collect(),
        other => {
            return Err(fail(format!(
                "'{}' object is not iterable",
                other.python_type_name()
            )));
        }
    })
}

/// `itertools.product`.
fn product(value: &JValue, others: Rest<JValue>) -> Result<JValue, JError> {
    let mut pools = vec![as_items(value)?];
    for other in others.iter() {
        pools.push(as_items(other)?);
    }
    let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
    for pool in &pools {
        let mut next = Vec::new();
        for combo in &combos {
            for item in pool {
                let mut c = combo.clone();
                c.push(item.clone());
                next.push(c);
            }
        }
        combos = next;
    }
    Ok(ret(&Value::List(
        combos.into_iter().map(Value::List).collect(),
    )))
}

#[derive(Clone, Copy)]
enum SetOp {
    Union,
    Difference,
    Intersect,
    SymmetricDifference,
}

fn unique(items: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The set filters keep first-seen order, as Ansible's list-based implementation does.
fn set_op(a: &JValue, b: &JValue, op: SetOp) -> Result<JValue, JError> {
    let a = as_items(a)?;
    let b = as_items(b)?;
    let result = match op {
        SetOp::Union => unique(a.into_iter().chain(b)),
        SetOp::Difference => unique(a.into_iter().filter(|x| !b.contains(x))),
        SetOp::Intersect => unique(a.into_iter().filter(|x| b.contains(x))),
        SetOp::SymmetricDifference => {
            let both: Vec<Value> = unique(a.iter().filter(|x| b.contains(x)).cloned());
            unique(a.into_iter().chain(b))
                .into_iter()
                .filter(|x| !both.contains(x))
                .collect()
        }
    };
    Ok(ret(&Value::List(result)))
}
