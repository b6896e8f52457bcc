//! Ansible's Jinja2 templating (as ansible-core 2.19 does it), on minijinja.
//!
//! - [`Templar::template`] renders a value: strings are templates, containers are walked.
//! - [`Templar::condition`] evaluates `when:`-style conditionals (boolean results only).
//! - [`Templar::expression`] evaluates a bare expression to its value.
//!
//! Variables are given unrendered ([`VarContext`]) and rendered on access; see
//! `context.rs`. docs/templating.md lists the semantics and known differences.

mod context;
mod convert;
mod error;
mod filters;
mod jinja_tests;
mod methods;
mod omit;
mod render;
mod source;
#[cfg(test)]
mod unit_tests;

use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior};

pub use error::TemplateError;
pub use omit::{OMIT_PLACEHOLDER, is_omit};

use crate::vars::{Key, Map, Value};
use context::Scope;
use convert::{from_jinja, python_type_name};

/// The hosts reachable through the `hostvars` magic variable.
pub trait HostvarsSource: Send + Sync {
    fn host_names(&self) -> Vec<String>;
    /// A host's variables, merged in precedence order, UNRENDERED (templates inside are
    /// rendered lazily on access).
    fn host_vars(&self, host: &str) -> Option<Arc<Map>>;
}

/// Everything a template can see for one host at one moment.
#[derive(Clone)]
pub struct VarContext {
    /// Merged variables, unrendered.
    pub vars: Arc<Map>,
    /// Source of the `hostvars` magic variable, lazily rendered per host.
    pub hostvars: Option<Arc<dyn HostvarsSource>>,
}

impl VarContext {
    pub fn new(vars: Map) -> Self {
        VarContext {
            vars: Arc::new(vars),
            hostvars: None,
        }
    }
}

/// The templating engine: configured minijinja environments. Cheap to clone.
///
/// Ansible's undefined is strict (printing, testing, iterating or filtering an undefined
/// value fails) except that attribute lookups on it chain (`x.missing.deeper | default(1)`
/// works). minijinja offers one or the other, so templates are rendered strictly first;
/// when that fails on an undefined value and the template uses `default`/`defined`, it is
/// rendered again with chainable undefined (see render.rs).
#[derive(Clone)]
pub struct Templar {
    env: Arc<Environment<'static>>,
    chainable_env: Arc<Environment<'static>>,
}

impl Default for Templar {
    fn default() -> Self {
        Self::new()
    }
}

impl Templar {
    pub fn new() -> Self {
        Templar {
            env: Arc::new(Self::environment(UndefinedBehavior::Strict)),
            chainable_env: Arc::new(Self::environment(UndefinedBehavior::Chainable)),
        }
    }

    fn environment(undefined: UndefinedBehavior) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_undefined_behavior(undefined);
        // Writing an undefined value is refused by the formatter in both modes.
        env.set_formatter(render::format_value);
        env.set_unknown_method_callback(methods::call_method);
        env.set_recursion_limit(200);
        // Ansible renders with trim_blocks=True (and keeps a string result's trailing
        // newline; see render.rs).
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        env.add_global(
            source::SILENT_UNDEFINED,
            minijinja::value::Value::from_object(omit::SilentUndefined),
        );
        filters::register(&mut env);
        jinja_tests::register(&mut env);
        env
    }

    /// True when a string would be rendered (it holds `{{`, `{%` or `{#`).
    pub fn is_template(s: &str) -> bool {
        s.contains("{{") || s.contains("{%") || s.contains("{#")
    }

    /// Template a value recursively: strings rendered, lists and maps recursed (keys too),
    /// `Value::Unsafe` never rendered.
    pub fn template(&self, value: &Value, ctx: &VarContext) -> Result<Value, TemplateError> {
        let scope = self.scope(ctx);
        self.template_in(value, &scope)
    }

    fn template_in(&self, value: &Value, scope: &Arc<Scope>) -> Result<Value, TemplateError> {
        Ok(match value {
            Value::Str(s) if Self::is_template(s) => {
                scope.clear_nested_error();
                from_jinja(&scope.render(s)?)?
            }
            Value::List(items) => Value::List(
                items
                    .iter()
                    .map(|v| self.template_in(v, scope))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Map(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let key = match k {
                        Key::Str(s) if Self::is_template(s) => {
                            convert::key_from_jinja(&scope.render(s)?)?
                        }
                        other => other.clone(),
                    };
                    out.insert(key, self.template_in(v, scope)?);
                }
                Value::Map(out)
            }
            other => other.clone(),
        })
    }

    /// `when:` / `failed_when:` / `changed_when:` / `until:`: a bare expression (or a
    /// string with `{{ }}`), whose result must be a boolean as in Ansible 2.19.
    pub fn condition(&self, expr: &str, ctx: &VarContext) -> Result<bool, TemplateError> {
        let trimmed = expr.trim();
        if trimmed.is_empty() {
            return Ok(true);
        }
        let mut value = self.expression_value(trimmed, ctx)?;
        if Self::is_template(trimmed)
            && let Value::Str(text) = &value
        {
            // `when: "{{ x }}"`: Ansible evaluates the rendered text as an expression.
            value = self.expression_value(&text.clone(), ctx)?;
        }
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(TemplateError::NonBooleanConditional {
                truthy: if other.is_truthy() { "True" } else { "False" }.to_string(),
                type_name: other.python_type_name().to_string(),
            }),
        }
    }

    /// A bare expression's value (`debug: var=`, `loop:` and friends). A string that is
    /// itself a template is rendered as one.
    pub fn expression(&self, expr: &str, ctx: &VarContext) -> Result<Value, TemplateError> {
        self.expression_value(expr.trim(), ctx)
    }

    fn expression_value(&self, expr: &str, ctx: &VarContext) -> Result<Value, TemplateError> {
        let scope = self.scope(ctx);
        scope.clear_nested_error();
        let source = if Self::is_template(expr) {
            expr.to_string()
        } else {
            format!("{{{{ {expr} }}}}")
        };
        let value = scope.render(&source)?;
        from_jinja(&value)
    }

    fn scope(&self, ctx: &VarContext) -> Arc<Scope> {
        Scope::new(self.clone(), ctx.vars.clone(), ctx.hostvars.clone())
    }
}

/// Python's type name of a rendered value, for callers' messages.
pub fn type_name_of(value: &minijinja::value::Value) -> &'static str {
    python_type_name(value)
}
