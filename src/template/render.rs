//! Rendering one template string in a scope, with Ansible's native-type rule: a template
//! whose whole output is a single expression yields that expression's value; anything
//! else yields the concatenated text, each value written as Python's `str()` (None as
//! nothing, as Ansible's finalizer does).

use std::sync::{Arc, OnceLock};

use regex::Regex;

use minijinja::value::Value as JValue;
use minijinja::{Error as JError, ErrorKind, Output, State};

use super::Templar;
use super::context::{Scope, explain_lazy_item};
use super::convert::{python_str_of, python_type_name};
use super::error::TemplateError;
use super::filters::core::MANDATORY_MARKER;
use super::omit::{is_omit_value, is_silent_undefined};

/// The values a render wrote, to decide whether its result is native.
#[derive(Default)]
struct NativeCapture {
    writes: usize,
    first: Option<JValue>,
}

/// The formatter: records each written value, refuses undefined ones (Ansible's
/// StrictUndefined), and writes Python's `str()` of the rest.
pub(crate) fn format_value(
    out: &mut Output,
    state: &mut State,
    value: &JValue,
) -> Result<(), JError> {
    if value.is_undefined() {
        return Err(JError::new(
            ErrorKind::UndefinedError,
            "undefined value written",
        ));
    }
    let capture = state.get_or_insert_extension(NativeCapture::default());
    capture.writes += 1;
    if capture.writes == 1 {
        capture.first = Some(value.clone());
    }
    if value.is_none() || is_omit_value(value) || is_silent_undefined(value) {
        return Ok(());
    }
    let text = python_str_of(value)
        .map_err(|e| JError::new(ErrorKind::InvalidOperation, e.to_string()))?;
    out.write_str(&text)
        .map_err(|_| JError::new(ErrorKind::WriteFailure, "write failed"))
}

impl Templar {
    /// Render `source` against `scope`, returning a native value or text.
    pub(crate) fn render_in_scope(
        &self,
        source: &str,
        scope: &Arc<Scope>,
    ) -> Result<JValue, TemplateError> {
        let prepared = super::source::prepare_source(source);
        let template = self
            .env
            .template_from_str(&prepared)
            .map_err(|e| syntax_error(&e, source, &prepared))?;
        let captured = match template.render_captured(scope.root()) {
            Ok(c) => c,
            Err(err) if err.kind() == ErrorKind::UndefinedError && tolerates_undefined(source) => {
                // Perhaps an attribute of an undefined value on its way to `default` or
                // `is defined`: Ansible allows that chain, strict minijinja does not.
                let template = self
                    .chainable_env
                    .template_from_str(&prepared)
                    .map_err(|e| syntax_error(&e, source, &prepared))?;
                match template.render_captured(scope.root()) {
                    Ok(c) => c,
                    Err(_) => return Err(translate_error(&err, source, &prepared, scope)),
                }
            }
            Err(err) => return Err(translate_error(&err, source, &prepared, scope)),
        };
        let output = captured.output();
        // Jinja drops the source's final newline; Ansible gives it back to text results.
        let keep_newline = |text: &str| -> JValue {
            if source.ends_with('\n') && !text.ends_with('\n') {
                JValue::from(format!("{text}\n"))
            } else {
                JValue::from(text)
            }
        };
        let Some(capture) = captured.state().get_extension::<NativeCapture>() else {
            return Ok(keep_newline(output));
        };
        if capture.writes == 1
            && let Some(first) = &capture.first
        {
            // The single value is the whole output only when no literal text surrounds it.
            let alone = if first.is_none() || is_omit_value(first) || is_silent_undefined(first) {
                output.is_empty()
            } else {
                python_str_of(first).map(|s| s == output).unwrap_or(false)
            };
            if alone && is_silent_undefined(first) {
                return Err(TemplateError::runtime(
                    "Error rendering template: Type 'Undefined' is unsupported for variable storage.",
                ));
            }
            if alone {
                if let Some(text) = first.as_str() {
                    return Ok(if first.is_safe() {
                        first.clone()
                    } else {
                        keep_newline(text)
                    });
                }
                return Ok(first.clone());
            }
        }
        Ok(keep_newline(output))
    }
}

/// Whether a template handles undefined values itself (`default`, `d(...)`, `is defined`,
/// `is undefined`), which makes chained lookups on undefined values legitimate.
fn tolerates_undefined(source: &str) -> bool {
    static GUARD: OnceLock<Option<Regex>> = OnceLock::new();
    GUARD
        .get_or_init(|| {
            Regex::new(r"\|\s*(default|d|ansible\.builtin\.default)\b|\bis\s+(not\s+)?(un)?defined\b|'defined'|'undefined'")
                .ok()
        })
        .as_ref()
        .is_some_and(|re| re.is_match(source))
}

/// `source` is the template as written, `compiled` the text minijinja compiled (see
/// source.rs); error spans point into the latter.
fn syntax_error(err: &JError, source: &str, compiled: &str) -> TemplateError {
    let (line, column) = position(err, compiled);
    TemplateError::Syntax {
        message: err.detail().unwrap_or("syntax error").to_string(),
        line,
        column,
        template: source.to_string(),
    }
}

/// 1-based line and column of an error's span.
fn position(err: &JError, source: &str) -> (usize, usize) {
    let line = err.line().unwrap_or(1);
    let column = err
        .range()
        .map(|r| {
            let before = source.get(..r.start).unwrap_or(source);
            let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
            before[line_start..].chars().count() + 1
        })
        .unwrap_or(1);
    (line, column)
}

/// A minijinja error as the error Ansible would report.
pub(crate) fn translate_error(
    err: &JError,
    source: &str,
    compiled: &str,
    scope: &Arc<Scope>,
) -> TemplateError {
    if let Some(nested) = scope.take_nested_error() {
        return nested;
    }
    let detail = err.detail().unwrap_or_default();
    match err.kind() {
        ErrorKind::SyntaxError => return syntax_error(err, source, compiled),
        ErrorKind::UnknownFilter | ErrorKind::UnknownTest => {
            let what = if err.kind() == ErrorKind::UnknownFilter {
                "filter"
            } else {
                "test"
            };
            let name = detail
                .trim_start_matches(what)
                .trim_end_matches("is unknown")
                .trim();
            let (line, column) = position(err, compiled);
            return TemplateError::Syntax {
                message: format!("No {what} named '{name}'."),
                line,
                column,
                template: source.to_string(),
            };
        }
        ErrorKind::UnknownFunction => {
            let name = detail.trim_end_matches("is unknown").trim();
            return TemplateError::Undefined {
                name: name.to_string(),
            };
        }
        ErrorKind::UndefinedError if detail == MANDATORY_MARKER => {
            let name = match first_undefined_in_source(source, scope) {
                Some(TemplateError::Undefined { name }) => name,
                _ => "value".to_string(),
            };
            return TemplateError::Mandatory {
                message: format!(
                    "The filter plugin 'ansible.builtin.mandatory' failed: Mandatory variable '{name}' not defined."
                ),
            };
        }
        ErrorKind::UndefinedError => {
            let span = err.range().and_then(|r| compiled.get(r)).unwrap_or(source);
            return undefined_in(span, source, scope);
        }
        _ => {}
    }
    // minijinja names the undefined operand of a failed operation: "(`x` is undefined)".
    if let Some(start) = detail.find('`')
        && let Some(len) = detail[start + 1..].find("` is undefined")
    {
        return undefined_in(&detail[start + 1..start + 1 + len], source, scope);
    }
    // Errors raised by our own filters carry Ansible's text as their detail.
    let mut message = err
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| err.to_string());
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        message = c.to_string();
        cause = c.source();
    }
    TemplateError::runtime(message)
}

/// Name what is undefined in the expression text `span` (the part of `source` that
/// failed): the first missing attribute along a variable chain, or else the first
/// variable of the template that nothing defines.
fn undefined_in(span: &str, source: &str, scope: &Arc<Scope>) -> TemplateError {
    let expr = span
        .trim()
        .trim_start_matches("{{")
        .trim_start_matches('-')
        .trim_end_matches("}}")
        .trim_end_matches('-')
        .trim();
    let chain = parse_chain(expr);
    let referenced = referenced_names(source, scope);
    if let Some((Accessor::Name(root), accessors)) = chain.split_first()
        && referenced.iter().any(|n| n == root)
    {
        if let Some(reason) = scope.undefined_reason(root) {
            return reason;
        }
        let Some(mut current) = scope.lookup(root).filter(|v| !v.is_undefined()) else {
            return TemplateError::Undefined { name: root.clone() };
        };
        for accessor in accessors {
            let (key, shown) = match accessor {
                Accessor::Name(n) => (JValue::from(n.as_str()), format!("'{n}'")),
                Accessor::Index(i) => (JValue::from(*i), i.to_string()),
            };
            let next = match accessor {
                Accessor::Name(n) => current.get_attr(n).ok(),
                Accessor::Index(_) => current.get_item(&key).ok(),
            };
            match next.filter(|v| !v.is_undefined()) {
                Some(v) => current = v,
                None => {
                    if let Some(reason) = explain_lazy_item(&current, &key) {
                        return reason;
                    }
                    return TemplateError::MissingAttribute {
                        type_name: python_type_name(&current).to_string(),
                        attribute: shown,
                    };
                }
            }
        }
    }
    first_undefined_in_source(source, scope).unwrap_or_else(|| TemplateError::Undefined {
        name: expr.to_string(),
    })
}

/// The variables a template refers to, in order of first appearance.
fn referenced_names(source: &str, scope: &Arc<Scope>) -> Vec<String> {
    let prepared = super::source::prepare_source(source);
    let Ok(template) = scope.templar.env.template_from_str(&prepared) else {
        return Vec::new();
    };
    let mut names: Vec<String> = template.undeclared_variables(false).into_iter().collect();
    names.sort_by_key(|n| source.find(n.as_str()).unwrap_or(usize::MAX));
    names
}

/// The first variable of the template that nothing defines (with the reason, when a
/// lazily rendered variable failed on an undefined name of its own).
fn first_undefined_in_source(source: &str, scope: &Arc<Scope>) -> Option<TemplateError> {
    for name in referenced_names(source, scope) {
        if let Some(reason) = scope.undefined_reason(&name) {
            return Some(reason);
        }
        if scope.lookup(&name).is_none_or(|v| v.is_undefined()) {
            return Some(TemplateError::Undefined { name });
        }
    }
    None
}

enum Accessor {
    Name(String),
    Index(i64),
}

/// `a.b['c'][0]` as accessors; stops at the first thing that is not a plain access.
fn parse_chain(expr: &str) -> Vec<Accessor> {
    let mut out = Vec::new();
    let bytes = expr.as_bytes();
    let mut i = 0;
    let ident = |i: &mut usize| -> Option<String> {
        let start = *i;
        while *i < bytes.len() && (bytes[*i].is_ascii_alphanumeric() || bytes[*i] == b'_') {
            *i += 1;
        }
        (*i > start && !bytes[start].is_ascii_digit()).then(|| expr[start..*i].to_string())
    };
    match ident(&mut i) {
        Some(name) => out.push(Accessor::Name(name)),
        None => return out,
    }
    while i < bytes.len() {
        match bytes[i] {
            b'.' => {
                i += 1;
                match ident(&mut i) {
                    Some(name) => out.push(Accessor::Name(name)),
                    None => break,
                }
            }
            b'[' => {
                let Some(end) = expr[i..].find(']') else {
                    break;
                };
                let inner = expr[i + 1..i + end].trim();
                if let Ok(n) = inner.parse::<i64>() {
                    out.push(Accessor::Index(n));
                } else if inner.len() >= 2
                    && (inner.starts_with('\'') && inner.ends_with('\'')
                        || inner.starts_with('"') && inner.ends_with('"'))
                {
                    out.push(Accessor::Name(inner[1..inner.len() - 1].to_string()));
                } else {
                    break;
                }
                i += end + 1;
            }
            _ => break,
        }
    }
    out
}
