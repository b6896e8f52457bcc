//! Roles: where they are found and what they hold.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::model::{Item, Task};
use crate::vars::Map;

/// A role as used at one place in a play.
#[derive(Debug)]
pub struct Role {
    pub name: String,
    pub path: PathBuf,
    /// `defaults/<defaults_from>.yml`, lowest precedence.
    pub defaults: Map,
    /// `vars/<vars_from>.yml`, above play vars.
    pub vars: Map,
    /// Parameters given where the role is used (`roles: [{role: x, port: 1}]`).
    pub params: Map,
    /// The role's tasks, its dependencies' blocks first.
    pub tasks: Vec<Item>,
    pub handlers: Vec<Arc<Task>>,
}

/// Where a role named `name` lives, searched in Ansible's order: `roles/` beside the
/// playbook, then `roles_path`, then the playbook's own directory; a path is taken as is.
pub fn find_role(name: &str, playbook_dir: &Path, roles_path: &[PathBuf]) -> Option<PathBuf> {
    let mut candidates = vec![playbook_dir.join("roles").join(name)];
    candidates.extend(roles_path.iter().map(|p| p.join(name)));
    candidates.push(playbook_dir.join(name));
    if name.contains('/') {
        candidates.insert(0, PathBuf::from(name));
    }
    candidates.into_iter().find(|p| p.is_dir())
}

/// `main` -> `main.yml` / `main.yaml` / `main` (and `.json`), in a role subdirectory.
pub fn role_file(role_dir: &Path, sub: &str, name: &str) -> Option<PathBuf> {
    let dir = role_dir.join(sub);
    let has_ext = [".yml", ".yaml", ".json"].iter().any(|e| name.ends_with(e));
    let names: Vec<String> = if has_ext {
        vec![name.to_string()]
    } else {
        vec![
            format!("{name}.yml"),
            format!("{name}.yaml"),
            format!("{name}.json"),
            name.to_string(),
        ]
    };
    names.into_iter().map(|n| dir.join(n)).find(|p| p.is_file())
}
