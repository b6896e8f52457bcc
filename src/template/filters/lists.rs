//! List helpers Ansible playbooks use with inventories: extract, subelements,
//! zip_longest, and FQCN aliases (`ansible.builtin.combine`) for every filter and test.

use minijinja::value::{Kwargs, Rest, Value as JValue, ValueKind};
use minijinja::{Environment, Error as JError, State};

use super::{arg, fail, ret};
use crate::vars::{Key, Value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("extract", extract);
    env.add_filter("subelements", subelements);
    env.add_filter("zip_longest", zip_longest);
}

/// `extract(item, container, morekeys=None)`: `container[item]`, then deeper keys.
fn extract(item: &JValue, container: &JValue, morekeys: Option<JValue>) -> Result<JValue, JError> {
    let mut value = container.get_item(item)?;
    if let Some(more) = morekeys.filter(|m| !m.is_none() && !m.is_undefined()) {
        let keys: Vec<JValue> = if more.kind() == ValueKind::Seq {
            more.try_iter()?.collect()
        } else {
            vec![more]
        };
        for key in keys {
            value = value.get_item(&key)?;
        }
    }
    Ok(value)
}

/// `subelements(list, 'path.to.list', skip_missing=False)`: (item, subitem) pairs.
fn subelements(
    value: &JValue,
    path: String,
    skip_missing: Option<bool>,
    kwargs: Kwargs,
) -> Result<JValue, JError> {
    let skip_missing = match skip_missing {
        Some(s) => s,
        None => kwargs.get::<Option<bool>>("skip_missing")?.unwrap_or(false),
    };
    kwargs.assert_all_used()?;
    let items = match arg(value)? {
        Value::List(items) => items,
        Value::Map(map) => map.into_values().collect(),
        _ => return Err(fail("obj must be a list of dicts or a nested dict")),
    };
    let mut out = Vec::new();
    for item in items {
        let mut current = Some(&item);
        for part in path.split('.') {
            current = match current {
                Some(Value::Map(m)) => m.get(&Key::Str(part.to_string())),
                _ => None,
            };
        }
        match current {
            Some(Value::List(subs)) => {
                for sub in subs {
                    out.push(Value::List(vec![item.clone(), sub.clone()]));
                }
            }
            Some(_) => {
                return Err(fail(format!(
                    "the key {path} should point to a list, got {}",
                    crate::output::python_repr::python_str(current.unwrap_or(&Value::Null))
                )));
            }
            None if skip_missing => {}
            None => {
                return Err(fail(format!(
                    "could not find '{path}' key in iterated item {}",
                    crate::output::python_repr::python_str(&item)
                )));
            }
        }
    }
    Ok(ret(&Value::List(out)))
}

/// `itertools.zip_longest(*lists, fillvalue=None)`.
fn zip_longest(value: &JValue, others: Rest<JValue>, kwargs: Kwargs) -> Result<JValue, JError> {
    let fill = kwargs
        .get::<Option<JValue>>("fillvalue")?
        .unwrap_or(JValue::from(()));
    kwargs.assert_all_used()?;
    let lists: Vec<Vec<JValue>> = std::iter::once(value)
        .chain(others.iter())
        .map(|v| v.try_iter().map(|i| i.collect()))
        .collect::<Result<_, _>>()?;
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    let rows: Vec<JValue> = (0..longest)
        .map(|i| {
            lists
                .iter()
                .map(|l| l.get(i).cloned().unwrap_or(fill.clone()))
                .collect::<Vec<_>>()
                .into()
        })
        .collect();
    Ok(JValue::from(rows))
}

/// Register `ansible.builtin.NAME` for each filter and test (Ansible accepts both).
pub(super) fn register_fqcn_aliases(env: &mut Environment<'static>) {
    const FILTERS: &[&str] = &[
        "b64decode",
        "b64encode",
        "basename",
        "bool",
        "checksum",
        "combine",
        "dict2items",
        "difference",
        "dirname",
        "expanduser",
        "extract",
        "flatten",
        "from_json",
        "from_yaml",
        "hash",
        "intersect",
        "items2dict",
        "mandatory",
        "md5",
        "path_join",
        "product",
        "quote",
        "realpath",
        "regex_escape",
        "regex_findall",
        "regex_replace",
        "regex_search",
        "sha1",
        "splitext",
        "subelements",
        "symmetric_difference",
        "ternary",
        "to_json",
        "to_nice_json",
        "to_nice_yaml",
        "to_yaml",
        "type_debug",
        "union",
        "unique",
        "zip",
        "zip_longest",
        "split",
        "human_to_bytes",
        "human_readable",
    ];
    const TESTS: &[&str] = &[
        "abs",
        "changed",
        "contains",
        "failed",
        "failure",
        "falsy",
        "finished",
        "match",
        "regex",
        "search",
        "skipped",
        "subset",
        "succeeded",
        "success",
        "superset",
        "truthy",
        "version",
        "version_compare",
        "change",
        "skip",
    ];
    for name in FILTERS {
        let alias: &'static str = Box::leak(format!("ansible.builtin.{name}").into_boxed_str());
        env.add_filter(
            alias,
            move |state: &mut State, args: Rest<JValue>, kwargs: Kwargs| {
                state.apply_filter(name, &forward(args, kwargs))
            },
        );
    }
    for name in TESTS {
        let alias: &'static str = Box::leak(format!("ansible.builtin.{name}").into_boxed_str());
        env.add_test(
            alias,
            move |state: &mut State, args: Rest<JValue>, kwargs: Kwargs| {
                state.perform_test(name, &forward(args, kwargs))
            },
        );
    }
}

/// Positional arguments plus keyword arguments, to pass on to another filter.
pub(super) fn forward(args: Rest<JValue>, kwargs: Kwargs) -> Vec<JValue> {
    let mut all = args.to_vec();
    let names: Vec<String> = kwargs.args().map(str::to_string).collect();
    if !names.is_empty() {
        // The target checks them; mark them used here.
        for name in &names {
            let _ = kwargs.get::<JValue>(name);
        }
        all.push(JValue::from(kwargs));
    }
    all
}
