//! What the krb5 modules share: the admin server settings (module arguments over the
//! inventory's cp-ansible `kerberos` dict), principal names completed with the realm,
//! kadmin errors as module errors. docs/kerberos.md.

use std::path::PathBuf;

use super::args::string;
use super::{ModuleContext, ModuleError};
use crate::connection::Secret;
use crate::kerberos::kadmin::{Admin, AdminAuth, KadminError};
use crate::vars::{Key, Map, Value};

/// The module arguments that say how to reach kadmin.
pub const ADMIN_ARGS: &[&str] = &[
    "kadmin_principal",
    "kadmin_keytab",
    "kadmin_password",
    "admin_server",
    "realm",
    "krb5_config",
];

fn kerberos_var(cx: &ModuleContext<'_>) -> Map {
    match cx.templar.expression("kerberos | default({})", cx.vars) {
        Ok(Value::Map(m)) => m,
        _ => Map::new(),
    }
}

fn from_var(var: &Map, key: &str) -> Option<String> {
    match var.get(&Key::from(key)) {
        Some(Value::Str(s)) | Some(Value::Unsafe(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The admin settings: each argument, else the inventory's `kerberos.<name>`
/// (`kadmin_principal`, `kadmin_keytab_path`, `kadmin_password`, `admin_hostname`, `realm`,
/// `kadmin_krb5_config`).
pub fn admin(cx: &ModuleContext<'_>, args: &Map) -> Result<Admin, ModuleError> {
    let var = kerberos_var(cx);
    let pick = |arg: &str, key: &str| -> Result<Option<String>, ModuleError> {
        Ok(string(args, arg)?.or_else(|| from_var(&var, key)))
    };
    let realm = pick("realm", "realm")?;
    let principal = pick("kadmin_principal", "kadmin_principal")?.ok_or_else(|| {
        ModuleError::new(
            "no admin principal: set kadmin_principal (or kerberos.kadmin_principal in the inventory)",
        )
    })?;
    // The task's own credentials first, then the inventory's; a keytab before a password.
    let auth = match (
        string(args, "kadmin_keytab")?,
        string(args, "kadmin_password")?,
        from_var(&var, "kadmin_keytab_path"),
        from_var(&var, "kadmin_password"),
    ) {
        (Some(kt), ..) | (None, None, Some(kt), _) => AdminAuth::Keytab(PathBuf::from(kt)),
        (None, Some(pw), ..) | (None, None, None, Some(pw)) => AdminAuth::Password(Secret::new(pw)),
        (None, None, None, None) => {
            return Err(ModuleError::new(
                "no admin credentials: set kadmin_keytab or kadmin_password (or \
                 kerberos.kadmin_keytab_path / kerberos.kadmin_password in the inventory)",
            ));
        }
    };
    Ok(Admin {
        principal: qualify(&principal, realm.as_deref()),
        auth,
        server: pick("admin_server", "admin_hostname")?,
        realm,
        krb5_config: pick("krb5_config", "kadmin_krb5_config")?.map(PathBuf::from),
        program: "kadmin".into(),
    })
}

/// NAME with `@REALM` when it names none.
pub fn qualify(name: &str, realm: Option<&str>) -> String {
    match realm {
        Some(r) if !name.contains('@') => format!("{name}@{r}"),
        _ => name.to_string(),
    }
}

/// The principal argument (`name` or `principal`), completed with the realm.
pub fn principal_arg(args: &Map, admin: &Admin) -> Result<String, ModuleError> {
    let name = match (string(args, "principal")?, string(args, "name")?) {
        (Some(p), _) | (None, Some(p)) => p,
        (None, None) => return Err(ModuleError::new("missing required arguments: principal")),
    };
    Ok(qualify(&name, admin.realm.as_deref()))
}

pub fn kadmin_error(e: KadminError) -> ModuleError {
    ModuleError::new(e.to_string())
}

/// The module's own arguments plus the admin ones.
pub fn known<'a>(own: &[&'a str]) -> Vec<&'a str> {
    own.iter()
        .copied()
        .chain(ADMIN_ARGS.iter().copied())
        .collect()
}
