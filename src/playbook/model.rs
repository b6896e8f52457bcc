//! The loaded form of a playbook.

use std::path::PathBuf;
use std::sync::Arc;

use super::keywords::{Chain, Keywords};
use super::role::Role;
use crate::vars::{Map, Value};

/// A playbook file and everything it imports, in order.
#[derive(Debug)]
pub struct Playbook {
    pub path: PathBuf,
    pub plays: Vec<Arc<Play>>,
}

/// One play.
#[derive(Debug)]
pub struct Play {
    pub id: usize,
    /// The play's own keywords, unrendered (`hosts`, `serial`, `gather_facts`, ...).
    pub keywords: Map,
    pub name: Option<Value>,
    pub hosts: String,
    pub vars: Map,
    pub vars_files: Vec<Value>,
    pub vars_prompt: Vec<Value>,
    /// The file the play was read from; relative paths resolve from its directory.
    pub file: PathBuf,
    pub roles: Vec<Arc<Role>>,
    /// pre_tasks, roles, tasks and post_tasks, with the implicit handler flushes between.
    pub body: Arc<Block>,
    /// Every handler, the play's own first, then those of its roles.
    pub handlers: Vec<Arc<Task>>,
    /// Roles the play gained through `import_role` (at load) and `include_role` (at run
    /// time).
    pub imported_roles: super::load::ImportedRoles,
}

impl Play {
    pub fn dir(&self) -> PathBuf {
        self.file.parent().map(PathBuf::from).unwrap_or_default()
    }

    pub fn keyword(&self, key: &str) -> Option<&Value> {
        self.keywords.get(&crate::vars::Key::from(key))
    }
}

/// A block with its rescue and always sections.
#[derive(Debug)]
pub struct Block {
    pub id: usize,
    pub block: Vec<Item>,
    pub rescue: Vec<Item>,
    pub always: Vec<Item>,
    /// Set for a role's block: the role runs once per host in a play (dependencies and
    /// repeated `roles:` entries with the same parameters).
    pub once_key: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Task(Arc<Task>),
    Block(Arc<Block>),
}

/// Where a task was written.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        Ok(())
    }
}

/// One task (or handler).
#[derive(Debug)]
pub struct Task {
    pub id: usize,
    /// The module as written (`ansible.builtin.debug`), for the banner when unnamed.
    pub action_written: String,
    /// The module's short name (`debug`).
    pub action: String,
    pub args: Map,
    /// Keyword levels: play, roles, blocks, imports, then the task's own.
    pub chain: Chain,
    pub role: Option<Arc<Role>>,
    pub origin: Origin,
    pub is_handler: bool,
    /// Inserted by roller, not written by the user (implicit handler flushes).
    pub implicit: bool,
}

impl Task {
    pub fn own(&self) -> &Keywords {
        self.chain
            .0
            .last()
            .expect("a task's chain ends with its own keywords")
    }

    pub fn name(&self) -> Option<&Value> {
        self.own().get("name")
    }

    /// The task's loop items expression and the lookup (`items`, `dict`, ...) it came from.
    pub fn loop_spec(&self) -> Option<(Option<String>, &Value)> {
        let own = self.own();
        if let Some(v) = own.get("loop") {
            return Some((None, v));
        }
        own.map.iter().find_map(|(k, v)| {
            let k = k.as_str()?;
            k.strip_prefix("with_")
                .map(|lookup| (Some(lookup.to_string()), v))
        })
    }
}
