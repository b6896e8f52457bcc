//! The inventory graph: groups, hosts and their relationships, kept the way Ansible's
//! `InventoryData`, `Group` and `Host` keep them (insertion order, depth, priority).

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::vars::{HashBehaviour, Key, Map, Value, combine_vars};

pub type GroupId = usize;
pub type HostId = usize;

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub depth: usize,
    pub priority: i64,
    pub vars: Map,
    pub hosts: Vec<HostId>,
    pub child_groups: Vec<GroupId>,
    pub parent_groups: Vec<GroupId>,
}

#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    pub vars: Map,
    /// Every group the host belongs to, ancestors included (Ansible's `host.groups`).
    pub groups: Vec<GroupId>,
    /// The implicit `localhost` that exists without being in any inventory.
    pub implicit: bool,
}

/// A structural error in the inventory graph (loops, unknown names).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GraphError(pub String);

#[derive(Debug, Clone)]
pub struct Inventory {
    pub groups: Vec<Group>,
    pub hosts: Vec<Host>,
    group_index: IndexMap<String, GroupId>,
    host_index: IndexMap<String, HostId>,
    pub hash_behaviour: HashBehaviour,
    pub warnings: Vec<String>,
    /// The source being parsed, recorded on hosts as `inventory_file` / `inventory_dir`.
    pub current_source: Option<String>,
}

pub const ALL: GroupId = 0;
pub const UNGROUPED: GroupId = 1;

impl Inventory {
    pub fn new(hash_behaviour: HashBehaviour) -> Self {
        let mut inv = Inventory {
            groups: Vec::new(),
            hosts: Vec::new(),
            group_index: IndexMap::new(),
            host_index: IndexMap::new(),
            hash_behaviour,
            warnings: Vec::new(),
            current_source: None,
        };
        inv.ensure_group("all");
        inv.ensure_group("ungrouped");
        // Cannot fail: both groups exist and differ.
        let _ = inv.add_child_group(ALL, UNGROUPED);
        inv
    }

    pub fn warn(&mut self, message: impl Into<String>) {
        let message = message.into();
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    pub fn group_id(&self, name: &str) -> Option<GroupId> {
        self.group_index.get(name).copied()
    }

    pub fn host_id(&self, name: &str) -> Option<HostId> {
        self.host_index.get(name).copied()
    }

    /// Group names in the order they were first seen.
    pub fn group_names(&self) -> impl Iterator<Item = &str> {
        self.group_index.keys().map(String::as_str)
    }

    /// Host ids in the order they were first seen.
    pub fn host_ids(&self) -> impl Iterator<Item = HostId> + '_ {
        self.host_index.values().copied()
    }

    pub fn group(&self, id: GroupId) -> &Group {
        &self.groups[id]
    }

    pub fn host(&self, id: HostId) -> &Host {
        &self.hosts[id]
    }

    /// `InventoryData.add_group`: returns the group's id, creating it if needed.
    pub fn ensure_group(&mut self, name: &str) -> GroupId {
        if let Some(id) = self.group_id(name) {
            return id;
        }
        if name.chars().next().is_some_and(|c| c.is_ascii_digit())
            || name.chars().any(|c| !(c.is_alphanumeric() || c == '_'))
        {
            // Ansible's default (TRANSFORM_INVALID_GROUP_CHARS=never) keeps the name and warns.
            self.warn(
                "Invalid characters were found in group names but not replaced, use -vvvv to see details",
            );
        }
        let id = self.groups.len();
        self.groups.push(Group {
            name: name.to_string(),
            depth: 0,
            priority: 1,
            vars: Map::new(),
            hosts: Vec::new(),
            child_groups: Vec::new(),
            parent_groups: Vec::new(),
        });
        self.group_index.insert(name.to_string(), id);
        id
    }

    /// `InventoryData.add_host`: creates the host on first sight (recording the port as
    /// `ansible_port`) and adds it to `group`.
    pub fn add_host(&mut self, name: &str, group: Option<GroupId>, port: Option<i64>) -> HostId {
        let id = match self.host_id(name) {
            Some(id) => id,
            None => {
                let id = self.hosts.len();
                self.hosts.push(Host {
                    name: name.to_string(),
                    vars: Map::new(),
                    groups: Vec::new(),
                    implicit: false,
                });
                self.host_index.insert(name.to_string(), id);
                if let Some(port) = port.filter(|p| *p != 0) {
                    self.set_host_var(id, "ansible_port", Value::Int(port));
                }
                let (file, dir) = match &self.current_source {
                    Some(src) => {
                        let dir = std::path::Path::new(src)
                            .parent()
                            .map(|p| p.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        (Value::Str(src.clone()), Value::Str(dir))
                    }
                    None => (Value::Null, Value::Null),
                };
                self.set_host_var(id, "inventory_file", file);
                self.set_host_var(id, "inventory_dir", dir);
                if matches!(name, "localhost" | "127.0.0.1" | "::1") {
                    let first = self
                        .hosts
                        .iter()
                        .find(|h| {
                            h.name != name
                                && matches!(h.name.as_str(), "localhost" | "127.0.0.1" | "::1")
                        })
                        .map(|h| h.name.clone());
                    if let Some(first) = first {
                        self.warn(format!(
                            "A duplicate localhost-like entry was found ({name}). First found localhost was {first}"
                        ));
                    }
                }
                id
            }
        };
        if let Some(g) = group {
            self.group_add_host(g, id);
        }
        id
    }

    /// `Group.add_host`.
    pub fn group_add_host(&mut self, group: GroupId, host: HostId) -> bool {
        if self.groups[group].hosts.contains(&host) {
            return false;
        }
        self.groups[group].hosts.push(host);
        self.host_add_group(host, group);
        true
    }

    /// `Host.add_group`: the group's ancestors first, then the group.
    fn host_add_group(&mut self, host: HostId, group: GroupId) {
        for ancestor in self.ancestors(group) {
            if !self.hosts[host].groups.contains(&ancestor) {
                self.hosts[host].groups.push(ancestor);
            }
        }
        if !self.hosts[host].groups.contains(&group) {
            self.hosts[host].groups.push(group);
        }
    }

    /// `Group.remove_host` / `Host.remove_group`.
    fn group_remove_host(&mut self, group: GroupId, host: HostId) {
        if let Some(pos) = self.groups[group].hosts.iter().position(|h| *h == host) {
            self.groups[group].hosts.remove(pos);
            self.host_remove_group(host, group);
        }
    }

    fn host_remove_group(&mut self, host: HostId, group: GroupId) {
        let Some(pos) = self.hosts[host].groups.iter().position(|g| *g == group) else {
            return;
        };
        self.hosts[host].groups.remove(pos);
        for old in self.ancestors(group) {
            if old == ALL {
                continue;
            }
            let still_needed = self.hosts[host]
                .groups
                .clone()
                .into_iter()
                .any(|g| self.ancestors(g).contains(&old));
            if !still_needed {
                self.host_remove_group(host, old);
            }
        }
    }

    /// Every group above `group` (not including itself), in breadth-first order.
    pub fn ancestors(&self, group: GroupId) -> Vec<GroupId> {
        self.walk(group, |g| &g.parent_groups, false)
    }

    /// `group` and every group below it, breadth-first, children in their order.
    pub fn descendants_with_self(&self, group: GroupId) -> Vec<GroupId> {
        self.walk(group, |g| &g.child_groups, true)
    }

    fn walk(
        &self,
        start: GroupId,
        rel: impl Fn(&Group) -> &Vec<GroupId>,
        include_self: bool,
    ) -> Vec<GroupId> {
        let mut seen: HashSet<GroupId> = HashSet::new();
        let mut ordered = Vec::new();
        if include_self {
            seen.insert(start);
            ordered.push(start);
        }
        let mut frontier: Vec<GroupId> = vec![start];
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for g in frontier {
                for &n in rel(&self.groups[g]) {
                    if seen.insert(n) {
                        ordered.push(n);
                        next.push(n);
                    }
                }
            }
            frontier = next;
        }
        ordered
    }

    /// `Group.add_child_group`.
    pub fn add_child_group(&mut self, parent: GroupId, child: GroupId) -> Result<bool, GraphError> {
        if parent == child {
            return Err(GraphError(format!(
                "can't add group to itself: {}",
                self.groups[parent].name
            )));
        }
        if self.groups[parent].child_groups.contains(&child) {
            return Ok(false);
        }
        let start_ancestors: HashSet<GroupId> = self.ancestors(child).into_iter().collect();
        let mut new_ancestors = self.ancestors(parent);
        if new_ancestors.contains(&child) {
            return Err(GraphError(format!(
                "Adding group '{}' as child to '{}' creates a recursive dependency loop.",
                self.groups[child].name, self.groups[parent].name
            )));
        }
        new_ancestors.push(parent);
        new_ancestors.retain(|g| !start_ancestors.contains(g));

        self.groups[parent].child_groups.push(child);
        let depth = (self.groups[parent].depth + 1).max(self.groups[child].depth);
        self.groups[child].depth = depth;
        self.check_children_depth(child)?;

        if !self.groups[child].parent_groups.contains(&parent) {
            self.groups[child].parent_groups.push(parent);
            for host in self.group_hosts(child) {
                for &g in &new_ancestors {
                    if !self.hosts[host].groups.contains(&g) {
                        self.hosts[host].groups.push(g);
                    }
                }
            }
        }
        Ok(true)
    }

    fn check_children_depth(&mut self, group: GroupId) -> Result<(), GraphError> {
        let start_depth = self.groups[group].depth;
        let mut depth = start_depth;
        let mut seen: HashSet<GroupId> = HashSet::new();
        let mut unprocessed: Vec<GroupId> = self.groups[group].child_groups.clone();
        while !unprocessed.is_empty() {
            seen.extend(unprocessed.iter().copied());
            depth += 1;
            let mut next = Vec::new();
            for g in unprocessed {
                if self.groups[g].depth < depth {
                    self.groups[g].depth = depth;
                    for &c in &self.groups[g].child_groups {
                        if !next.contains(&c) {
                            next.push(c);
                        }
                    }
                }
            }
            unprocessed = next;
            if depth - start_depth > seen.len() {
                return Err(GraphError(format!(
                    "The group named '{}' has a recursive dependency loop.",
                    self.groups[group].name
                )));
            }
        }
        Ok(())
    }

    /// `InventoryData.add_child`: `child` may name a group or a host.
    pub fn add_child(&mut self, group: &str, child: &str) -> Result<bool, GraphError> {
        let g = self
            .group_id(group)
            .ok_or_else(|| GraphError(format!("{group} is not a known group")))?;
        if let Some(c) = self.group_id(child) {
            self.add_child_group(g, c)
        } else if let Some(h) = self.host_id(child) {
            Ok(self.group_add_host(g, h))
        } else {
            Err(GraphError(format!("{child} is not a known host nor group")))
        }
    }

    /// All hosts of a group and its descendants, without duplicates. For `all`, the
    /// implicit localhost is left out.
    pub fn group_hosts(&self, group: GroupId) -> Vec<HostId> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for g in self.descendants_with_self(group) {
            for &h in &self.groups[g].hosts {
                if seen.insert(h) && !(group == ALL && self.hosts[h].implicit) {
                    out.push(h);
                }
            }
        }
        out
    }

    /// `Group.set_variable`: `ansible_group_priority` sets the priority instead.
    pub fn set_group_var(
        &mut self,
        group: GroupId,
        key: &str,
        value: Value,
    ) -> Result<(), GraphError> {
        if key == "ansible_group_priority" {
            let priority = match &value {
                Value::Int(i) => Some(*i),
                Value::Bool(b) => Some(*b as i64),
                Value::Float(f) => Some(f.trunc() as i64),
                Value::Str(s) | Value::Unsafe(s) => Some(s.trim().parse::<i64>().map_err(|_| {
                    GraphError(format!(
                        "invalid literal for int() with base 10: '{s}' (ansible_group_priority of group '{}')",
                        self.groups[group].name
                    ))
                })?),
                _ => None,
            };
            if let Some(p) = priority {
                self.groups[group].priority = p;
            }
            return Ok(());
        }
        let how = self.hash_behaviour;
        set_var(&mut self.groups[group].vars, key, value, how);
        Ok(())
    }

    /// `Host.set_variable`.
    pub fn set_host_var(&mut self, host: HostId, key: &str, value: Value) {
        let how = self.hash_behaviour;
        set_var(&mut self.hosts[host].vars, key, value, how);
    }

    /// `InventoryData.reconcile_inventory`: top-level groups go under `all`; hosts with no
    /// group go to `ungrouped`, and leave it once they are in another group.
    pub fn reconcile(&mut self) -> Result<(), GraphError> {
        self.current_source = None;
        for g in 0..self.groups.len() {
            if g != ALL && self.ancestors(g).is_empty() {
                self.add_child_group(ALL, g)?;
            }
        }
        for h in self.host_ids().collect::<Vec<_>>() {
            let groups = self.hosts[h].groups.clone();
            if groups.contains(&UNGROUPED) {
                if groups.iter().any(|g| *g != ALL && *g != UNGROUPED) {
                    self.group_remove_host(UNGROUPED, h);
                }
            } else if !self.hosts[h].implicit
                && (groups.is_empty() || (groups.len() == 1 && groups[0] == ALL))
            {
                self.group_add_host(UNGROUPED, h);
            }
        }
        let names: Vec<String> = self.group_index.keys().cloned().collect();
        for name in names {
            if self.host_index.contains_key(&name) {
                self.warn(format!("Found both group and host with same name: {name}"));
            }
        }
        Ok(())
    }

    /// Groups sorted as Ansible merges their variables: depth, then priority, then name.
    pub fn sort_groups(&self, groups: &[GroupId]) -> Vec<GroupId> {
        let mut sorted = groups.to_vec();
        sorted.sort_by(|a, b| {
            let (ga, gb) = (&self.groups[*a], &self.groups[*b]);
            (ga.depth, ga.priority, &ga.name).cmp(&(gb.depth, gb.priority, &gb.name))
        });
        sorted
    }
}

fn set_var(vars: &mut Map, key: &str, value: Value, how: HashBehaviour) {
    let key = Key::from(key);
    if let (Some(Value::Map(_)), Value::Map(_)) = (vars.get(&key), &value) {
        let mut single = Map::new();
        single.insert(key, value);
        *vars = combine_vars(vars, &single, how);
    } else {
        vars.insert(key, value);
    }
}
