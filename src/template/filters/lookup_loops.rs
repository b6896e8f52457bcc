//! Lookup plugins behind the remaining `with_*` loops and file selection:
//! `nested`, `together`, `subelements`, `fileglob`, `first_found`.

use std::path::{Path, PathBuf};

use minijinja::value::{Kwargs, Value as JValue};
use minijinja::{Error as JError, State};

use super::{arg, fail, ret};
use crate::output::python_repr::python_str;
use crate::vars::{Key, Value};

pub(super) const PLUGINS: &[&str] = &[
    "nested",
    "together",
    "subelements",
    "fileglob",
    "first_found",
];

pub(super) fn run(
    state: &mut State,
    plugin: &str,
    terms: &[JValue],
    kwargs: &Kwargs,
) -> Result<Vec<JValue>, JError> {
    match plugin {
        "nested" => nested(terms),
        "together" => together(terms),
        "subelements" => subelements(terms),
        "fileglob" => {
            terms
                .iter()
                .map(|t| fileglob(state, t))
                .try_fold(Vec::new(), |mut all, found| {
                    all.extend(found?);
                    Ok(all)
                })
        }
        _ => first_found(state, terms, kwargs),
    }
}

fn lists(terms: &[JValue]) -> Result<Vec<Vec<Value>>, JError> {
    terms
        .iter()
        .map(|t| match arg(t)? {
            Value::List(items) => Ok(items),
            other => Ok(vec![other]),
        })
        .collect()
}

/// `with_nested`: every combination, in order.
fn nested(terms: &[JValue]) -> Result<Vec<JValue>, JError> {
    let pools = lists(terms)?;
    if pools.is_empty() {
        return Err(fail(
            "with_nested requires at least one element in the nested list",
        ));
    }
    let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
    for pool in &pools {
        combos = combos
            .iter()
            .flat_map(|c| {
                pool.iter().map(move |item| {
                    let mut next = c.clone();
                    next.push(item.clone());
                    next
                })
            })
            .collect();
    }
    Ok(combos.into_iter().map(|c| ret(&Value::List(c))).collect())
}

/// `with_together`: the lists side by side, shorter ones padded with None.
fn together(terms: &[JValue]) -> Result<Vec<JValue>, JError> {
    let pools = lists(terms)?;
    if pools.is_empty() {
        return Err(fail(
            "with_together requires at least one element in each list",
        ));
    }
    let longest = pools.iter().map(Vec::len).max().unwrap_or(0);
    Ok((0..longest)
        .map(|i| {
            let row = pools
                .iter()
                .map(|p| p.get(i).cloned().unwrap_or(Value::Null))
                .collect();
            ret(&Value::List(row))
        })
        .collect())
}

/// `fileglob`: files (not directories) matching the pattern's last component, sorted.
fn fileglob(state: &State, term: &JValue) -> Result<Vec<JValue>, JError> {
    let pattern = python_str(&arg(term)?);
    let (dir, name_pattern) = match pattern.rsplit_once('/') {
        Some((d, n)) => (d.to_string(), n.to_string()),
        None => (String::new(), pattern.clone()),
    };
    let base = find_dir(state, &dir);
    let Some(base) = base else {
        return Ok(Vec::new());
    };
    let Ok(entries) = std::fs::read_dir(&base) else {
        return Ok(Vec::new());
    };
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| {
            (!name.starts_with('.') || name_pattern.starts_with('.'))
                && glob_match(&name_pattern, name)
        })
        .map(|name| {
            let path = base.join(name);
            std::path::absolute(&path)
                .unwrap_or(path)
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    found.sort();
    Ok(found.into_iter().map(JValue::from).collect())
}

/// The directory a relative fileglob pattern lives in: the role's or playbook's `files/`
/// (or the directory itself), then the working directory.
fn find_dir(state: &State, dir: &str) -> Option<PathBuf> {
    let path = Path::new(dir);
    if path.is_absolute() {
        return path.is_dir().then(|| path.to_path_buf());
    }
    let mut candidates = Vec::new();
    for base_var in ["role_path", "playbook_dir"] {
        if let Some(base) = state
            .lookup(base_var)
            .and_then(|v| v.as_str().map(PathBuf::from))
        {
            candidates.push(base.join("files").join(dir));
            candidates.push(base.join(dir));
        }
    }
    candidates.push(PathBuf::from(if dir.is_empty() { "." } else { dir }));
    candidates.into_iter().find(|c| c.is_dir())
}

fn role_files(state: &State, file: &str) -> Option<PathBuf> {
    let base = state
        .lookup("role_path")
        .and_then(|v| v.as_str().map(PathBuf::from))?;
    Some(base.join("files").join(file))
}

/// `with_subelements`: (item, subitem) pairs; the item loses the subelement key, as
/// Ansible's lookup pops it from its copy.
fn subelements(terms: &[JValue]) -> Result<Vec<JValue>, JError> {
    let (Some(items), Some(path)) = (terms.first(), terms.get(1)) else {
        return Err(fail(
            "subelements lookup expects a list of two or three items",
        ));
    };
    let path = python_str(&arg(path)?);
    let skip_missing = match terms.get(2).map(arg).transpose()? {
        Some(Value::Map(flags)) => matches!(
            flags.get(&Key::from("skip_missing")),
            Some(Value::Bool(true))
        ),
        _ => false,
    };
    let items = match arg(items)? {
        Value::List(items) => items,
        Value::Map(map) => map.into_values().collect(),
        _ => return Err(fail("subelements lookup expects a dictionary or a list")),
    };
    let keys: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    for item in items {
        let mut copy = item.clone();
        let sublist = pop_path(&mut copy, &keys);
        match sublist {
            Some(Value::List(subs)) => {
                for sub in subs {
                    out.push(ret(&Value::List(vec![copy.clone(), sub])));
                }
            }
            Some(_) => {
                return Err(fail(format!(
                    "the key {path} should point to a list, got '{}'",
                    python_str(&item)
                )));
            }
            None if skip_missing => {}
            None => {
                return Err(fail(format!(
                    "could not find '{path}' key in iterated item '{}'",
                    python_str(&item)
                )));
            }
        }
    }
    Ok(out)
}

/// Remove and return the value at a dotted path of nested dicts.
fn pop_path(value: &mut Value, keys: &[&str]) -> Option<Value> {
    let Value::Map(map) = value else { return None };
    match keys {
        [last] => map.shift_remove(&Key::from(*last)),
        [first, rest @ ..] => pop_path(map.get_mut(&Key::from(*first))?, rest),
        [] => None,
    }
}

/// Shell-style matching of one path component: `*`, `?`, `[abc]`, `[!abc]`, `[a-z]`.
fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    fn matches(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| matches(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && matches(&p[1..], &n[1..]),
            Some('[') => {
                let Some(close) = p.iter().skip(2).position(|c| *c == ']').map(|i| i + 2) else {
                    return n.first() == Some(&'[') && matches(&p[1..], &n[1..]);
                };
                let Some(&c) = n.first() else { return false };
                let (negate, set) = match p[1] {
                    '!' => (true, &p[2..close]),
                    _ => (false, &p[1..close]),
                };
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == '-' {
                        hit |= set[i] <= c && c <= set[i + 2];
                        i += 3;
                    } else {
                        hit |= set[i] == c;
                        i += 1;
                    }
                }
                hit != negate && matches(&p[close + 1..], &n[1..])
            }
            Some(&c) => n.first() == Some(&c) && matches(&p[1..], &n[1..]),
        }
    }
    matches(&p, &n)
}

/// `first_found`: the first file that exists among the names (and `paths`) given.
fn first_found(state: &State, terms: &[JValue], kwargs: &Kwargs) -> Result<Vec<JValue>, JError> {
    let mut files: Vec<String> = Vec::new();
    let mut paths: Vec<String> = Vec::new();
    let mut skip = kwargs.get::<Option<bool>>("skip")?.unwrap_or(false);
    let split = |text: &str| -> Vec<String> {
        text.split([',', ';'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let add_term =
        |term: Value, files: &mut Vec<String>, paths: &mut Vec<String>, skip: &mut bool| match term
        {
            Value::Map(spec) => {
                let strings = |key: &str| -> Vec<String> {
                    match spec.get(&Key::from(key)) {
                        Some(Value::List(items)) => {
                            items.iter().flat_map(|i| split(&python_str(i))).collect()
                        }
                        Some(other) => split(&python_str(other)),
                        None => Vec::new(),
                    }
                };
                files.extend(strings("files"));
                paths.extend(strings("paths"));
                if let Some(Value::Bool(true)) = spec.get(&Key::from("skip")) {
                    *skip = true;
                }
            }
            other => files.extend(split(&python_str(&other))),
        };
    for term in terms {
        match arg(term)? {
            Value::List(items) => {
                for item in items {
                    add_term(item, &mut files, &mut paths, &mut skip);
                }
            }
            other => add_term(other, &mut files, &mut paths, &mut skip),
        }
    }
    if let Some(extra) = kwargs.get::<Option<JValue>>("files")? {
        add_term(arg(&extra)?, &mut files, &mut paths, &mut skip);
    }
    if let Some(extra) = kwargs.get::<Option<JValue>>("paths")? {
        paths.extend(split(&python_str(&arg(&extra)?)));
    }
    for file in &files {
        let candidates: Vec<PathBuf> = if paths.is_empty() {
            // Measured against ansible-core 2.19 at play level: a relative name is not
            // looked up in the playbook's files/ directory; in a role, its files/ is.
            let mut c: Vec<PathBuf> = role_files(state, file).into_iter().collect();
            c.push(PathBuf::from(file));
            c
        } else {
            paths.iter().map(|p| Path::new(p).join(file)).collect()
        };
        if let Some(found) = candidates.into_iter().find(|c| c.is_file()) {
            let found = std::path::absolute(&found).unwrap_or(found);
            return Ok(vec![JValue::from(found.to_string_lossy().into_owned())]);
        }
    }
    if skip {
        return Ok(Vec::new());
    }
    Err(fail("No file was found when using first_found."))
}
