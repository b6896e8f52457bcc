//! Settings of one `roller playbook` run (from flags, ansible.cfg and the environment).

use crate::playbook::tags::TagFilter;
use crate::vars::Map;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub check: bool,
    pub diff: bool,
    pub forks: usize,
    pub verbosity: u8,
    pub tags: TagFilter,
    pub limit: Option<String>,
    pub extra_vars: Map,
    pub become_: bool,
    pub become_user: Option<String>,
    pub become_method: Option<String>,
    /// `-K` or `--become-password-file` (inventory variables take precedence).
    pub become_password: Option<crate::connection::Secret>,
    pub remote_user: Option<String>,
    pub private_key: Option<String>,
    pub connection: Option<String>,
    pub start_at_task: Option<String>,
    pub timeout: u64,
    pub host_key_checking: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            check: false,
            diff: false,
            forks: 5,
            verbosity: 0,
            tags: TagFilter::default(),
            limit: None,
            extra_vars: Map::new(),
            become_: false,
            become_user: None,
            become_method: None,
            become_password: None,
            remote_user: None,
            private_key: None,
            connection: None,
            start_at_task: None,
            timeout: 10,
            host_key_checking: true,
        }
    }
}
