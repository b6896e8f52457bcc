//! `lookup()` / `query()` / `q()` for the plugins templates use most: env, file, vars.

use minijinja::value::{Kwargs, Rest, Value as JValue};
use minijinja::{Environment, Error as JError, ErrorKind, State};

use super::{arg, fail, ret};
use crate::output::python_repr::python_str;
use crate::vars::Value;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_function("lookup", lookup);
    env.add_function("query", query);
    env.add_function("q", query);
}

/// Each term's result, in order.
fn run(
    state: &State,
    plugin: &str,
    terms: &[JValue],
    kwargs: &Kwargs,
) -> Result<Vec<JValue>, JError> {
    let default = kwargs.get::<Option<JValue>>("default")?;
    if let Some(values) = structural(state, plugin, terms)? {
        return Ok(values);
    }
    let mut out = Vec::new();
    for term in terms {
        let term = python_str(&arg(term)?);
        let value = match plugin {
            "env" | "ansible.builtin.env" => match std::env::var(&term) {
                Ok(v) => JValue::from(v),
                Err(_) => default.clone().unwrap_or(JValue::from("")),
            },
            "file" | "ansible.builtin.file" => {
                let text = std::fs::read_to_string(&term).map_err(|e| {
                    fail(format!(
                        "The 'file' lookup had an issue accessing the file '{term}': {e}"
                    ))
                })?;
                let rstrip = kwargs.get::<Option<bool>>("rstrip")?.unwrap_or(true);
                let lstrip = kwargs.get::<Option<bool>>("lstrip")?.unwrap_or(false);
                let mut t = text.as_str();
                if rstrip {
                    t = t.trim_end();
                }
                if lstrip {
                    t = t.trim_start();
                }
                JValue::from(t)
            }
            "vars" | "ansible.builtin.vars" => {
                match state.lookup(&term).filter(|v| !v.is_undefined()) {
                    Some(v) => v,
                    None => match &default {
                        Some(d) => d.clone(),
                        None => {
                            return Err(JError::new(
                                ErrorKind::UndefinedError,
                                format!("No variable named '{term}' was found."),
                            ));
                        }
                    },
                }
            }
            other => return Err(fail(format!("lookup plugin ({other}) not found"))),
        };
        out.push(value);
    }
    Ok(out)
}

/// Lookups whose terms are data rather than names: items, list, dict, sequence, and
/// inventory_hostnames (host patterns resolved against `groups`).
fn structural(
    state: &State,
    plugin: &str,
    terms: &[JValue],
) -> Result<Option<Vec<JValue>>, JError> {
    let plugin = plugin.strip_prefix("ansible.builtin.").unwrap_or(plugin);
    Ok(Some(match plugin {
        "items" => terms
            .iter()
            .flat_map(|t| match t.try_iter() {
                Ok(it) if t.as_str().is_none() && t.kind() == minijinja::value::ValueKind::Seq => {
                    it.collect()
                }
                _ => vec![t.clone()],
            })
            .collect(),
        "list" => terms.to_vec(),
        "dict" => {
            let mut out = Vec::new();
            for t in terms {
                if let Ok(keys) = t.try_iter() {
                    for k in keys {
                        let v = t.get_item(&k).unwrap_or_default();
                        out.push(JValue::from_iter([("key", k), ("value", v)]));
                    }
                }
            }
            out
        }
        "sequence" => {
            let mut out = Vec::new();
            for t in terms {
                out.extend(
                    sequence(&python_str(&arg(t)?))?
                        .into_iter()
                        .map(JValue::from),
                );
            }
            out
        }
        "inventory_hostnames" => {
            let groups = state.lookup("groups").unwrap_or_default();
            let mut hosts: Vec<String> = Vec::new();
            for t in terms {
                for pat in python_str(&arg(t)?)
                    .split([':', ','])
                    .filter(|p| !p.is_empty())
                {
                    let (op, name) = match pat.chars().next() {
                        Some(c @ ('!' | '&')) => (c, &pat[1..]),
                        _ => ('+', pat),
                    };
                    let members: Vec<String> = match groups.get_attr(name) {
                        Ok(v) if !v.is_undefined() => v
                            .try_iter()
                            .map(|it| it.map(|h| h.to_string()).collect())
                            .unwrap_or_default(),
                        _ => vec![name.to_string()],
                    };
                    match op {
                        '!' => hosts.retain(|h| !members.contains(h)),
                        '&' => hosts.retain(|h| members.contains(h)),
                        _ => {
                            for m in members {
                                if !hosts.contains(&m) {
                                    hosts.push(m);
                                }
                            }
                        }
                    }
                }
            }
            hosts.into_iter().map(JValue::from).collect()
        }
        _ => return Ok(None),
    }))
}

/// `start=1 end=5 stride=1 format=%d` (or `count=`), as the sequence lookup reads it.
fn sequence(spec: &str) -> Result<Vec<String>, JError> {
    let mut start = 1i64;
    let mut end: Option<i64> = None;
    let mut count: Option<i64> = None;
    let mut stride = 1i64;
    let mut format = "%d".to_string();
    let num = |k: &str, v: &str| {
        v.parse::<i64>()
            .map_err(|_| fail(format!("can't parse {k}={v} as integer")))
    };
    for word in spec.split_whitespace() {
        match word.split_once('=') {
            Some(("start", v)) => start = num("start", v)?,
            Some(("end", v)) => end = Some(num("end", v)?),
            Some(("count", v)) => count = Some(num("count", v)?),
            Some(("stride", v)) => stride = num("stride", v)?,
            Some(("format", v)) => format = v.to_string(),
            _ => {
                return Err(fail(format!(
                    "unrecognized arguments to with_sequence: {word}"
                )));
            }
        }
    }
    let end = match (end, count) {
        (Some(e), _) => e,
        (None, Some(c)) => start + (c - 1) * stride,
        (None, None) => return Err(fail("must specify count or end in with_sequence")),
    };
    let mut out = Vec::new();
    let mut i = start;
    while stride != 0 && ((stride > 0 && i <= end) || (stride < 0 && i >= end)) {
        out.push(format.replacen("%d", &i.to_string(), 1));
        i += stride;
    }
    Ok(out)
}

/// `lookup`: one term's value alone, several joined with commas (wantlist=True: a list).
fn lookup(
    state: &State,
    plugin: String,
    terms: Rest<JValue>,
    kwargs: Kwargs,
) -> Result<JValue, JError> {
    let wantlist = kwargs.get::<Option<bool>>("wantlist")?.unwrap_or(false);
    let results = run(state, &plugin, &terms, &kwargs)?;
    let _ = kwargs.get::<Option<JValue>>("errors")?;
    if wantlist {
        return Ok(JValue::from(results));
    }
    if results.len() == 1 {
        return Ok(results.into_iter().next().unwrap_or_default());
    }
    let parts: Result<Vec<String>, JError> =
        results.iter().map(|v| Ok(python_str(&arg(v)?))).collect();
    Ok(ret(&Value::Str(parts?.join(","))))
}

fn query(
    state: &State,
    plugin: String,
    terms: Rest<JValue>,
    kwargs: Kwargs,
) -> Result<JValue, JError> {
    Ok(JValue::from(run(state, &plugin, &terms, &kwargs)?))
}
