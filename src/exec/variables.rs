//! Ansible's variable precedence for one host and one task, assembled from the layers the
//! run keeps (inventory, facts, play, roles, blocks, set_fact, extra vars) plus the magic
//! variables. Values stay unrendered: the template layer renders them on access.

use std::collections::HashMap;
use std::sync::Arc;

use crate::playbook::model::{Play, Task};
use crate::template::{HostvarsSource, VarContext};
use crate::vars::{HashBehaviour, Key, Map, Value, combine::combine_into};

/// What the run knows about one host beyond its inventory variables.
#[derive(Debug, Clone, Default)]
pub struct HostData {
    /// `VariableManager.get_vars(host)` from the inventory (groups, host, vars dirs).
    pub inventory: Arc<Map>,
    /// Gathered facts (without the `ansible_` prefix, as in `ansible_facts`).
    pub facts: Arc<Map>,
    /// `include_vars` results.
    pub included: Arc<Map>,
    /// `set_fact` and registered results.
    pub set_facts: Arc<Map>,
    pub group_names: Arc<Vec<String>>,
}

/// The state every template of one task sees: a snapshot taken before the task starts.
pub struct Snapshot {
    pub hosts: HashMap<String, HostData>,
    /// Play vars, vars_files and vars_prompt answers.
    pub play_vars: Arc<Map>,
    pub role_defaults: Arc<Map>,
    pub role_vars: Arc<Map>,
    pub extra_vars: Arc<Map>,
    /// Magic variables that are the same for every host (groups, play hosts, ...).
    pub magic: Arc<Map>,
    pub how: HashBehaviour,
}

fn layer(out: &mut Map, m: &Map, how: HashBehaviour) {
    if !m.is_empty() {
        combine_into(out, m, how);
    }
}

impl Snapshot {
    /// The variables of `host` at play level (what `hostvars[host]` shows).
    pub fn play_level(&self, host: &str) -> Map {
        let mut out = Map::new();
        layer(&mut out, &self.role_defaults, self.how);
        if let Some(h) = self.hosts.get(host) {
            layer(&mut out, &h.inventory, self.how);
            inject_facts(&mut out, &h.facts);
        }
        layer(&mut out, &self.play_vars, self.how);
        layer(&mut out, &self.role_vars, self.how);
        if let Some(h) = self.hosts.get(host) {
            layer(&mut out, &h.included, self.how);
            layer(&mut out, &h.set_facts, self.how);
        }
        layer(&mut out, &self.extra_vars, self.how);
        self.add_magic(&mut out, host);
        out
    }

    fn add_magic(&self, out: &mut Map, host: &str) {
        for (k, v) in self.magic.iter() {
            out.insert(k.clone(), v.clone());
        }
        out.insert(
            Key::from("inventory_hostname"),
            Value::Str(host.to_string()),
        );
        out.insert(
            Key::from("inventory_hostname_short"),
            Value::Str(host.split('.').next().unwrap_or(host).to_string()),
        );
        if let Some(h) = self.hosts.get(host) {
            out.insert(
                Key::from("group_names"),
                Value::List(
                    h.group_names
                        .iter()
                        .map(|g| Value::Str(g.clone()))
                        .collect(),
                ),
            );
        }
    }

    /// Everything a task on `host` sees, in Ansible's precedence order.
    pub fn task_vars(&self, host: &str, play: &Play, task: &Task, extra: &Map) -> Map {
        let how = self.how;
        let mut out = Map::new();
        layer(&mut out, &self.role_defaults, how);
        if let Some(role) = &task.role {
            layer(&mut out, &role.defaults, how);
        }
        let data = self.hosts.get(host);
        if let Some(h) = data {
            layer(&mut out, &h.inventory, how);
            inject_facts(&mut out, &h.facts);
        }
        layer(&mut out, &self.play_vars, how);
        layer(&mut out, &self.role_vars, how);
        if let Some(role) = &task.role {
            layer(&mut out, &role.vars, how);
        }
        layer(&mut out, &task.chain.vars(), how);
        if let Some(h) = data {
            layer(&mut out, &h.included, how);
            layer(&mut out, &h.set_facts, how);
        }
        if let Some(role) = &task.role {
            layer(&mut out, &role.params, how);
            out.insert(Key::from("role_name"), Value::Str(role.name.clone()));
            out.insert(
                Key::from("role_path"),
                Value::Str(role.path.to_string_lossy().into_owned()),
            );
        }
        layer(&mut out, &self.extra_vars, how);
        self.add_magic(&mut out, host);
        let _ = play;
        // Loop variables and per-task extras (ansible_failed_result, ...) come last.
        for (k, v) in extra {
            out.insert(k.clone(), v.clone());
        }
        out
    }
}

/// Facts are visible as `ansible_facts.x` and, as Ansible injects them, as `ansible_x`.
fn inject_facts(out: &mut Map, facts: &Map) {
    if facts.is_empty() {
        return;
    }
    for (k, v) in facts {
        if let Some(name) = k.as_str() {
            let key = if name.starts_with("ansible_") {
                name.to_string()
            } else {
                format!("ansible_{name}")
            };
            out.insert(Key::from(key), v.clone());
        }
    }
    out.insert(Key::from("ansible_facts"), Value::Map(facts.clone()));
}

/// `hostvars`, backed by a snapshot.
pub struct Hostvars(pub Arc<Snapshot>);

impl HostvarsSource for Hostvars {
    fn host_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.0.hosts.keys().cloned().collect();
        names.sort();
        names
    }

    fn host_vars(&self, host: &str) -> Option<Arc<Map>> {
        self.0
            .hosts
            .contains_key(host)
            .then(|| Arc::new(self.0.play_level(host)))
    }
}

/// The template context of a task on a host.
pub fn context(
    snapshot: &Arc<Snapshot>,
    host: &str,
    play: &Play,
    task: &Task,
    extra: &Map,
) -> VarContext {
    VarContext {
        vars: Arc::new(snapshot.task_vars(host, play, task, extra)),
        hostvars: Some(Arc::new(Hostvars(snapshot.clone()))),
    }
}

/// The template context of a play-level expression (play name, serial, ...).
pub fn play_context(snapshot: &Arc<Snapshot>, host: Option<&str>) -> VarContext {
    let vars = match host {
        Some(h) => snapshot.play_level(h),
        None => {
            let mut out = Map::new();
            layer(&mut out, &snapshot.play_vars, snapshot.how);
            layer(&mut out, &snapshot.extra_vars, snapshot.how);
            for (k, v) in snapshot.magic.iter() {
                out.insert(k.clone(), v.clone());
            }
            out
        }
    };
    VarContext {
        vars: Arc::new(vars),
        hostvars: Some(Arc::new(Hostvars(snapshot.clone()))),
    }
}
