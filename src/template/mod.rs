//! Jinja2 templating (placeholder until the full Ansible-compatible layer lands): renders
//! strings against a host's variables with minijinja.

use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior, value::Value as MjValue};

use crate::vars::{Key, Map, Value};

/// Lazy access to other hosts' variables (`hostvars`).
pub trait HostvarsSource: Send + Sync {
    fn host_names(&self) -> Vec<String>;
    fn host_vars(&self, host: &str) -> Option<Arc<Map>>;
}

/// Everything a template can see for one host at one moment.
#[derive(Clone)]
pub struct VarContext {
    pub vars: Arc<Map>,
    pub hostvars: Option<Arc<dyn HostvarsSource>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("'{name}' is undefined")]
    Undefined { name: String },
    #[error("{0}")]
    Render(String),
}

pub struct Templar {
    env: Environment<'static>,
}

impl Default for Templar {
    fn default() -> Self {
        Self::new()
    }
}

impl Templar {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        Templar { env }
    }

    pub fn is_template(s: &str) -> bool {
        s.contains("{{") || s.contains("{%") || s.contains("{#")
    }

    pub fn template(&self, value: &Value, ctx: &VarContext) -> Result<Value, TemplateError> {
        match value {
            Value::Str(s) if Self::is_template(s) => self.render_str(s, ctx),
            Value::List(items) => Ok(Value::List(
                items
                    .iter()
                    .map(|v| self.template(v, ctx))
                    .collect::<Result<_, _>>()?,
            )),
            Value::Map(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    out.insert(k.clone(), self.template(v, ctx)?);
                }
                Ok(Value::Map(out))
            }
            other => Ok(other.clone()),
        }
    }

    pub fn condition(&self, expr: &str, ctx: &VarContext) -> Result<bool, TemplateError> {
        let v = self.expression(expr, ctx)?;
        Ok(v.is_truthy())
    }

    pub fn expression(&self, expr: &str, ctx: &VarContext) -> Result<Value, TemplateError> {
        let expr = expr.trim();
        if let Some(inner) = single_expression(expr) {
            return self.expression(inner, ctx);
        }
        let compiled = self
            .env
            .compile_expression(expr)
            .map_err(|e| TemplateError::Render(e.to_string()))?;
        let out = compiled
            .eval(self.context(ctx)?)
            .map_err(|e| TemplateError::Render(e.to_string()))?;
        let v = from_mj(&out);
        self.template(&v, ctx)
    }

    fn render_str(&self, s: &str, ctx: &VarContext) -> Result<Value, TemplateError> {
        if let Some(inner) = single_expression(s) {
            return self.expression(inner, ctx);
        }
        let out = self
            .env
            .render_str(s, self.context(ctx)?)
            .map_err(|e| TemplateError::Render(e.to_string()))?;
        Ok(Value::Str(out))
    }

    fn context(&self, ctx: &VarContext) -> Result<MjValue, TemplateError> {
        let mut rendered = Vec::new();
        for (k, v) in ctx.vars.iter() {
            if let Key::Str(k) = k {
                let v = match v {
                    Value::Str(s) if Self::is_template(s) => {
                        // Shallow, non-recursive: enough for the placeholder.
                        let plain = VarContext {
                            vars: Arc::new(Map::new()),
                            hostvars: None,
                        };
                        self.render_str(s, &plain).unwrap_or_else(|_| v.clone())
                    }
                    _ => v.clone(),
                };
                rendered.push((k.clone(), to_mj(&v)));
            }
        }
        Ok(MjValue::from(
            rendered
                .into_iter()
                .collect::<std::collections::BTreeMap<String, MjValue>>(),
        ))
    }
}

fn single_expression(s: &str) -> Option<&str> {
    let t = s.trim();
    let inner = t.strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("}}") {
        return None;
    }
    Some(inner.trim())
}

pub fn to_mj(v: &Value) -> MjValue {
    match v {
        Value::Null => MjValue::from(()),
        Value::Bool(b) => MjValue::from(*b),
        Value::Int(i) => MjValue::from(*i),
        Value::BigInt(s) => MjValue::from(s.clone()),
        Value::Float(f) => MjValue::from(*f),
        Value::Str(s) | Value::Unsafe(s) => MjValue::from(s.clone()),
        Value::Timestamp(t) => MjValue::from(t.python_str()),
        Value::List(l) => MjValue::from(l.iter().map(to_mj).collect::<Vec<_>>()),
        Value::Map(m) => MjValue::from(
            m.iter()
                .map(|(k, v)| (key_string(k), to_mj(v)))
                .collect::<std::collections::BTreeMap<String, MjValue>>(),
        ),
    }
}

fn key_string(k: &Key) -> String {
    match k {
        Key::Str(s) => s.clone(),
        other => crate::output::python_repr::repr_key(other),
    }
}

pub fn from_mj(v: &MjValue) -> Value {
    use minijinja::value::ValueKind;
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => Value::Null,
        ValueKind::Bool => Value::Bool(v.is_true()),
        ValueKind::Number => {
            if let Ok(i) = i64::try_from(v.clone()) {
                Value::Int(i)
            } else {
                Value::Float(f64::try_from(v.clone()).unwrap_or(f64::NAN))
            }
        }
        ValueKind::String => Value::Str(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Seq | ValueKind::Iterable => match v.try_iter() {
            Ok(it) => Value::List(it.map(|x| from_mj(&x)).collect()),
            Err(_) => Value::Null,
        },
        ValueKind::Map => {
            let mut out = Map::new();
            if let Ok(keys) = v.try_iter() {
                for k in keys {
                    let val = v.get_item(&k).unwrap_or_default();
                    out.insert(Key::Str(k.to_string()), from_mj(&val));
                }
            }
            Value::Map(out)
        }
        _ => Value::Str(v.to_string()),
    }
}
