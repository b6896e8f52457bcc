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
