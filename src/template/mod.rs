//! Ansible's Jinja2 templating (as ansible-core 2.19 does it), on minijinja.
//!
//! - [`Templar::template`] renders a value: strings are templates, containers are walked.
//! - [`Templar::condition`] evaluates `when:`-style conditionals (boolean results only).
//! - [`Templar::expression`] evaluates a bare expression to its value.
//! - [`Templar::render_text`] / [`Templar::render_file`] render text (the `template`
//!   action), [`Templar::query`] runs a lookup plugin (`with_*` loops).
//!
//! Variables are given unrendered ([`VarContext`]) and rendered on access; see
//! `context.rs`. docs/templating.md lists the semantics and known differences.

mod context;
mod convert;
mod error;
mod files;
mod filters;
mod jinja_tests;
mod methods;
mod mutable;
mod omit;
mod render;
pub(crate) mod source;
#[cfg(test)]
mod unit_tests;
mod versions;

use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior};

pub use error::TemplateError;
/// Python's `json.dumps`, for modules that send JSON as Ansible does (`uri`'s body).
pub(crate) use filters::serialize::{JsonStyle, json_dumps};
pub use omit::{OMIT_PLACEHOLDER, is_omit};

use crate::vars::{Map, Value};
use context::Scope;
use convert::from_jinja;

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

/// ansible-core 2.19 renders a template once: a result that looks like a template
/// (`"{{ '{{' }} n }}"` gives `{{ n }}`) stays text when it is stored (`set_fact`,
/// `register`) and used again. Such strings are returned as `Value::Unsafe` so that the
/// lazy variable lookup never renders them a second time.
fn rendered_once(value: Value) -> Value {
    match value {
        Value::Str(s) if Templar::is_template(&s) => Value::Unsafe(s),
        Value::List(items) => Value::List(items.into_iter().map(rendered_once).collect()),
        Value::Map(map) => Value::Map(
            map.into_iter()
                .map(|(k, v)| (k, rendered_once(v)))
                .collect(),
        ),
        other => other,
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
        env.add_function(mutable::MUTABLE_FN, mutable::make_mutable);
        files::configure(&mut env);
        filters::register(&mut env);
        jinja_tests::register(&mut env);
        env
    }

    /// True when a string would be rendered (it holds `{{`, `{%` or `{#`).
    pub fn is_template(s: &str) -> bool {
        s.contains("{{") || s.contains("{%") || s.contains("{#")
    }

    /// Template a value recursively: strings rendered, lists and maps recursed (keys are
    /// not templated, as in ansible-core 2.19; items that render to `omit` are dropped),
    /// `Value::Unsafe` never rendered. A whole value of `{{ omit }}` gives the
    /// [`OMIT_PLACEHOLDER`] for the caller to drop.
    pub fn template(&self, value: &Value, ctx: &VarContext) -> Result<Value, TemplateError> {
        let scope = self.scope(ctx);
        self.template_in(value, &scope)
    }

    fn template_in(&self, value: &Value, scope: &Arc<Scope>) -> Result<Value, TemplateError> {
        Ok(match value {
            Value::Str(s) if Self::is_template(s) => {
                scope.clear_nested_error();
                rendered_once(from_jinja(&scope.render(s)?)?)
            }
            // An item that renders to `omit` is dropped, as Ansible does; keys are not
            // templated (ansible-core 2.19 leaves them as written).
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let rendered = self.template_in(item, scope)?;
                    if !is_omit(&rendered) {
                        out.push(rendered);
                    }
                }
                Value::List(out)
            }
            Value::Map(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let rendered = self.template_in(v, scope)?;
                    if !is_omit(&rendered) {
                        out.insert(k.clone(), rendered);
                    }
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

    /// The deprecation warning ansible-core 2.19 prints for a templated conditional
    /// (`when: "{{ x }}"`), or `None`. The engine adds the origin (file:line:column).
    pub fn conditional_deprecation(expr: &str) -> Option<&'static str> {
        Self::is_template(expr).then_some(
            "Conditionals should not be surrounded by templating delimiters such as {{ }} or {% %}. This feature will be removed from ansible-core version 2.23.",
        )
    }

    /// A bare expression's value (`debug: var=`, `loop:` and friends). A string that is
    /// itself a template is rendered as one.
    pub fn expression(&self, expr: &str, ctx: &VarContext) -> Result<Value, TemplateError> {
        self.expression_value(expr.trim(), ctx).map(rendered_once)
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

    /// Render text the way the `template` action does: the result is always text (a
    /// native result is written as Python's `str()`).
    pub fn render_text(&self, source: &str, ctx: &VarContext) -> Result<String, TemplateError> {
        if !Self::is_template(source) {
            return Ok(source.to_string());
        }
        let scope = self.scope(ctx);
        let mut text = convert::python_str_of(&scope.render(source)?)?;
        if source.ends_with('\n') && !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(text)
    }

    /// Render a template file for the `template` action: text, with `{% include %}`s found
    /// beside the file or in `search_dirs` (a role's and the playbook's `templates/`).
    pub fn render_file(
        &self,
        path: &std::path::Path,
        search_dirs: &[std::path::PathBuf],
        ctx: &VarContext,
    ) -> Result<String, TemplateError> {
        let source = std::fs::read_to_string(path).map_err(|e| {
            TemplateError::runtime(format!(
                "Could not find or access '{}': {e}",
                path.display()
            ))
        })?;
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let _guard = files::SearchDirsGuard::set(search_dirs.to_vec());
        let scope = self.scope(ctx);
        let name = absolute.to_string_lossy();
        let value = self.render_named(&source, &name, &scope, &scope.root())?;
        let mut text = convert::python_str_of(&value)?;
        if source.ends_with('\n') && !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(text)
    }

    /// Run a lookup plugin over already-rendered terms, as `with_<plugin>:` loops and
    /// `query(plugin, ...)` do: `items`, `list`, `dict`, `indexed_items`, `sequence`,
    /// `env`, `file`, `template`, `pipe`, `vars`.
    pub fn query(
        &self,
        plugin: &str,
        terms: &[Value],
        ctx: &VarContext,
    ) -> Result<Vec<Value>, TemplateError> {
        let scope = self.scope(ctx);
        // The terms are passed as values, never rendered again.
        let extra = minijinja::value::Value::from_pairs([
            ("__roller_plugin", minijinja::value::Value::from(plugin)),
            (
                "__roller_terms",
                terms.iter().map(convert::to_jinja).collect(),
            ),
        ]);
        let root = minijinja::value::merge_maps([extra, scope.root()]);
        let value = self.render_with_root(
            "{{ query(__roller_plugin, *__roller_terms) }}",
            &scope,
            &root,
        )?;
        match from_jinja(&value)? {
            Value::List(items) => Ok(items),
            other => Ok(vec![other]),
        }
    }

    fn scope(&self, ctx: &VarContext) -> Arc<Scope> {
        Scope::new(self.clone(), ctx.vars.clone(), ctx.hostvars.clone())
    }
}
