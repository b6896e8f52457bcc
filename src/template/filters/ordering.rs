//! Ordering filters: `min`/`max` with Jinja's options and `dictsort`.

use minijinja::value::{Kwargs, Value as JValue};
use minijinja::{Environment, Error as JError, ErrorKind};

use super::core::require_defined;
use super::{arg, fail};
use crate::vars::Value;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("min", |v: &JValue, k: Kwargs| extreme(v, &k, false));
    env.add_filter("max", |v: &JValue, k: Kwargs| extreme(v, &k, true));
    env.add_filter("dictsort", dictsort);
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

/// Jinja's `min`/`max(case_sensitive=False, attribute=None)`; a missing attribute is an
/// error, as in Ansible.
fn extreme(value: &JValue, kwargs: &Kwargs, want_max: bool) -> Result<JValue, JError> {
    require_defined(value)?;
    let case_sensitive = kwargs
        .get::<Option<bool>>("case_sensitive")?
        .unwrap_or(false);
    let attribute = kwargs.get::<Option<String>>("attribute")?;
    kwargs.assert_all_used()?;
    let items: Vec<JValue> = value.try_iter()?.collect();
    let mut best: Option<(JValue, JValue)> = None;
    for item in items {
        let mut key = match &attribute {
            Some(attr) => {
                let mut current = item.clone();
                for part in attr.split('.') {
                    let next = match part.parse::<i64>() {
                        Ok(i) => current.get_item(&JValue::from(i))?,
                        Err(_) => current.get_attr(part)?,
                    };
                    if next.is_undefined() {
                        return Err(JError::new(
                            ErrorKind::InvalidOperation,
                            format!(
                                "object of type '{}' has no attribute '{part}'",
                                super::super::convert::python_type_name(&current)
                            ),
                        ));
                    }
                    current = next;
                }
                current
            }
            None => item.clone(),
        };
        if !case_sensitive && let Some(s) = key.as_str() {
            key = JValue::from(s.to_lowercase());
        }
        let better = match &best {
            None => true,
            Some((best_key, _)) => {
                if want_max {
                    key > *best_key
                } else {
                    key < *best_key
                }
            }
        };
        if better {
            best = Some((key, item));
        }
    }
    best.map(|(_, item)| item)
        .ok_or_else(|| fail("No aggregated item, sequence was empty."))
}
