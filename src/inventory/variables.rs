//! A host's variables as Ansible merges them before any play (default VARIABLE_PRECEDENCE):
//! inventory-file vars of `all` and then of the host's groups (by depth, priority, name);
//! then `group_vars/all` files next to the inventory and the playbook; then the groups'
//! `group_vars/` files; then the host's own variables and `host_vars/` files.

use std::path::{Path, PathBuf};

use super::error::SourceError;
use super::model::{ALL, GroupId, HostId, Inventory};
use super::vars_files::{EntityKind, VarsFiles};
use crate::vars::{Key, Map, Value, combine_vars};

/// Variables Ansible computes itself and `ansible-inventory` leaves out of its output.
pub const INTERNAL_STATIC_VARS: &[&str] = &[
    "ansible_async_path",
    "ansible_collection_name",
    "ansible_config_file",
    "ansible_dependent_role_names",
    "ansible_diff_mode",
    "ansible_facts",
    "ansible_forks",
    "ansible_inventory_sources",
    "ansible_limit",
    "ansible_play_batch",
    "ansible_play_hosts",
    "ansible_play_hosts_all",
    "ansible_play_role_names",
    "ansible_playbook_python",
    "ansible_role_name",
    "ansible_role_names",
    "ansible_run_tags",
    "ansible_skip_tags",
    "ansible_verbosity",
    "ansible_version",
    "inventory_dir",
    "inventory_file",
    "inventory_hostname",
    "inventory_hostname_short",
    "groups",
    "group_names",
    "hostvars",
    "playbook_dir",
    "play_hosts",
    "role_name",
    "role_names",
    "roller_version",
    "role_path",
    "role_uuid",
];

pub fn remove_internal(mut vars: Map) -> Map {
    for name in INTERNAL_STATIC_VARS {
        vars.shift_remove(&Key::from(*name));
    }
    vars
}

/// Where variable files are looked up, and the cache of what was read.
pub struct VarsResolver<'a> {
    inv: &'a Inventory,
    inventory_dirs: Vec<PathBuf>,
    play_dirs: Vec<PathBuf>,
    /// `--playbook-dir` given explicitly (group vars in `--graph --vars` use it only then).
    explicit_play_dir: bool,
    files: VarsFiles,
    extra_vars: Map,
}

/// `basedir()` + `realpath()` of an inventory source, as the vars plugin computes it.
fn source_dir(source: &str) -> Option<PathBuf> {
    let path = Path::new(source);
    if source.contains(',') && !path.exists() {
        return None;
    }
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    Some(std::fs::canonicalize(&dir).unwrap_or(dir))
}

impl<'a> VarsResolver<'a> {
    /// `sources` are the `-i` values as given; `playbook_dir` defaults to the current
    /// directory, as it does for ansible-inventory.
    pub fn new(inv: &'a Inventory, sources: &[String], playbook_dir: Option<&Path>) -> Self {
        let inventory_dirs = sources.iter().filter_map(|s| source_dir(s)).collect();
        let play = playbook_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let play = std::fs::canonicalize(&play).unwrap_or(play);
        VarsResolver {
            inv,
            inventory_dirs,
            play_dirs: vec![play],
            explicit_play_dir: playbook_dir.is_some(),
            files: VarsFiles::default(),
            extra_vars: Map::new(),
        }
    }

    /// `-e` variables: highest precedence.
    pub fn with_extra_vars(mut self, extra: Map) -> Self {
        self.extra_vars = extra;
        self
    }

    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.files.warnings.borrow_mut())
    }

    fn files_for(
        &self,
        dirs: &[PathBuf],
        kind: EntityKind,
        names: &[&str],
    ) -> Result<Map, SourceError> {
        let how = self.inv.hash_behaviour;
        let mut data = Map::new();
        for dir in dirs {
            let mut per_dir = Map::new();
            for name in names {
                let found = self.files.vars_for(dir, kind, name, how)?;
                if !found.is_empty() {
                    per_dir = combine_vars(&per_dir, &found, how);
                }
            }
            if !per_dir.is_empty() {
                data = combine_vars(&data, &per_dir, how);
            }
        }
        Ok(data)
    }

    fn group_names(&self, groups: &[GroupId]) -> Vec<&str> {
        groups
            .iter()
            .map(|g| self.inv.group(*g).name.as_str())
            .collect()
    }

    /// `VariableManager.get_vars(host=host)` with no play or task.
    pub fn host_vars(&self, host: HostId) -> Result<Map, SourceError> {
        let inv = self.inv;
        let how = inv.hash_behaviour;
        let h = inv.host(host);
        let host_groups: Vec<GroupId> = inv.sort_groups(
            &h.groups
                .iter()
                .copied()
                .filter(|g| *g != ALL)
                .collect::<Vec<_>>(),
        );
        let all_name = [inv.group(ALL).name.as_str()];
        let group_names = self.group_names(&host_groups);

        let mut vars = inv.group(ALL).vars.clone();
        // Ansible's default VARIABLE_PRECEDENCE: every inventory-file group variable sits
        // below group_vars/all files.
        let layers = [
            {
                let mut g = Map::new();
                for gid in &host_groups {
                    g = combine_vars(&g, &inv.group(*gid).vars, how);
                }
                g
            },
            self.files_for(&self.inventory_dirs, EntityKind::Group, &all_name)?,
            self.files_for(&self.play_dirs, EntityKind::Group, &all_name)?,
            self.files_for(&self.inventory_dirs, EntityKind::Group, &group_names)?,
            self.files_for(&self.play_dirs, EntityKind::Group, &group_names)?,
            h.vars.clone(),
            self.files_for(&self.inventory_dirs, EntityKind::Host, &[h.name.as_str()])?,
            self.files_for(&self.play_dirs, EntityKind::Host, &[h.name.as_str()])?,
        ];
        for layer in &layers {
            if !layer.is_empty() {
                vars = combine_vars(&vars, layer, how);
            }
        }
        if !self.extra_vars.is_empty() {
            vars = combine_vars(&vars, &self.extra_vars, how);
        }
        Ok(vars)
    }

    /// What `ansible-inventory --graph --vars` shows for a group.
    pub fn group_vars(&self, group: GroupId) -> Result<Map, SourceError> {
        let inv = self.inv;
        let how = inv.hash_behaviour;
        let g = inv.group(group);
        let mut vars = g.vars.clone();
        let name = [g.name.as_str()];
        vars = combine_vars(
            &vars,
            &self.files_for(&self.inventory_dirs, EntityKind::Group, &name)?,
            how,
        );
        if self.explicit_play_dir {
            vars = combine_vars(
                &vars,
                &self.files_for(&self.play_dirs, EntityKind::Group, &name)?,
                how,
            );
        }
        if g.priority != 1 {
            vars.insert(Key::from("ansible_group_priority"), Value::Int(g.priority));
        }
        Ok(remove_internal(vars))
    }
}
