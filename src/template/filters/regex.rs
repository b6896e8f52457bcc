//! Python `re` filters and tests on Rust's regex crate.
//!
//! Python and Rust regex syntax agree on what playbooks use (classes, groups, named
//! groups `(?P<n>...)`, anchors, flags). Look-around and backreferences inside patterns
//! are not supported by the regex crate and fail with an error.

use minijinja::value::{Kwargs, Rest, Value as JValue};
use minijinja::{Environment, Error as JError, ErrorKind};
use regex::{Captures, Regex, RegexBuilder};

use super::{arg, fail, ret};
use crate::output::python_repr::python_str;
use crate::vars::Value;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", |v: &JValue| -> Result<String, JError> {
        Ok(regex::escape(&text(v)?))
    });
}

fn text(value: &JValue) -> Result<String, JError> {
    if value.is_undefined() {
        return Err(JError::new(
            ErrorKind::UndefinedError,
            "undefined filter input",
        ));
    }
    Ok(python_str(&arg(value)?))
}

pub(crate) fn compile(pattern: &str, ignorecase: bool, multiline: bool) -> Result<Regex, JError> {
    RegexBuilder::new(pattern)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .build()
        .map_err(|e| fail(format!("invalid regular expression {pattern:?}: {e}")))
}

fn flags(kwargs: &Kwargs) -> Result<(bool, bool), JError> {
    Ok((
        kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false),
        kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false),
    ))
}

/// Expand a Python replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`) for one match.
fn expand(template: &str, caps: &Captures) -> String {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some(d) if d.is_ascii_digit() => {
                let mut num = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_digit() && num.len() < 2 {
                        num.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let idx: usize = num.parse().unwrap_or(0);
                out.push_str(caps.get(idx).map_or("", |m| m.as_str()));
            }
            Some('g') => {
                chars.next();
                if chars.peek() == Some(&'<') {
                    chars.next();
                    let name: String = chars.by_ref().take_while(|&c| c != '>').collect();
                    let group = match name.parse::<usize>() {
                        Ok(i) => caps.get(i),
                        Err(_) => caps.name(&name),
                    };
                    out.push_str(group.map_or("", |m| m.as_str()));
                } else {
                    out.push_str("\\g");
                }
            }
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            Some('t') => {
                chars.next();
                out.push('\t');
            }
            Some('\\') => {
                chars.next();
                out.push('\\');
            }
            _ => out.push('\\'),
        }
    }
    out
}

fn regex_replace(
    value: &JValue,
    pattern: Option<String>,
    replacement: Option<String>,
    kwargs: Kwargs,
) -> Result<String, JError> {
    let subject = text(value)?;
    let pattern = match pattern {
        Some(p) => p,
        None => kwargs.get::<Option<String>>("pattern")?.unwrap_or_default(),
    };
    let replacement = match replacement {
        Some(r) => r,
        None => kwargs
            .get::<Option<String>>("replacement")?
            .unwrap_or_default(),
    };
    let (ignorecase, multiline) = flags(&kwargs)?;
    let count = kwargs.get::<Option<usize>>("count")?.unwrap_or(0);
    let mandatory_count = kwargs.get::<Option<usize>>("mandatory_count")?.unwrap_or(0);
    kwargs.assert_all_used()?;
    let re = compile(&pattern, ignorecase, multiline)?;
    let mut out = String::new();
    let mut last = 0;
    let mut done = 0;
    for caps in re.captures_iter(&subject) {
        if count > 0 && done == count {
            break;
        }
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&subject[last..m.start()]);
        out.push_str(&expand(&replacement, &caps));
        last = m.end();
        done += 1;
    }
    out.push_str(&subject[last..]);
    if mandatory_count > 0 && done != mandatory_count {
        return Err(fail(format!(
            "'{pattern}' should match {mandatory_count} times, but matches {done} times in '{subject}'"
        )));
    }
    Ok(out)
}

/// `regex_search(regex, *groups)`: the match, or a list of the named groups, or None.
fn regex_search(
    value: &JValue,
    pattern: String,
    groups: Rest<JValue>,
    kwargs: Kwargs,
) -> Result<JValue, JError> {
    let subject = text(value)?;
    let (ignorecase, multiline) = flags(&kwargs)?;
    kwargs.assert_all_used()?;
    let re = compile(&pattern, ignorecase, multiline)?;
    let Some(caps) = re.captures(&subject) else {
        return Ok(JValue::from(()));
    };
    if groups.is_empty() {
        return Ok(JValue::from(caps.get(0).map_or("", |m| m.as_str())));
    }
    let mut items = Vec::new();
    for g in groups.iter() {
        let spec = g.as_str().unwrap_or_default();
        let group = if let Some(name) = spec.strip_prefix("\\g<").and_then(|s| s.strip_suffix('>'))
        {
            caps.name(name)
        } else if let Some(num) = spec.strip_prefix('\\') {
            caps.get(
                num.parse::<usize>()
                    .map_err(|_| fail(format!("Unknown argument {spec}")))?,
            )
        } else {
            return Err(fail(format!("Unknown argument {spec}")));
        };
        items.push(group.map_or(Value::Null, |m| Value::Str(m.as_str().to_string())));
    }
    Ok(ret(&Value::List(items)))
}

/// `re.findall`: whole matches without groups, the group with one, tuples with several.
fn regex_findall(value: &JValue, pattern: String, kwargs: Kwargs) -> Result<JValue, JError> {
    let subject = text(value)?;
    let (ignorecase, multiline) = flags(&kwargs)?;
    kwargs.assert_all_used()?;
    let re = compile(&pattern, ignorecase, multiline)?;
    let groups = re.captures_len() - 1;
    let group_text =
        |caps: &Captures, i: usize| Value::Str(caps.get(i).map_or("", |m| m.as_str()).to_string());
    let items = re
        .captures_iter(&subject)
        .map(|caps| match groups {
            0 => group_text(&caps, 0),
            1 => group_text(&caps, 1),
            n => Value::List((1..=n).map(|i| group_text(&caps, i)).collect()),
        })
        .collect();
    Ok(ret(&Value::List(items)))
}
