//! Ansible configuration: `ansible.cfg` found the way Ansible finds it, plus `ANSIBLE_*`
//! environment variables, for the settings roller honours.

mod ini_file;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::vars::HashBehaviour;
pub use ini_file::{CfgError, parse_cfg};

/// The settings roller reads from Ansible's configuration.
#[derive(Debug, Clone)]
pub struct AnsibleConfig {
    /// The file the settings came from, if any.
    pub config_file: Option<PathBuf>,
    pub inventory: Vec<String>,
    pub roles_path: Vec<PathBuf>,
    pub forks: u32,
    pub hash_behaviour: HashBehaviour,
    pub host_key_checking: bool,
    pub remote_user: Option<String>,
    pub private_key_file: Option<PathBuf>,
    pub timeout: u32,
    pub playbook_dir: Option<PathBuf>,
}

impl Default for AnsibleConfig {
    fn default() -> Self {
        AnsibleConfig {
            config_file: None,
            inventory: vec!["/etc/ansible/hosts".into()],
            roles_path: Vec::new(),
            forks: 5,
            hash_behaviour: HashBehaviour::Replace,
            host_key_checking: true,
            remote_user: None,
            private_key_file: None,
            timeout: 10,
            playbook_dir: None,
        }
    }
}

/// Ansible's `boolean()`: yes/on/1/true/t/y (any case) are true, everything else false.
pub fn ansible_bool(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "y" | "yes" | "on" | "1" | "true" | "t" | "1.0"
    )
}

/// Where the environment and the working directory put the config file, in Ansible's order:
/// `ANSIBLE_CONFIG`, `./ansible.cfg`, `~/.ansible.cfg`, `/etc/ansible/ansible.cfg`.
pub fn find_config_file(env: &HashMap<String, String>, cwd: &Path) -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = env.get("ANSIBLE_CONFIG").filter(|p| !p.is_empty()) {
        let p = expand_home(p, env);
        let p = if p.is_dir() { p.join("ansible.cfg") } else { p };
        candidates.push(p);
    }
    // Ansible ignores ./ansible.cfg in a world-writable directory (a shared /tmp).
    if !world_writable(cwd) {
        candidates.push(cwd.join("ansible.cfg"));
    }
    if let Some(home) = env.get("HOME") {
        candidates.push(Path::new(home).join(".ansible.cfg"));
    }
    candidates.push(PathBuf::from("/etc/ansible/ansible.cfg"));
    candidates.into_iter().find(|p| p.is_file())
}

fn world_writable(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(dir)
        .map(|m| m.permissions().mode() & 0o002 != 0)
        .unwrap_or(false)
}

fn expand_home(p: &str, env: &HashMap<String, String>) -> PathBuf {
    match (p.strip_prefix("~/"), env.get("HOME")) {
        (Some(rest), Some(home)) => Path::new(home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// A path setting: `~` expanded, relative paths taken from `base` (the config file's
/// directory for ansible.cfg, the working directory for environment variables).
fn resolve_path(value: &str, base: &Path, env: &HashMap<String, String>) -> PathBuf {
    let p = expand_home(value.trim(), env);
    if p.is_absolute() { p } else { base.join(p) }
}

impl AnsibleConfig {
    /// Load from the process environment and working directory.
    pub fn load() -> Result<Self, CfgError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Self::load_from(&env, &cwd)
    }

    pub fn load_from(env: &HashMap<String, String>, cwd: &Path) -> Result<Self, CfgError> {
        let mut cfg = AnsibleConfig::default();
        if let Some(file) = find_config_file(env, cwd) {
            let text = std::fs::read_to_string(&file).map_err(|e| CfgError {
                path: file.clone(),
                line: 0,
                message: format!("cannot read: {e}"),
            })?;
            let sections = parse_cfg(&file, &text)?;
            let base = file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| cwd.to_path_buf());
            let get =
                |section: &str, key: &str| sections.get(section).and_then(|s| s.get(key)).cloned();
            cfg.apply(&|k| get("defaults", k), &base, env, &file)?;
            cfg.config_file = Some(file);
        }
        let from_env = |k: &str| -> Option<String> {
            let name = match k {
                "inventory" => "ANSIBLE_INVENTORY",
                "roles_path" => "ANSIBLE_ROLES_PATH",
                "forks" => "ANSIBLE_FORKS",
                "hash_behaviour" => "ANSIBLE_HASH_BEHAVIOUR",
                "host_key_checking" => "ANSIBLE_HOST_KEY_CHECKING",
                "remote_user" => "ANSIBLE_REMOTE_USER",
                "private_key_file" => "ANSIBLE_PRIVATE_KEY_FILE",
                "timeout" => "ANSIBLE_TIMEOUT",
                "playbook_dir" => "ANSIBLE_PLAYBOOK_DIR",
                _ => return None,
            };
            env.get(name).cloned()
        };
        cfg.apply(&from_env, cwd, env, Path::new("environment"))?;
        Ok(cfg)
    }

    fn apply(
        &mut self,
        get: &dyn Fn(&str) -> Option<String>,
        base: &Path,
        env: &HashMap<String, String>,
        origin: &Path,
    ) -> Result<(), CfgError> {
        let bad = |key: &str, value: &str, what: &str| CfgError {
            path: origin.to_path_buf(),
            line: 0,
            message: format!("{key} = {value:?}: {what}"),
        };
        if let Some(v) = get("inventory") {
            self.inventory = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| resolve_path(s, base, env).to_string_lossy().into_owned())
                .collect();
        }
        if let Some(v) = get("roles_path") {
            self.roles_path = v
                .split(':')
                .filter(|s| !s.is_empty())
                .map(|s| resolve_path(s, base, env))
                .collect();
        }
        if let Some(v) = get("forks") {
            self.forks = v
                .trim()
                .parse()
                .map_err(|_| bad("forks", &v, "expected a whole number"))?;
        }
        if let Some(v) = get("hash_behaviour") {
            self.hash_behaviour = match v.trim() {
                "replace" => HashBehaviour::Replace,
                "merge" => HashBehaviour::Merge,
                _ => return Err(bad("hash_behaviour", &v, "expected 'replace' or 'merge'")),
            };
        }
        if let Some(v) = get("host_key_checking") {
            self.host_key_checking = ansible_bool(&v);
        }
        if let Some(v) = get("remote_user") {
            self.remote_user = Some(v.trim().to_string());
        }
        if let Some(v) = get("private_key_file") {
            self.private_key_file = Some(resolve_path(&v, base, env));
        }
        if let Some(v) = get("timeout") {
            self.timeout = v
                .trim()
                .parse()
                .map_err(|_| bad("timeout", &v, "expected a whole number of seconds"))?;
        }
        if let Some(v) = get("playbook_dir") {
            self.playbook_dir = Some(resolve_path(&v, base, env));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_and_paths_resolve_from_the_file() {
        let dir = std::env::temp_dir().join(format!("roller-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("ansible.cfg"),
            "[defaults]\ninventory = hosts.yml\nhash_behaviour = merge\nforks: 20\nhost_key_checking = False ; inline\n",
        )
        .unwrap();
        let mut env = HashMap::new();
        env.insert(
            "ANSIBLE_CONFIG".to_string(),
            dir.join("ansible.cfg").to_string_lossy().into_owned(),
        );
        env.insert("ANSIBLE_FORKS".to_string(), "7".to_string());
        let cfg = AnsibleConfig::load_from(&env, Path::new("/")).unwrap();
        assert_eq!(
            cfg.inventory,
            vec![dir.join("hosts.yml").to_string_lossy().into_owned()]
        );
        assert_eq!(cfg.hash_behaviour, HashBehaviour::Merge);
        assert_eq!(cfg.forks, 7);
        assert!(!cfg.host_key_checking);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
