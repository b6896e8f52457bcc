//! `when`, `failed_when`, `changed_when` and `until`: lists of conditions that must all
//! hold.

use crate::template::{Templar, TemplateError, VarContext};
use crate::vars::Value;

/// A keyword's value as a list of conditions.
pub fn as_conditions(v: Option<&Value>) -> Vec<Value> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(items)) => items.clone(),
        Some(v) => vec![v.clone()],
    }
}

/// Evaluate every condition; on the first false one, return it (as written).
pub fn first_false(
    templar: &Templar,
    conds: &[Value],
    ctx: &VarContext,
) -> Result<Option<Value>, TemplateError> {
    for c in conds {
        let holds = match c {
            Value::Bool(b) => *b,
            Value::Str(s) | Value::Unsafe(s) => templar.condition(s, ctx)?,
            Value::Null => false,
            other => other.is_truthy(),
        };
        if !holds {
            return Ok(Some(c.clone()));
        }
    }
    Ok(None)
}
