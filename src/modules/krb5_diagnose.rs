//! `krb5_diagnose` (roller's own, runs against the target): why a service's Kerberos login
//! would fail, before it does. Each check stands for a cause behind a message operators
//! fear, and each failure names the message the service (Kafka's JAAS Krb5LoginModule,
//! the JDK's GSS-API, or MIT's kinit) would show. Changes nothing; runs in check mode.
//! `roller keytab doctor` runs it over an inventory. docs/kerberos.md.

use async_trait::async_trait;
use base64::Engine;

use super::args::{check_known, required_string, string};
use super::file_attrs::run;
use super::krb5_admin::{admin, kadmin_error, known, principal_arg};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::{Become, Command, shell_quote};
use crate::kerberos::kadmin::{KadminError, PrivateDir, Session};
use crate::kerberos::keytab::{Keytab, enctype_name, parse};
use crate::vars::{Map, Value};

pub struct Krb5Diagnose;

const OWN: &[&str] = &["principal", "name", "path", "user", "max_clock_skew"];

/// One check's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    /// What the service would show when this check fails.
    pub error: &'static str,
}

const E_NO_KEYTAB: &str = "javax.security.auth.login.LoginException: Unable to obtain password \
     from user (kinit: Key table file '...' not found while getting initial credentials)";
const E_UNREADABLE: &str = "javax.security.auth.login.LoginException: Unable to obtain password \
     from user (kinit: Permission denied while getting initial credentials)";
const E_NOT_IN_KEYTAB: &str = "javax.security.auth.login.LoginException: Unable to obtain \
     password from user (kinit: Keytab contains no suitable keys for ... while getting initial \
     credentials)";
const E_KVNO: &str = "GSSException: Failure unspecified at GSS-API level (Mechanism level: \
     Specified version of key is not available (44)); at login: Pre-authentication \
     information was invalid (24) (kinit: Password incorrect while getting initial credentials)";
const E_ENCTYPE: &str = "KrbException: Encryption type ... is not supported/enabled; \
     GSSException: ... (Mechanism level: Invalid argument (400) - Cannot find key of \
     appropriate type to decrypt AP REP)";
const E_KEY: &str = "GSSException: Failure unspecified at GSS-API level (Mechanism level: \
     Checksum failed); at login: Pre-authentication information was invalid (24)";
const E_HOSTNAME: &str = "clients: GSSException: No valid credentials provided (Mechanism \
     level: Server not found in Kerberos database (7) - LOOKING_UP_SERVER)";
const E_DNS: &str = "clients (with rdns canonicalization): Server not found in Kerberos \
     database (7) - LOOKING_UP_SERVER";
const E_CLOCK: &str = "javax.security.auth.login.LoginException: Clock skew too great (37) \
     (kinit: Clock skew too great while getting initial credentials)";
const E_REALM: &str = "KrbException: Cannot locate default realm / Cannot locate KDC \
     (kinit: Cannot find KDC for realm \"...\" while getting initial credentials)";
const E_PRINCIPAL: &str = "javax.security.auth.login.LoginException: Client not found in \
     Kerberos database (6)";

/// What the probe found on the host.
#[derive(Debug, Default)]
struct Facts {
    fqdn: String,
    now: Option<i64>,
    forward: String,
    reverse: String,
    krb5_conf_path: String,
    krb5_conf: Option<String>,
    keytab: Option<Vec<u8>>,
    exists: bool,
}

fn probe_script(path: &str) -> String {
    format!(
        "p={}\n\
         f=$(hostname -f 2>/dev/null || hostname)\n\
         printf 'fqdn %s\\n' \"$f\"\n\
         printf 'now %s\\n' \"$(date +%s)\"\n\
         ip=$(getent hosts \"$f\" 2>/dev/null | awk '{{print $1; exit}}')\n\
         printf 'forward %s\\n' \"$ip\"\n\
         [ -n \"$ip\" ] && printf 'reverse %s\\n' \"$(getent hosts \"$ip\" 2>/dev/null | awk '{{print $2; exit}}')\"\n\
         c=${{KRB5_CONFIG:-/etc/krb5.conf}}\n\
         printf 'krb5conf_path %s\\n' \"$c\"\n\
         [ -r \"$c\" ] && printf 'krb5conf %s\\n' \"$(base64 -w0 < \"$c\")\"\n\
         if [ -e \"$p\" ]; then echo exists; [ -r \"$p\" ] && printf 'keytab %s\\n' \"$(base64 -w0 < \"$p\")\"; fi\n\
         true\n",
        shell_quote(path)
    )
}

fn parse_facts(out: &str) -> Facts {
    let b64 = |v: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(v.trim())
            .ok()
    };
    let mut f = Facts::default();
    for line in out.lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        match k {
            "fqdn" => f.fqdn = v.trim().to_string(),
            "now" => f.now = v.trim().parse().ok(),
            "forward" => f.forward = v.trim().to_string(),
            "reverse" => f.reverse = v.trim().to_string(),
            "krb5conf_path" => f.krb5_conf_path = v.trim().to_string(),
            "krb5conf" => f.krb5_conf = b64(v).map(|b| String::from_utf8_lossy(&b).into_owned()),
            "keytab" => f.keytab = b64(v),
            "exists" => f.exists = true,
            _ => {}
        }
    }
    f
}

/// `default_realm` and the realms with a `[realms]` entry, from a krb5.conf.
pub fn krb5_conf_realms(text: &str) -> (Option<String>, Vec<String>) {
    let mut section = String::new();
    let mut default = None;
    let mut realms = Vec::new();
    let mut depth = 0usize;
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if line.starts_with('[') && depth == 0 {
            section = line.trim_matches(['[', ']']).trim().to_string();
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let (k, v) = (k.trim(), v.trim());
            if depth == 0 && section == "libdefaults" && k == "default_realm" {
                default = Some(v.to_string());
            }
            if v.starts_with('{') {
                if depth == 0 && section == "realms" {
                    realms.push(k.to_string());
                }
                depth += 1;
            }
        } else if line.starts_with('}') {
            depth = depth.saturating_sub(1);
        }
    }
    (default, realms)
}

fn check(name: &'static str, ok: bool, detail: String, error: &'static str) -> Check {
    Check {
        name,
        ok,
        detail,
        error,
    }
}

/// The checks that depend on the keytab and the KDC.
pub fn keytab_checks(
    principal: &str,
    keytab: &Keytab,
    kdc: Option<&Keytab>,
    checks: &mut Vec<Check>,
) {
    let host_kvno = keytab.kvno(principal);
    checks.push(check(
        "principal_in_keytab",
        host_kvno.is_some(),
        match host_kvno {
            Some(_) => format!("{principal} has keys in the keytab"),
            None => format!("no keys of {principal} in the keytab"),
        },
        E_NOT_IN_KEYTAB,
    ));
    let (Some(kdc), Some(host_kvno)) = (kdc, host_kvno) else {
        return;
    };
    let kdc_kvno = kdc.kvno(principal).unwrap_or(0);
    checks.push(check(
        "kvno",
        host_kvno == kdc_kvno,
        format!("keytab kvno {host_kvno}, KDC kvno {kdc_kvno}"),
        E_KVNO,
    ));
    let want = kdc.enctypes(principal, kdc_kvno);
    let have = keytab.enctypes(principal, kdc_kvno);
    let missing: Vec<String> = want.difference(&have).map(|e| enctype_name(*e)).collect();
    if host_kvno == kdc_kvno {
        checks.push(check(
            "enctypes",
            missing.is_empty(),
            if missing.is_empty() {
                format!(
                    "all of the KDC's enctypes: {}",
                    want.iter()
                        .map(|e| enctype_name(*e))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                format!("missing in the keytab: {}", missing.join(", "))
            },
            E_ENCTYPE,
        ));
        let same = kdc
            .entries
            .iter()
            .filter(|e| e.kvno == kdc_kvno && have.contains(&e.enctype))
            .all(|e| keytab.key_set().contains(&e.id()));
        checks.push(check(
            "keys",
            same,
            if same {
                "the keytab's keys are the KDC's".into()
            } else {
                format!("same kvno {kdc_kvno}, other keys (principal re-created at the KDC?)")
            },
            E_KEY,
        ));
    }
}

fn become_as(cx: &ModuleContext<'_>, user: &str) -> Become {
    match &cx.become_ {
        Some(b) => Become {
            user: user.to_string(),
            ..b.clone()
        },
        None => Become::sudo(user),
    }
}

#[async_trait]
impl Module for Krb5Diagnose {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &known(OWN))?;
        let admin = admin(cx, args)?;
        let principal = principal_arg(args, &admin)?;
        let path = required_string(args, "path")?;
        let user = string(args, "user")?;
        let max_skew = super::args::integer(args, "max_clock_skew")?.unwrap_or(300);

        let t0 = std::time::SystemTime::now();
        let out = run(cx, probe_script(&path), None).await?;
        let t1 = std::time::SystemTime::now();
        let facts = parse_facts(&out.stdout_text());
        let mut checks = Vec::new();

        // The keytab: there, readable by the service user, holding the principal.
        checks.push(check(
            "keytab_exists",
            facts.exists,
            format!(
                "{path} {}",
                if facts.exists {
                    "exists"
                } else {
                    "does not exist"
                }
            ),
            E_NO_KEYTAB,
        ));
        if facts.exists
            && let Some(u) = &user
        {
            let mut c = Command::new(format!("test -r {}", shell_quote(&path)));
            c.become_ = Some(become_as(cx, u));
            c.timeout = cx.timeout;
            let readable = cx.conn.run(&c).await?.rc == 0;
            checks.push(check(
                "keytab_readable",
                readable,
                format!(
                    "{path} {} by {u}",
                    if readable { "readable" } else { "not readable" }
                ),
                E_UNREADABLE,
            ));
        }
        let session = Session::open(&admin).await.map_err(kadmin_error)?;
        let dir = PrivateDir::new()
            .map_err(|e| ModuleError::new(format!("cannot create a private directory: {e}")))?;
        let kdc = match session.export(&principal, &dir).await {
            Ok(bytes) => Some(
                parse(&bytes)
                    .map_err(|e| ModuleError::new(format!("kadmin's export unreadable: {e}")))?,
            ),
            Err(KadminError::NotFound(_)) => None,
            Err(e) => return Err(kadmin_error(e)),
        };
        drop(dir);
        checks.push(check(
            "principal_at_kdc",
            kdc.is_some(),
            format!(
                "{principal} {} at the KDC",
                if kdc.is_some() {
                    "exists"
                } else {
                    "does not exist"
                }
            ),
            E_PRINCIPAL,
        ));
        if let Some(bytes) = &facts.keytab {
            match parse(bytes) {
                Ok(kt) => keytab_checks(&principal, &kt, kdc.as_ref(), &mut checks),
                Err(e) => checks.push(check(
                    "keytab_format",
                    false,
                    format!("{path} is not a keytab: {e}"),
                    E_NO_KEYTAB,
                )),
            }
        }

        // The host: its name is the principal's instance, DNS agrees both ways.
        let instance = principal
            .split('@')
            .next()
            .and_then(|n| n.split_once('/'))
            .map(|(_, i)| i.to_string());
        if let Some(instance) = &instance {
            checks.push(check(
                "hostname",
                facts.fqdn.eq_ignore_ascii_case(instance),
                format!(
                    "hostname -f is {:?}, the principal's instance {instance:?}",
                    facts.fqdn
                ),
                E_HOSTNAME,
            ));
        }
        let dns_ok = !facts.forward.is_empty() && facts.reverse.eq_ignore_ascii_case(&facts.fqdn);
        checks.push(check(
            "dns",
            dns_ok,
            format!(
                "{} -> {} -> {}",
                facts.fqdn,
                if facts.forward.is_empty() {
                    "(no address)"
                } else {
                    &facts.forward
                },
                if facts.reverse.is_empty() {
                    "(no name)"
                } else {
                    &facts.reverse
                }
            ),
            E_DNS,
        ));

        // The clock, against the controller's (the midpoint of the probe's round trip).
        if let Some(now) = facts.now {
            let secs = |t: std::time::SystemTime| {
                t.duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0)
            };
            let mid = (secs(t0) + secs(t1)) / 2.0;
            let skew = (now as f64 - mid).round() as i64;
            checks.push(check(
                "clock_skew",
                skew.abs() < max_skew,
                format!("{skew:+} s against the controller (limit {max_skew} s)"),
                E_CLOCK,
            ));
        }

        // krb5.conf: the principal's realm is the default and has a [realms] entry.
        let realm = principal.rsplit_once('@').map(|(_, r)| r.to_string());
        if let Some(realm) = &realm {
            let (ok, detail) = match &facts.krb5_conf {
                None => (
                    false,
                    format!("{} is missing or unreadable", facts.krb5_conf_path),
                ),
                Some(text) => {
                    let (default, realms) = krb5_conf_realms(text);
                    let d_ok = default.as_deref() == Some(realm.as_str());
                    let r_ok = realms.iter().any(|r| r == realm);
                    (
                        d_ok && r_ok,
                        format!(
                            "{}: default_realm {}, [realms] {}",
                            facts.krb5_conf_path,
                            default.as_deref().unwrap_or("(unset)"),
                            if r_ok {
                                format!("has {realm}")
                            } else {
                                format!("lacks {realm}")
                            }
                        ),
                    )
                }
            };
            checks.push(check("krb5_conf_realm", ok, detail, E_REALM));
        }

        let failed: Vec<&Check> = checks.iter().filter(|c| !c.ok).collect();
        let list = Value::List(
            checks
                .iter()
                .map(|c| {
                    let mut m = result([
                        ("check", Value::Str(c.name.into())),
                        ("ok", Value::Bool(c.ok)),
                        ("detail", Value::Str(c.detail.clone())),
                    ]);
                    if !c.ok {
                        m.insert("service_error".into(), Value::Str(c.error.into()));
                    }
                    Value::Map(m)
                })
                .collect(),
        );
        let mut r = result([
            ("changed", Value::Bool(false)),
            ("principal", Value::Str(principal.clone())),
            ("path", Value::Str(path.clone())),
            ("checks", list),
        ]);
        if failed.is_empty() {
            r.insert(
                "msg".into(),
                Value::Str(format!("all {} checks passed", checks.len())),
            );
            return Ok(Plan::Done(r));
        }
        let msg = failed
            .iter()
            .map(|c| {
                format!(
                    "{}: {} -> the service would show: {}",
                    c.name, c.detail, c.error
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let mut err = ModuleError::new(format!(
            "{} of {} checks failed: {msg}",
            failed.len(),
            checks.len()
        ));
        err.result = r;
        Err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Keytab {
        let path = format!(
            "{}/tests/fixtures/keytab/{name}.keytab",
            env!("CARGO_MANIFEST_DIR")
        );
        parse(&std::fs::read(path).unwrap()).unwrap()
    }

    const B2: &str = "kafka/broker2.fixture.test@FIXTURE.TEST";

    #[test]
    fn kvno_mismatch_is_named() {
        let mut checks = Vec::new();
        keytab_checks(
            B2,
            &fixture("two_principals"),
            Some(&fixture("kvno300")),
            &mut checks,
        );
        let kvno = checks.iter().find(|c| c.name == "kvno").unwrap();
        assert!(!kvno.ok);
        assert_eq!(kvno.detail, "keytab kvno 1, KDC kvno 300");
        assert!(
            kvno.error
                .contains("Specified version of key is not available (44)")
        );
        let mut ok = Vec::new();
        keytab_checks(B2, &fixture("kvno300"), Some(&fixture("kvno300")), &mut ok);
        assert!(ok.iter().all(|c| c.ok), "{ok:?}");
        assert_eq!(ok.len(), 4);
    }

    #[test]
    fn krb5_conf_realms_are_read() {
        let conf = "[libdefaults]\n  default_realm = LAB.TEST\n  rdns = false\n\n[realms]\n  \
                    LAB.TEST = {\n    kdc = 198.18.0.1:17088\n  }\n  OTHER = {\n  kdc = x\n }\n\
                    [domain_realm]\n  .lab.test = LAB.TEST\n";
        let (d, r) = krb5_conf_realms(conf);
        assert_eq!(d.as_deref(), Some("LAB.TEST"));
        assert_eq!(r, ["LAB.TEST", "OTHER"]);
    }

    #[test]
    fn probe_facts() {
        let f = parse_facts(
            "fqdn broker1.lab.test\nnow 1795697494\nforward 198.18.0.11\nreverse broker1.lab.test\n\
             krb5conf_path /etc/krb5.conf\nkrb5conf W2xpYmRlZmF1bHRzXQo=\nexists\n",
        );
        assert_eq!(f.fqdn, "broker1.lab.test");
        assert_eq!(f.now, Some(1795697494));
        assert_eq!(f.krb5_conf.as_deref(), Some("[libdefaults]\n"));
        assert!(f.exists && f.keytab.is_none());
    }
}
