//! What templates see: one host's variables, rendered lazily on access.
//!
//! A [`Scope`] is created per templating call (and per host reached through `hostvars`).
//! Variable values are kept unrendered; a lookup renders the value (a string template
//! becomes its native result, a container becomes a lazy view whose items render when
//! read) and caches it for the rest of the call. A stack of the names being resolved
//! catches `a: "{{ b }}"`, `b: "{{ a }}"` loops; a depth limit catches self-referencing
//! containers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value as JValue};
use minijinja::{Error as JError, ErrorKind};

use super::convert::{key_from_jinja, key_to_jinja, to_jinja};
use super::error::TemplateError;
use super::omit::omit_value;
use super::{HostvarsSource, Templar};
use crate::vars::{Key, Map, Value};

/// How deep renders may nest (lazy variables inside lazy variables) before it is a loop.
const MAX_RENDER_DEPTH: usize = 64;

#[derive(Default)]
struct ScopeState {
    /// Names being resolved, innermost last.
    resolving: Vec<String>,
    cache: HashMap<String, JValue>,
    /// Why a variable resolved to undefined (`b: "{{ foo }}"`: `b` -> `'foo' is undefined`).
    undefined_because: HashMap<String, TemplateError>,
    /// The first non-undefined failure of a nested render, reported instead of the vaguer
    /// error the outer template then runs into.
    nested_error: Option<TemplateError>,
    depth: usize,
}

pub(crate) struct Scope {
    pub(crate) templar: Templar,
    pub(crate) vars: Arc<Map>,
    pub(crate) hostvars: Option<Arc<dyn HostvarsSource>>,
    state: Mutex<ScopeState>,
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("vars", &self.vars.len())
            .finish()
    }
}

impl Scope {
    pub(crate) fn new(
        templar: Templar,
        vars: Arc<Map>,
        hostvars: Option<Arc<dyn HostvarsSource>>,
    ) -> Arc<Scope> {
        Arc::new(Scope {
            templar,
            vars,
            hostvars,
            state: Mutex::new(ScopeState::default()),
        })
    }

    fn state(&self) -> MutexGuard<'_, ScopeState> {
        // A poisoned lock only means another render panicked; the data is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn clear_nested_error(&self) {
        self.state().nested_error = None;
    }

    pub(crate) fn take_nested_error(&self) -> Option<TemplateError> {
        self.state().nested_error.take()
    }

    pub(crate) fn undefined_reason(&self, name: &str) -> Option<TemplateError> {
        self.state().undefined_because.get(name).cloned()
    }

    /// The root object templates are rendered against.
    pub(crate) fn root(self: &Arc<Self>) -> JValue {
        JValue::from_object(VarsObject(self.clone()))
    }

    /// A variable by name, rendered. `None` when no variable (or magic variable) has it.
    pub(crate) fn lookup(self: &Arc<Self>, name: &str) -> Option<JValue> {
        let key = Key::Str(name.to_string());
        let Some(raw) = self.vars.get(&key) else {
            return self.magic_variable(name);
        };
        {
            let mut st = self.state();
            if let Some(v) = st.cache.get(name) {
                return Some(v.clone());
            }
            if st.resolving.iter().any(|n| n == name) {
                let err = TemplateError::RecursiveLoop {
                    name: name.to_string(),
                };
                if st.nested_error.is_none() {
                    st.nested_error = Some(err.clone());
                }
                return Some(JValue::from(JError::new(
                    ErrorKind::InvalidOperation,
                    err.to_string(),
                )));
            }
            st.resolving.push(name.to_string());
        }
        let resolved = self.resolve(raw);
        let mut st = self.state();
        st.resolving.pop();
        let value = match resolved {
            Ok(v) => v,
            Err(err) if err.is_undefined() => {
                st.undefined_because.insert(name.to_string(), err);
                JValue::UNDEFINED
            }
            Err(err) => {
                let message = err.to_string();
                if st.nested_error.is_none() {
                    st.nested_error = Some(err);
                }
                JValue::from(JError::new(ErrorKind::InvalidOperation, message))
            }
        };
        st.cache.insert(name.to_string(), value.clone());
        Some(value)
    }

    fn magic_variable(self: &Arc<Self>, name: &str) -> Option<JValue> {
        match name {
            "vars" => Some(self.root()),
            "omit" => Some(omit_value()),
            "hostvars" => self.hostvars.as_ref().map(|source| {
                JValue::from_object(HostvarsObject {
                    templar: self.templar.clone(),
                    source: source.clone(),
                    scopes: Mutex::new(HashMap::new()),
                })
            }),
            _ => None,
        }
    }

    /// A raw variable value as templates see it.
    pub(crate) fn resolve(self: &Arc<Self>, raw: &Value) -> Result<JValue, TemplateError> {
        match raw {
            Value::Str(s) if Templar::is_template(s) => self.render(s),
            Value::List(items) if items.iter().any(contains_template) => {
                Ok(JValue::from_object(LazyList {
                    scope: self.clone(),
                    items: Arc::new(items.clone()),
                }))
            }
            Value::Map(map) if map.values().any(contains_template) => {
                Ok(JValue::from_object(LazyMap {
                    scope: self.clone(),
                    map: Arc::new(map.clone()),
                }))
            }
            other => Ok(to_jinja(other)),
        }
    }

    /// Render a template string in this scope, guarding against runaway nesting.
    pub(crate) fn render(self: &Arc<Self>, source: &str) -> Result<JValue, TemplateError> {
        {
            let mut st = self.state();
            if st.depth >= MAX_RENDER_DEPTH {
                return Err(TemplateError::RecursiveLoop {
                    name: source.to_string(),
                });
            }
            st.depth += 1;
        }
        let result = self.templar.render_in_scope(source, self);
        self.state().depth -= 1;
        result
    }

    /// A nested item's resolution as a value: undefined stays undefined (so `default`
    /// works on it), other failures travel as invalid values.
    fn resolve_item(self: &Arc<Self>, raw: &Value) -> JValue {
        match self.resolve(raw) {
            Ok(v) => v,
            Err(err) if err.is_undefined() => JValue::UNDEFINED,
            Err(err) => {
                let message = err.to_string();
                let mut st = self.state();
                if st.nested_error.is_none() {
                    st.nested_error = Some(err);
                }
                JValue::from(JError::new(ErrorKind::InvalidOperation, message))
            }
        }
    }
}

/// Why an item of a lazy container is undefined: the error of rendering it (for
/// `lazy.bad` where `bad: "{{ nope }}"`, Ansible reports `'nope' is undefined`).
pub(crate) fn explain_lazy_item(container: &JValue, key: &JValue) -> Option<TemplateError> {
    if let Some(map) = container.downcast_object_ref::<LazyMap>() {
        let raw = map.map.get(&key_from_jinja(key).ok()?)?;
        return map.scope.resolve(raw).err();
    }
    if let Some(list) = container.downcast_object_ref::<LazyList>() {
        let raw = list.items.get(key.as_usize()?)?;
        return list.scope.resolve(raw).err();
    }
    None
}

/// True when a value holds a template string anywhere.
pub(crate) fn contains_template(value: &Value) -> bool {
    match value {
        Value::Str(s) => Templar::is_template(s),
        Value::List(items) => items.iter().any(contains_template),
        Value::Map(map) => map.values().any(contains_template),
        _ => false,
    }
}

/// The variables of one scope as a mapping (the template root, `vars`, `hostvars[h]`).
#[derive(Debug)]
pub(crate) struct VarsObject(pub(crate) Arc<Scope>);

/// What Ansible calls the type of `hostvars[host]` in messages.
pub(crate) const HOSTVARS_TYPE_NAME: &str = "HostVarsVars";

/// One host's variables reached through `hostvars`.
#[derive(Debug)]
pub(crate) struct HostVarsVars(pub(crate) Arc<Scope>);

impl Object for HostVarsVars {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        self.0.lookup(key.as_str()?)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.vars.keys().map(key_to_jinja).collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.0.vars.len())
    }
}

impl Object for VarsObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        self.0.lookup(key.as_str()?)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let keys: Vec<JValue> = self.0.vars.keys().map(key_to_jinja).collect();
        Enumerator::Values(keys)
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.0.vars.len())
    }
}

/// A dict from a variable that holds templates; items render when read.
#[derive(Debug)]
struct LazyMap {
    scope: Arc<Scope>,
    map: Arc<Map>,
}

impl Object for LazyMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let key = key_from_jinja(key).ok()?;
        let raw = self.map.get(&key)?;
        Some(self.scope.resolve_item(raw))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.map.keys().map(key_to_jinja).collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.map.len())
    }
}

/// A list from a variable that holds templates; items render when read.
#[derive(Debug)]
struct LazyList {
    scope: Arc<Scope>,
    items: Arc<Vec<Value>>,
}

impl Object for LazyList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let index = key.as_usize()?;
        let raw = self.items.get(index)?;
        Some(self.scope.resolve_item(raw))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.items.len())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The `hostvars` magic variable: every host's variables, each rendered in its own scope.
struct HostvarsObject {
    templar: Templar,
    source: Arc<dyn HostvarsSource>,
    scopes: Mutex<HashMap<String, Arc<Scope>>>,
}

impl std::fmt::Debug for HostvarsObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostVars")
    }
}

impl Object for HostvarsObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let host = key.as_str()?;
        let mut scopes = self.scopes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(scope) = scopes.get(host) {
            return Some(JValue::from_object(HostVarsVars(scope.clone())));
        }
        let vars = self.source.host_vars(host)?;
        let scope = Scope::new(self.templar.clone(), vars, Some(self.source.clone()));
        scopes.insert(host.to_string(), scope.clone());
        Some(JValue::from_object(HostVarsVars(scope)))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.source
                .host_names()
                .into_iter()
                .map(JValue::from)
                .collect(),
        )
    }
}
