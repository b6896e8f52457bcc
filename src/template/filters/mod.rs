//! Ansible's filters (ansible.builtin core filters plus the Jinja builtins it relies on),
//! and the `lookup`/`query` functions.

mod collections;
pub(crate) mod core;
mod encoding;
mod lists;
mod lookup;
pub(crate) mod regex;
pub(crate) mod serialize;

use minijinja::value::{Kwargs, Rest, Value as JValue};
use minijinja::{Environment, Error as JError, ErrorKind, State};

use super::convert::{from_jinja, to_jinja};
use super::error::TemplateError;
use crate::vars::Value;

pub(crate) fn register(env: &mut Environment<'static>) {
    strict_builtins(env);
    core::register(env);
    collections::register(env);
    encoding::register(env);
    regex::register(env);
    lookup::register(env);
    lists::register(env);
    lists::register_fqcn_aliases(env);
}

/// A roller value from a filter argument (lazy containers are rendered).
pub(crate) fn arg(value: &JValue) -> Result<Value, JError> {
    from_jinja(value).map_err(to_jinja_error)
}

pub(crate) fn ret(value: &Value) -> JValue {
    to_jinja(value)
}

pub(crate) fn to_jinja_error(err: TemplateError) -> JError {
    let kind = if err.is_undefined() {
        ErrorKind::UndefinedError
    } else {
        ErrorKind::InvalidOperation
    };
    JError::new(kind, err.to_string())
}

pub(crate) fn fail(message: impl Into<String>) -> JError {
    JError::new(ErrorKind::InvalidOperation, message.into())
}

/// Ansible's undefined is strict: a filter given an undefined input fails (except the
/// few made to handle it, like `default`). minijinja's builtins are lenient about that
/// under chainable undefined, so each is re-registered behind a check.
fn strict_builtins(env: &mut Environment<'static>) {
    macro_rules! strict {
        ($($name:literal => $f:path),* $(,)?) => {$(
            env.add_filter(concat!("__builtin_", $name), $f);
            env.add_filter($name, |state: &mut State, args: Rest<JValue>, kwargs: Kwargs| -> Result<JValue, JError> {
                if args.first().is_some_and(|v| v.is_undefined()) {
                    return Err(JError::new(ErrorKind::UndefinedError, "undefined filter input"));
                }
                let all = lists::forward(args, kwargs);
                state.apply_filter(concat!("__builtin_", $name), &all)
            });
        )*};
    }
    use minijinja::filters as f;
    strict!(
        "lower" => f::lower,
        "upper" => f::upper,
        "title" => f::title,
        "capitalize" => f::capitalize,
        "trim" => f::trim,
        "length" => f::length,
        "count" => f::length,
        "join" => f::join,
        "split" => f::split,
        "first" => f::first,
        "last" => f::last,
        "sort" => f::sort,
        "items" => f::items,
        "reverse" => f::reverse,
        "round" => f::round,
        "abs" => f::abs,
        "sum" => f::sum,
        "min" => f::min,
        "max" => f::max,
        "map" => f::map,
        "select" => f::select,
        "reject" => f::reject,
        "selectattr" => f::selectattr,
        "rejectattr" => f::rejectattr,
        "batch" => f::batch,
        "slice" => f::slice,
        "indent" => f::indent,
        "format" => f::format,
        "groupby" => f::groupby,
        "attr" => f::attr,
        "unique" => f::unique,
    );
}
