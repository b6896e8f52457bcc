//! The `dnf` action (also `yum`, a redirect to it): Ansible's action plugin picks the
//! backend before the module runs — `use` or `use_backend`, else (for `auto` and `yum`) the
//! `pkg_mgr` fact, else the package manager found on the target — and fails when that is
//! not a dnf (`Could not detect which major revision of dnf is in use ...`), e.g. on a
//! Debian host without `use_backend`. `package` with `use: dnf` and `dnf5` run the module
//! directly, without this choice.

use async_trait::async_trait;

use super::{Module, ModuleContext, ModuleError, Plan, dnf, package};
use crate::vars::{Key, Map, Value};

const VALID_BACKENDS: &[&str] = &["yum", "yum4", "dnf", "dnf4", "dnf5"];

pub struct DnfAction;

/// The `pkg_mgr` fact, if the host has it.
fn pkg_mgr_fact(cx: &ModuleContext<'_>) -> Option<String> {
    match cx
        .templar
        .expression("ansible_facts.pkg_mgr | default('')", cx.vars)
    {
        Ok(Value::Str(s) | Value::Unsafe(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

#[async_trait]
impl Module for DnfAction {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        if args.contains_key(&Key::from("use")) && args.contains_key(&Key::from("use_backend")) {
            return Err(ModuleError::new(
                "parameters are mutually exclusive: ('use', 'use_backend')",
            ));
        }
        let mut backend = super::args::string(args, "use")?
            .or(super::args::string(args, "use_backend")?)
            .unwrap_or_else(|| "auto".into());
        if (backend == "yum" || backend == "auto")
            && let Some(m) = pkg_mgr_fact(cx)
        {
            backend = m;
        }
        if !VALID_BACKENDS.contains(&backend.as_str()) {
            backend = package::detect(cx).await?;
        }
        if !VALID_BACKENDS.contains(&backend.as_str()) {
            return Err(ModuleError::new(
                "Could not detect which major revision of dnf is in use, which is required to determine module backend. You should manually specify use_backend to tell the module whether to use the dnf4 or dnf5 backend",
            ));
        }
        let mut inner = args.clone();
        inner.shift_remove(&Key::from("use"));
        inner.shift_remove(&Key::from("use_backend"));
        dnf::Dnf.plan(cx, &inner).await
    }
}
