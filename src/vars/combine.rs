//! Combining variable dictionaries as Ansible's `combine_vars` does.

use super::value::{Map, Value};

/// `hash_behaviour` from ansible.cfg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashBehaviour {
    /// Later dictionaries replace earlier ones key by key (Ansible's default).
    #[default]
    Replace,
    /// Dictionaries found under the same key are merged recursively.
    Merge,
}

/// `combine_vars(a, b)`: `b` wins.
pub fn combine_vars(a: &Map, b: &Map, how: HashBehaviour) -> Map {
    match how {
        HashBehaviour::Replace => {
            let mut out = a.clone();
            for (k, v) in b {
                out.insert(k.clone(), v.clone());
            }
            out
        }
        HashBehaviour::Merge => merge_hash(a, b),
    }
}

/// In-place form of `combine_vars`, for hot paths that own `a`.
pub fn combine_into(a: &mut Map, b: &Map, how: HashBehaviour) {
    match how {
        HashBehaviour::Replace => {
            for (k, v) in b {
                a.insert(k.clone(), v.clone());
            }
        }
        HashBehaviour::Merge => merge_into(a, b),
    }
}

/// `merge_hash(x, y)` with `recursive=True, list_merge='replace'`.
pub fn merge_hash(x: &Map, y: &Map) -> Map {
    let mut out = x.clone();
    merge_into(&mut out, y);
    out
}

fn merge_into(x: &mut Map, y: &Map) {
    for (key, y_value) in y {
        match (x.get_mut(key), y_value) {
            (Some(Value::Map(x_map)), Value::Map(y_map)) => merge_into(x_map, y_map),
            (Some(slot), _) => *slot = y_value.clone(),
            (None, _) => {
                x.insert(key.clone(), y_value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vars::value::Key;

    fn map(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (Key::from(*k), v.clone()))
            .collect()
    }

    #[test]
    fn replace_and_merge_differ_on_nested_dicts() {
        let a = map(&[("k", Value::Map(map(&[("x", Value::Int(1))])))]);
        let b = map(&[("k", Value::Map(map(&[("y", Value::Int(2))])))]);
        let replaced = combine_vars(&a, &b, HashBehaviour::Replace);
        assert_eq!(
            replaced[&Key::from("k")],
            Value::Map(map(&[("y", Value::Int(2))]))
        );
        let merged = combine_vars(&a, &b, HashBehaviour::Merge);
        assert_eq!(
            merged[&Key::from("k")],
            Value::Map(map(&[("x", Value::Int(1)), ("y", Value::Int(2))]))
        );
    }
}
