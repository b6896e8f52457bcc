//! `krb5_principal` (roller's own, runs on the controller): a service principal at the KDC,
//! present (created with random keys only when absent, never re-keyed) or absent, through
//! kadmin against the admin server (src/kerberos/kadmin.rs). docs/kerberos.md.

use async_trait::async_trait;

use super::args::{check_known, string};
use super::krb5_admin::{admin, kadmin_error, known, principal_arg};
use super::{Apply, Module, ModuleContext, ModuleError, Plan, result};
use crate::kerberos::kadmin::{Admin, Session};
use crate::kerberos::keytab::enctype_name;
use crate::kerberos::principal::PrincipalInfo;
use crate::vars::{Map, Value};

pub struct Krb5Principal;

const OWN: &[&str] = &["name", "principal", "state"];

pub fn info_result(principal: &str, state: &str, info: Option<&PrincipalInfo>) -> Map {
    let mut r = result([
        ("changed", Value::Bool(false)),
        ("principal", Value::Str(principal.to_string())),
        ("state", Value::Str(state.to_string())),
    ]);
    if let Some(i) = info {
        r.insert("kvno".into(), Value::Int(i64::from(i.kvno)));
        r.insert(
            "enctypes".into(),
            Value::List(
                i.enctypes()
                    .into_iter()
                    .map(|e| Value::Str(enctype_name(e)))
                    .collect(),
            ),
        );
    }
    r
}

struct Create {
    admin: Admin,
    principal: String,
}

#[async_trait]
impl Apply for Create {
    async fn apply(self: Box<Self>, _cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let s = Session::open(&self.admin).await.map_err(kadmin_error)?;
        s.addprinc_randkey(&self.principal)
            .await
            .map_err(kadmin_error)?;
        // Read back: kadmin said nothing wrong, the KDC must now have it.
        let info = s
            .getprinc(&self.principal)
            .await
            .map_err(kadmin_error)?
            .ok_or_else(|| {
                ModuleError::new(format!(
                    "kadmin reported no error but {} does not exist afterwards",
                    self.principal
                ))
            })?;
        let mut r = info_result(&self.principal, "present", Some(&info));
        r.insert("changed".into(), Value::Bool(true));
        r.insert(
            "msg".into(),
            Value::Str(format!("created {} with random keys", self.principal)),
        );
        Ok(r)
    }
}

struct Delete {
    admin: Admin,
    principal: String,
}

#[async_trait]
impl Apply for Delete {
    async fn apply(self: Box<Self>, _cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let s = Session::open(&self.admin).await.map_err(kadmin_error)?;
        s.delprinc(&self.principal).await.map_err(kadmin_error)?;
        if s.getprinc(&self.principal)
            .await
            .map_err(kadmin_error)?
            .is_some()
        {
            return Err(ModuleError::new(format!(
                "kadmin reported no error but {} still exists",
                self.principal
            )));
        }
        let mut r = info_result(&self.principal, "absent", None);
        r.insert("changed".into(), Value::Bool(true));
        r.insert(
            "msg".into(),
            Value::Str(format!("deleted {}", self.principal)),
        );
        Ok(r)
    }
}

#[async_trait]
impl Module for Krb5Principal {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &known(OWN))?;
        let admin = admin(cx, args)?;
        let principal = principal_arg(args, &admin)?;
        let state = string(args, "state")?.unwrap_or_else(|| "present".into());
        if state != "present" && state != "absent" {
            return Err(ModuleError::new(format!(
                "value of state must be one of: present, absent, got: {state}"
            )));
        }
        let session = Session::open(&admin).await.map_err(kadmin_error)?;
        let info = session.getprinc(&principal).await.map_err(kadmin_error)?;
        let diff = |before: &str, after: &str| {
            Some(Value::Map(result([
                ("before", Value::Str(format!("{principal}: {before}\n"))),
                ("after", Value::Str(format!("{principal}: {after}\n"))),
            ])))
        };
        match (state.as_str(), info) {
            ("present", Some(info)) => {
                Ok(Plan::Done(info_result(&principal, "present", Some(&info))))
            }
            ("absent", None) => Ok(Plan::Done(info_result(&principal, "absent", None))),
            (_, None) => {
                if cx.check_mode {
                    (cx.notice)(&format!("would create principal {principal}"));
                }
                let mut preview = info_result(&principal, "present", None);
                preview.insert(
                    "msg".into(),
                    Value::Str(format!("would create {principal} with random keys")),
                );
                Ok(Plan::Change {
                    preview,
                    diff: diff("absent", "present (random keys)"),
                    apply: Box::new(Create { admin, principal }),
                })
            }
            (_, Some(info)) => {
                if cx.check_mode {
                    (cx.notice)(&format!("would delete principal {principal}"));
                }
                let mut preview = info_result(&principal, "absent", Some(&info));
                preview.insert(
                    "msg".into(),
                    Value::Str(format!("would delete {principal}")),
                );
                Ok(Plan::Change {
                    preview,
                    diff: diff(&format!("present (kvno {})", info.kvno), "absent"),
                    apply: Box::new(Delete { admin, principal }),
                })
            }
        }
    }
}
