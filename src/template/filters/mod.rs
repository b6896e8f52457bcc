//! Ansible's filters (ansible.builtin core filters plus the Jinja builtins it relies on).

use minijinja::Environment;

pub(crate) fn register(_env: &mut Environment<'static>) {}
