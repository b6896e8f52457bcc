//! Placeholders that print as nothing: `omit`, and Jinja's silent undefined.
//!
//! The `omit` placeholder.
//!
//! In ansible-core 2.19 `{{ omit }}` as a whole argument value removes the argument, inside
//! a list or dict it removes that item, and inside mixed text it writes nothing. Templates
//! see it as a dedicated object; rendered values carry it as [`OMIT_PLACEHOLDER`].

use std::fmt;
use std::sync::Arc;

use minijinja::value::{Object, Value as JValue};

use crate::vars::Value;

/// What an argument that was `{{ omit }}` renders to. The engine drops such arguments.
pub const OMIT_PLACEHOLDER: &str = "__omit_place_holder__roller";

/// True when a rendered value is the omit placeholder.
pub fn is_omit(value: &Value) -> bool {
    matches!(value, Value::Str(s) if s == OMIT_PLACEHOLDER)
}

#[derive(Debug)]
pub(crate) struct Omit;

impl Object for Omit {
    fn render(self: &Arc<Self>, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

pub(crate) fn omit_value() -> JValue {
    JValue::from_object(Omit)
}

pub(crate) fn is_omit_value(value: &JValue) -> bool {
    value.downcast_object_ref::<Omit>().is_some()
}

/// Jinja's silent undefined: the value of `a if false` without `else`. Writes nothing in
/// text; as a whole result Ansible refuses it.
#[derive(Debug)]
pub(crate) struct SilentUndefined;

impl Object for SilentUndefined {
    fn render(self: &Arc<Self>, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

pub(crate) fn is_silent_undefined(value: &JValue) -> bool {
    value.downcast_object_ref::<SilentUndefined>().is_some()
}
