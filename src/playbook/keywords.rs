//! Keywords of tasks and blocks, and how they are inherited down the block chain.

use std::sync::Arc;

use crate::vars::{Key, Map, Value};

/// Keywords that a task may carry besides its module (Ansible's Task attributes).
pub const TASK_KEYWORDS: &[&str] = &[
    "action",
    "any_errors_fatal",
    "args",
    "async",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "changed_when",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "delay",
    "delegate_facts",
    "delegate_to",
    "diff",
    "environment",
    "failed_when",
    "ignore_errors",
    "ignore_unreachable",
    "listen",
    "local_action",
    "loop",
    "loop_control",
    "module_defaults",
    "name",
    "no_log",
    "notify",
    "poll",
    "port",
    "register",
    "remote_user",
    "retries",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "until",
    "vars",
    "when",
];

/// Keywords a block may carry (they apply to every task inside it).
pub const BLOCK_KEYWORDS: &[&str] = &[
    "always",
    "any_errors_fatal",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "block",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "delegate_facts",
    "delegate_to",
    "diff",
    "environment",
    "ignore_errors",
    "ignore_unreachable",
    "module_defaults",
    "name",
    "no_log",
    "notify",
    "port",
    "remote_user",
    "rescue",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "vars",
    "when",
];

/// Keywords that are combined down the chain rather than overridden.
const ACCUMULATED: &[&str] = &["when", "tags", "vars", "environment"];

/// One level's raw (unrendered) keyword values: a task's own, a block's, an import's or a
/// role's.
#[derive(Debug, Clone, Default)]
pub struct Keywords {
    pub map: Map,
}

impl Keywords {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(&Key::from(key))
    }
}

/// The chain of keyword levels that applies to a task, outermost first, the task's own
/// last.
#[derive(Debug, Clone, Default)]
pub struct Chain(pub Vec<Arc<Keywords>>);

impl Chain {
    pub fn push(&self, level: Arc<Keywords>) -> Chain {
        let mut v = self.0.clone();
        v.push(level);
        Chain(v)
    }

    /// The innermost value of an overriding keyword.
    pub fn get(&self, key: &str) -> Option<&Value> {
        debug_assert!(!ACCUMULATED.contains(&key));
        self.0.iter().rev().find_map(|k| k.get(key))
    }

    /// Every `when` condition from the outermost level in, all of which must hold.
    pub fn conditions(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for level in &self.0 {
            match level.get("when") {
                None | Some(Value::Null) => {}
                Some(Value::List(items)) => out.extend(items.iter().cloned()),
                Some(v) => out.push(v.clone()),
            }
        }
        out
    }

    /// The union of tags of every level, in first-seen order.
    pub fn tags(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for level in &self.0 {
            for t in tag_list(level.get("tags")) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        out
    }

    /// Block and task `vars`, outer levels first so inner ones win.
    pub fn vars(&self) -> Map {
        let mut out = Map::new();
        for level in &self.0 {
            if let Some(Value::Map(m)) = level.get("vars") {
                for (k, v) in m {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        out
    }

    /// `environment` maps, outer levels first so inner ones win (unrendered values).
    pub fn environment(&self) -> Vec<Value> {
        self.0
            .iter()
            .filter_map(|l| l.get("environment").cloned())
            .collect()
    }
}

/// `tags: a`, `tags: a,b`, `tags: [a, b]`, as Ansible splits them.
pub fn tag_list(value: Option<&Value>) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(items)) => items.iter().flat_map(|v| tag_list(Some(v))).collect(),
        Some(Value::Str(s)) | Some(Value::Unsafe(s)) => s
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        Some(Value::Int(i)) => vec![i.to_string()],
        Some(other) => vec![crate::output::python_repr::python_str(other)],
    }
}
