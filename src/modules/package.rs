//! `package`: runs the package manager's own module, chosen as Ansible's `package` action
//! chooses it: `use`, else the `ansible_package_use` variable, else the `pkg_mgr` fact,
//! else detected on the target (Ansible runs `setup` for it; roller one shell probe).

use async_trait::async_trait;

use super::pkg_run::{self, fields};
use super::{Module, ModuleContext, ModuleError, Plan, pkg_mgr};
use crate::vars::{Key, Map, Value};

pub struct Package;

/// A variable's value as a non-empty string, if set.
fn var(cx: &ModuleContext<'_>, expr: &str) -> Option<String> {
    match cx
        .templar
        .expression(&format!("{expr} | default('')"), cx.vars)
    {
        Ok(Value::Str(s) | Value::Unsafe(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// The package manager of the target, found on it.
pub async fn detect(cx: &ModuleContext<'_>) -> Result<String, ModuleError> {
    let script = format!(
        "if [ -r /etc/os-release ]; then . /etc/os-release; echo \"os_id=$ID\"; echo \"os_like=$ID_LIKE\"; fi; {}",
        pkg_mgr::probe_script()
    );
    let out = pkg_run::run(cx, &script, &[]).await?;
    let f = fields(&out.stdout);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let family = crate::exec::facts::family(&get("os_id"), &get("os_like"));
    Ok(pkg_mgr::decide(&f, family))
}

#[async_trait]
impl Module for Package {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        let mut module = super::args::string(args, "use")?.unwrap_or_else(|| "auto".into());
        if module == "auto" {
            module =
                match var(cx, "ansible_package_use").or_else(|| var(cx, "ansible_facts.pkg_mgr")) {
                    Some(m) => m,
                    None => detect(cx).await?,
                };
        }
        if module.is_empty() || module == "auto" {
            return Err(ModuleError::new(
                "Could not detect which package manager to use. Try gathering facts or setting the \"use\" option.",
            ));
        }
        let short = module.rsplit('.').next().unwrap_or(&module).to_string();
        let target = match short.as_str() {
            // The modules themselves: `package` runs no action plugin (dnf's backend choice).
            "apt" => super::lookup(&short),
            "dnf" | "dnf5" | "yum" => Some(&super::dnf::Dnf as &dyn Module),
            _ => None,
        };
        let Some(target) = target else {
            return Err(ModuleError::new(format!(
                "Could not find a matching action for the \"{module}\" package manager."
            )));
        };
        let mut inner = args.clone();
        inner.shift_remove(&Key::from("use"));
        target.plan(cx, &inner).await
    }
}
