//! `lookup()` / `query()` / `q()`: env, file, template, pipe, vars, and the list plugins
//! behind `with_*` loops (items, list, dict, indexed_items, sequence).

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

/// The plugin's results, in order.
fn run(
    state: &mut State,
    plugin: &str,
    terms: &[JValue],
    kwargs: &Kwargs,
) -> Result<Vec<JValue>, JError> {
    let plugin = plugin.strip_prefix("ansible.builtin.").unwrap_or(plugin);
    if super::lookup_loops::PLUGINS.contains(&plugin) {
        return super::lookup_loops::run(state, plugin, terms, kwargs);
    }
    match plugin {
        "items" | "list" | "dict" | "indexed_items" | "sequence" => list_plugin(plugin, terms),
        "inventory_hostnames" => inventory_hostnames(state, terms),
        _ => terms
            .iter()
            .map(|term| term_plugin(state, plugin, term, kwargs))
            .collect(),
    }
}

/// Host patterns (`a:b`, `a:&b`, `a:!b`, groups or hosts) resolved against `groups`.
fn inventory_hostnames(state: &State, terms: &[JValue]) -> Result<Vec<JValue>, JError> {
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
    Ok(hosts.into_iter().map(JValue::from).collect())
}

/// Plugins that return one value per term.
fn term_plugin(
    state: &State,
    plugin: &str,
    term: &JValue,
    kwargs: &Kwargs,
) -> Result<JValue, JError> {
    let term = python_str(&arg(term)?);
    match plugin {
        "env" => Ok(match std::env::var(&term) {
            Ok(v) => JValue::from(v),
            Err(_) => kwargs
                .get::<Option<JValue>>("default")?
                .unwrap_or(JValue::from("")),
        }),
        "file" => {
            let path = find_file(state, &term, "files").ok_or_else(|| {
                fail(format!(
                    "The 'file' lookup had an issue accessing the file '{term}'"
                ))
            })?;
            let text = std::fs::read_to_string(&path).map_err(|e| {
                fail(format!(
                    "The 'file' lookup had an issue accessing the file '{term}': {e}"
                ))
            })?;
            let mut t = text.as_str();
            if kwargs.get::<Option<bool>>("rstrip")?.unwrap_or(true) {
                t = t.trim_end();
            }
            if kwargs.get::<Option<bool>>("lstrip")?.unwrap_or(false) {
                t = t.trim_start();
            }
            Ok(JValue::from(t))
        }
        "template" => {
            let path = find_file(state, &term, "templates").ok_or_else(|| {
                fail(format!(
                    "the template file {term} could not be found for the lookup"
                ))
            })?;
            let text = std::fs::read_to_string(&path)
                .map_err(|e| fail(format!("the template file {term} could not be read: {e}")))?;
            let name = std::path::absolute(&path).unwrap_or(path);
            render_file_text(state, &text, &name.to_string_lossy())
        }
        "pipe" => {
            let out = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(&term)
                .output()
                .map_err(|e| fail(format!("lookup_plugin.pipe({term}) failed: {e}")))?;
            if !out.status.success() {
                return Err(fail(format!(
                    "lookup_plugin.pipe({term}) returned {}",
                    out.status.code().unwrap_or(-1)
                )));
            }
            Ok(JValue::from(
                String::from_utf8_lossy(&out.stdout).trim_end().to_string(),
            ))
        }
        "vars" => match state.lookup(&term).filter(|v| !v.is_undefined()) {
            Some(v) => Ok(v),
            None => match kwargs.get::<Option<JValue>>("default")? {
                Some(d) => Ok(d),
                None => Err(JError::new(
                    ErrorKind::UndefinedError,
                    format!("No variable named '{term}' was found."),
                )),
            },
        },
        other => Err(fail(format!("lookup plugin ({other}) not found"))),
    }
}

/// A relative path as Ansible's lookups search it: the role's and the playbook's
/// `files/` (or `templates/`) directory and the directory itself, then the working
/// directory.
pub(super) fn find_file(state: &State, term: &str, subdir: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(term);
    if path.is_absolute() {
        return Some(path.to_path_buf());
    }
    let mut candidates = Vec::new();
    for base_var in ["role_path", "playbook_dir"] {
        if let Some(base) = state
            .lookup(base_var)
            .and_then(|v| v.as_str().map(str::to_string))
        {
            let base = std::path::PathBuf::from(base);
            candidates.push(base.join(subdir).join(term));
            candidates.push(base.join(term));
        }
    }
    candidates.push(path.to_path_buf());
    candidates.into_iter().find(|c| c.is_file())
}

/// Render a template file's text against the current variables, as text.
fn render_file_text(state: &State, text: &str, name: &str) -> Result<JValue, JError> {
    let vars = state.lookup("vars").unwrap_or_default();
    let prepared = crate::template::source::prepare_source(text);
    let mut rendered = state
        .env()
        .template_from_named_str(name, &prepared)?
        .render(vars)?;
    if text.ends_with('\n') && !rendered.ends_with('\n') {
        rendered.push('\n');
    }
    Ok(JValue::from(rendered))
}

/// Plugins that work on the whole list of terms (the `with_*` loops).
fn list_plugin(plugin: &str, terms: &[JValue]) -> Result<Vec<JValue>, JError> {
    let flat_one_level = || -> Result<Vec<JValue>, JError> {
        let mut out = Vec::new();
        for term in terms {
            match arg(term)? {
                Value::List(items) => out.extend(items.iter().map(ret)),
                other => out.push(ret(&other)),
            }
        }
        Ok(out)
    };
    Ok(match plugin {
        "items" => flat_one_level()?,
        "list" => terms.to_vec(),
        "indexed_items" => flat_one_level()?
            .into_iter()
            .enumerate()
            .map(|(i, v)| JValue::from(vec![JValue::from(i), v]))
            .collect(),
        "dict" => {
            let mut out = Vec::new();
            for term in terms {
                let Value::Map(map) = arg(term)? else {
                    return Err(fail("with_dict expects a dict"));
                };
                for (k, v) in map {
                    out.push(JValue::from_pairs([
                        ("key", super::super::convert::key_to_jinja(&k)),
                        ("value", ret(&v)),
                    ]));
                }
            }
            out
        }
        _ => {
            let mut out = Vec::new();
            for term in terms {
                out.extend(sequence(&python_str(&arg(term)?))?);
            }
            out
        }
    })
}

/// `sequence`: `start=1 end=3 stride=1 format=%d`, `count=3`, or `1-3`.
fn sequence(term: &str) -> Result<Vec<JValue>, JError> {
    let (mut start, mut end, mut stride, mut count) = (1i64, None, 1i64, None);
    let mut format = "%d".to_string();
    let parse = |v: &str| {
        let v = v.trim();
        if let Some(hex) = v.strip_prefix("0x") {
            i64::from_str_radix(hex, 16)
        } else {
            v.parse::<i64>()
        }
        .map_err(|_| fail(format!("can't parse arg {v:?} as integer")))
    };
    if term.contains('=') {
        for part in term.split_whitespace() {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            match k {
                "start" => start = parse(v)?,
                "end" => end = Some(parse(v)?),
                "stride" => stride = parse(v)?,
                "count" => count = Some(parse(v)?),
                "format" => format = v.to_string(),
                _ => {
                    return Err(fail(format!(
                        "unrecognized arguments to with_sequence: {k}"
                    )));
                }
            }
        }
    } else if let Some((a, b)) = term.split_once('-') {
        start = parse(a)?;
        end = Some(parse(b)?);
    } else {
        end = Some(parse(term)?);
    }
    let end = match (end, count) {
        (_, Some(c)) => start + (c - 1) * stride,
        (Some(e), None) => e,
        (None, None) => return Err(fail("must specify count or end in with_sequence")),
    };
    if stride == 0 {
        return Err(fail("stride must not be zero"));
    }
    let mut out = Vec::new();
    let mut i = start;
    while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
        out.push(JValue::from(format.replacen("%d", &i.to_string(), 1)));
        i += stride;
    }
    Ok(out)
}

/// Runs the plugin honouring `errors=`: 'strict' (default) fails, 'warn' and 'ignore'
/// give no result (`None` from lookup, `[]` from query).
fn run_with_errors(
    state: &mut State,
    plugin: &str,
    terms: &[JValue],
    kwargs: &Kwargs,
) -> Result<Option<Vec<JValue>>, JError> {
    let errors = kwargs.get::<Option<String>>("errors")?;
    match run(state, plugin, terms, kwargs) {
        Ok(results) => Ok(Some(results)),
        Err(_) if matches!(errors.as_deref(), Some("ignore" | "warn")) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `lookup`: a list of strings is joined with commas, a single value is itself, anything
/// else stays a list (wantlist=True: always the list).
fn lookup(
    state: &mut State,
    plugin: String,
    terms: Rest<JValue>,
    kwargs: Kwargs,
) -> Result<JValue, JError> {
    let wantlist = kwargs.get::<Option<bool>>("wantlist")?.unwrap_or(false);
    let Some(results) = run_with_errors(state, &plugin, &terms, &kwargs)? else {
        return Ok(JValue::from(()));
    };
    if wantlist {
        return Ok(JValue::from(results));
    }
    if !results.is_empty() && results.iter().all(|v| v.as_str().is_some()) {
        let parts: Vec<&str> = results.iter().filter_map(|v| v.as_str()).collect();
        return Ok(JValue::from(parts.join(",")));
    }
    if results.len() == 1 {
        return Ok(results.into_iter().next().unwrap_or_default());
    }
    Ok(JValue::from(results))
}

fn query(
    state: &mut State,
    plugin: String,
    terms: Rest<JValue>,
    kwargs: Kwargs,
) -> Result<JValue, JError> {
    let results = run_with_errors(state, &plugin, &terms, &kwargs)?;
    Ok(JValue::from(results.unwrap_or_default()))
}
