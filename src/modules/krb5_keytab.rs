//! `krb5_keytab` (roller's own, runs against the target): the keytab at `path` holds
//! exactly the KDC's current keys of `principal`, with the given owner, group and mode.
//!
//! The KDC's keys are exported on the controller (`ktadd -norandkey`, which does not change
//! them) into a private directory, the host's keytab is read over the connection, both are
//! parsed natively (src/kerberos/keytab.rs) and their (principal, kvno, enctype, key) sets
//! compared. Only a difference writes the keytab (a temporary file beside it, owner, group
//! and mode set, then `mv`: atomic); wrong owner, group or mode alone are fixed in place
//! without rewriting the content. After a change (and with `verify_only`) the keytab is
//! tried with `kinit -k -t` as its owner, with a credential cache in memory.
//! `rotate: true` gives the principal new keys first (once per run, whichever host comes
//! first), so every host holding it is then updated. docs/kerberos.md.

use std::collections::HashSet;
use std::sync::LazyLock;

use async_trait::async_trait;

use super::args::{boolean, check_known, get, required_string, string};
use super::file_attrs::run;
use super::krb5_admin::{admin, kadmin_error, known, principal_arg};
use super::{Apply, Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::{Become, Command, shell_quote};
use crate::kerberos::kadmin::{Admin, KadminError, PrivateDir, Session};
use crate::kerberos::keytab::{Key, Keytab, KeytabError, enctype_name, parse};
use crate::vars::{Map, Value};

pub struct Krb5Keytab;

const OWN: &[&str] = &[
    "principal",
    "name",
    "path",
    "owner",
    "group",
    "mode",
    "rotate",
    "verify",
    "verify_only",
];

/// Principals given new keys during this run (a principal shared by several hosts is
/// rotated once; the other hosts' tasks then find their keytabs stale and update them).
static ROTATED: LazyLock<tokio::sync::Mutex<HashSet<String>>> =
    LazyLock::new(|| tokio::sync::Mutex::new(HashSet::new()));

/// The host's keytab file as the probe found it.
#[derive(Debug, Default)]
struct HostFile {
    login: String,
    /// `Some(Ok(..))` a readable file, `Some(Err(..))` a file that is not a keytab.
    content: Option<Result<Keytab, KeytabError>>,
    raw_present: bool,
    other: bool,
    unreadable: bool,
    uid: Option<u32>,
    gid: Option<u32>,
    user: String,
    group: String,
    mode: u32,
    /// The wanted owner and group as ids on the host (None: unknown there).
    want_uid: Option<u32>,
    want_gid: Option<u32>,
}

const CONTENT_MARK: &[u8] = b"--content--\n";

fn probe_script(path: &str, owner: Option<&str>, group: Option<&str>) -> String {
    let mut s = format!(
        "p={}\nprintf 'login %s\\n' \"$(id -un)\"\n",
        shell_quote(path)
    );
    if let Some(o) = owner {
        s.push_str(&format!(
            "printf 'want_uid %s\\n' \"$(id -u -- {} 2>/dev/null)\"\n",
            shell_quote(o)
        ));
    }
    if let Some(g) = group {
        s.push_str(&format!(
            "printf 'want_gid %s\\n' \"$(getent group -- {} 2>/dev/null | cut -d: -f3)\"\n",
            shell_quote(g)
        ));
    }
    s.push_str(
        "if [ -f \"$p\" ]; then\n\
         \x20 printf 'stat %s\\n' \"$(stat -L -c '%u %g %U %G %a' \"$p\")\"\n\
         \x20 if [ -r \"$p\" ]; then printf -- '--content--\\n'; cat \"$p\"; else echo unreadable; fi\n\
         elif [ -e \"$p\" ] || [ -L \"$p\" ]; then echo other\n\
         else echo missing; fi\n",
    );
    s
}

fn parse_probe(out: &[u8]) -> HostFile {
    let (head, body) = match out
        .windows(CONTENT_MARK.len())
        .position(|w| w == CONTENT_MARK)
    {
        Some(i) => (&out[..i], Some(&out[i + CONTENT_MARK.len()..])),
        None => (out, None),
    };
    let mut h = HostFile::default();
    for line in String::from_utf8_lossy(head).lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        let v = v.trim();
        match k {
            "login" => h.login = v.to_string(),
            "want_uid" => h.want_uid = v.parse().ok(),
            "want_gid" => h.want_gid = v.parse().ok(),
            "other" => h.other = true,
            "unreadable" => h.unreadable = true,
            "stat" => {
                let f: Vec<&str> = v.split_whitespace().collect();
                if f.len() == 5 {
                    h.uid = f[0].parse().ok();
                    h.gid = f[1].parse().ok();
                    h.user = f[2].to_string();
                    h.group = f[3].to_string();
                    h.mode = u32::from_str_radix(f[4], 8).unwrap_or(0);
                }
            }
            _ => {}
        }
    }
    if let Some(b) = body {
        h.raw_present = true;
        h.content = Some(parse(b));
    }
    h
}

fn names(set: impl IntoIterator<Item = u16>) -> String {
    set.into_iter()
        .map(enctype_name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why the host's keytab does not hold exactly the KDC's keys of PRINCIPAL (empty: it
/// does). The reasons name kvnos and enctypes, never key bytes.
pub fn content_reasons(
    principal: &str,
    kdc: &Keytab,
    host: Option<&Result<Keytab, KeytabError>>,
) -> Vec<String> {
    let host = match host {
        None => return vec!["missing".into()],
        Some(Err(e)) => return vec![format!("not a keytab roller can read: {e}")],
        Some(Ok(kt)) => kt,
    };
    let want = kdc.key_set();
    let have = host.key_set();
    if want == have && !host.has_duplicates() {
        return Vec::new();
    }
    let mut reasons = Vec::new();
    let kdc_kvno = kdc.kvno(principal).unwrap_or(0);
    match host.kvno(principal) {
        None => reasons.push(format!("principal {principal} not in the keytab")),
        Some(k) if k != kdc_kvno => reasons.push(format!("kvno {k} vs KDC {kdc_kvno}")),
        Some(_) => {
            let missing: Vec<u16> = kdc
                .enctypes(principal, kdc_kvno)
                .difference(&host.enctypes(principal, kdc_kvno))
                .copied()
                .collect();
            if !missing.is_empty() {
                reasons.push(format!("enctype missing: {}", names(missing)));
            }
        }
    }
    if reasons.is_empty() && !want.is_subset(&have) {
        reasons.push(format!(
            "keys differ from the KDC's at kvno {kdc_kvno} (principal re-created?)"
        ));
    }
    let extra = have.difference(&want).count();
    if extra > 0 && reasons.is_empty() {
        reasons.push(format!("{extra} entries the KDC does not have"));
    }
    if host.has_duplicates() {
        reasons.push("duplicate entries".into());
    }
    if reasons.is_empty() {
        reasons.push("differs from the KDC's keys".into());
    }
    reasons
}

fn parse_mode(v: &Value) -> Result<u32, ModuleError> {
    let bad = || {
        ModuleError::new(format!(
            "mode must be an octal mode such as \"0640\", got {v:?}"
        ))
    };
    let m = match v {
        Value::Int(i) => u32::try_from(*i).map_err(|_| bad())?,
        Value::Str(s) | Value::Unsafe(s) => {
            let s = s.trim().trim_start_matches("0o");
            u32::from_str_radix(s, 8).map_err(|_| bad())?
        }
        _ => return Err(bad()),
    };
    if m > 0o7777 {
        return Err(bad());
    }
    Ok(m)
}

/// What the task wants.
#[derive(Clone)]
struct Want {
    principal: String,
    path: String,
    owner: Option<String>,
    group: Option<String>,
    mode: Option<u32>,
    verify: bool,
}

fn attr_reasons(w: &Want, h: &HostFile) -> Vec<String> {
    let mut r = Vec::new();
    if let (Some(o), Some(uid)) = (&w.owner, h.want_uid)
        && h.uid != Some(uid)
    {
        r.push(format!("owner {} vs {o}", h.user));
    }
    if let (Some(g), Some(gid)) = (&w.group, h.want_gid)
        && h.gid != Some(gid)
    {
        r.push(format!("group {} vs {g}", h.group));
    }
    if let Some(m) = w.mode
        && h.mode != m
    {
        r.push(format!("mode {:04o} vs {m:04o}", h.mode));
    }
    r
}

fn describe(principal: &str, kt: Option<&Keytab>, owner: &str, group: &str, mode: u32) -> String {
    let keys = match kt.and_then(|k| k.kvno(principal).map(|v| (k, v))) {
        Some((k, v)) => format!("kvno {v} ({})", names(k.enctypes(principal, v))),
        None => "no keys".into(),
    };
    format!("{principal}: {keys}\nowner {owner} group {group} mode {mode:04o}\n")
}

fn kdc_fields(r: &mut Map, principal: &str, kdc: &Keytab) {
    if let Some(v) = kdc.kvno(principal) {
        r.insert("kdc_kvno".into(), Value::Int(i64::from(v)));
        r.insert(
            "enctypes".into(),
            Value::List(
                kdc.enctypes(principal, v)
                    .into_iter()
                    .map(|e| Value::Str(enctype_name(e)))
                    .collect(),
            ),
        );
    }
}

fn base_result(w: &Want) -> Map {
    result([
        ("changed", Value::Bool(false)),
        ("principal", Value::Str(w.principal.clone())),
        ("path", Value::Str(w.path.clone())),
    ])
}

fn become_for(cx: &ModuleContext<'_>, user: Option<&str>, login: &str) -> Option<Become> {
    let user = user.filter(|u| *u != login)?;
    Some(match &cx.become_ {
        Some(b) => Become {
            user: user.to_string(),
            ..b.clone()
        },
        None => Become::sudo(user),
    })
}

/// `kinit -k -t` as the keytab's owner, with a credential cache in memory: proves the keys
/// work against the KDC, as the service will use them.
async fn verify(cx: &ModuleContext<'_>, w: &Want, login: &str) -> Result<(), ModuleError> {
    let script = format!(
        "KRB5CCNAME=MEMORY:roller-verify; export KRB5CCNAME\nkinit -k -t {} {} </dev/null\n",
        shell_quote(&w.path),
        shell_quote(&w.principal)
    );
    let mut c = Command::new(script);
    c.env = cx.env.clone();
    c.become_ = become_for(cx, w.owner.as_deref(), login);
    c.timeout = cx.timeout;
    let out = cx.conn.run(&c).await?;
    let err = out.stderr_text();
    if out.rc != 0 || !err.trim().is_empty() {
        let who = w.owner.as_deref().unwrap_or(login);
        return Err(ModuleError::new(format!(
            "kinit -k -t {} {} as {who} failed (the service would fail the same way): {}",
            w.path,
            w.principal,
            err.trim()
        ))
        .with("verified", Value::Bool(false)));
    }
    Ok(())
}

/// Rotate PRINCIPAL's keys unless this run did already: new random keys, the previous
/// kvno kept (tickets issued before stay valid until they expire), older ones purged.
async fn rotate(session: &Session, principal: &str) -> Result<bool, KadminError> {
    let mut done = ROTATED.lock().await;
    if done.contains(principal) {
        return Ok(false);
    }
    session.randkey(principal, true).await?;
    if let Some(info) = session.getprinc(principal).await?
        && info.kvno > 1
    {
        session.purgekeys(principal, info.kvno - 1).await?;
    }
    done.insert(principal.to_string());
    Ok(true)
}

async fn export(session: &Session, principal: &str) -> Result<Option<(Key, Keytab)>, ModuleError> {
    let dir = PrivateDir::new()
        .map_err(|e| ModuleError::new(format!("cannot create a private directory: {e}")))?;
    match session.export(principal, &dir).await {
        Ok(bytes) => {
            let kt = parse(&bytes).map_err(|e| {
                ModuleError::new(format!("the keytab kadmin exported is unreadable: {e}"))
            })?;
            if kt.kvno(principal).is_none() {
                return Err(ModuleError::new(format!(
                    "kadmin exported no keys of {principal}"
                )));
            }
            Ok(Some((Key(bytes), kt)))
        }
        Err(KadminError::NotFound(_)) => Ok(None),
        Err(e) => Err(kadmin_error(e)),
    }
}

struct Write {
    admin: Admin,
    want: Want,
    /// The KDC's keys as exported in the plan (None when the principal does not exist yet).
    export: Option<(Key, Keytab)>,
    rotate: bool,
    content: bool,
    /// Whether the host has a file at the path (its owner and mode are kept).
    existing: bool,
    reasons: Vec<String>,
    login: String,
}

fn write_script(w: &Want, content: bool, existing: bool) -> String {
    let q = shell_quote(&w.path);
    let mut s = String::from("set -e\n");
    let mut attrs = String::new();
    if let Some(o) = &w.owner {
        attrs.push_str(&format!("chown -- {} \"$t\"\n", shell_quote(o)));
    }
    if let Some(g) = &w.group {
        attrs.push_str(&format!("chgrp -- {} \"$t\"\n", shell_quote(g)));
    }
    if let Some(m) = w.mode {
        attrs.push_str(&format!("chmod {m:04o} \"$t\"\n"));
    }
    if content {
        s.push_str(&format!(
            "p={q}\nd=$(dirname -- \"$p\")\n[ -d \"$d\" ] || mkdir -p -- \"$d\"\n\
             t=$(mktemp \"$d/.roller-keytab.XXXXXX\")\ntrap 'rm -f \"$t\"' EXIT\ncat > \"$t\"\n"
        ));
        if existing {
            // Keep the replaced file's owner and mode unless the task names them.
            s.push_str("chown --reference=\"$p\" \"$t\" 2>/dev/null || true\n");
            s.push_str("chmod --reference=\"$p\" \"$t\" 2>/dev/null || true\n");
        }
        s.push_str(&attrs);
        s.push_str("mv -f -- \"$t\" \"$p\"\ntrap - EXIT\n");
    } else {
        s.push_str(&format!("t={q}\n{attrs}"));
    }
    s
}

impl Write {
    async fn run(self, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let Write {
            admin,
            want,
            export: planned,
            rotate: rotate_first,
            content,
            existing,
            reasons,
            login,
        } = self;
        let mut rotated = false;
        let keys = if rotate_first {
            let session = Session::open(&admin).await.map_err(kadmin_error)?;
            rotated = rotate(&session, &want.principal)
                .await
                .map_err(kadmin_error)?;
            export(&session, &want.principal).await?
        } else {
            planned
        };
        let Some((bytes, kdc)) = keys else {
            return Err(ModuleError::new(format!(
                "principal {} does not exist at the KDC: create it first (krb5_principal)",
                want.principal
            )));
        };
        let script = write_script(&want, content, existing);
        let out = run(cx, script, content.then(|| bytes.0.clone())).await?;
        if out.rc != 0 {
            return Err(ModuleError::new(format!(
                "writing {} failed: {}",
                want.path,
                out.stderr_text().trim()
            )));
        }
        let mut r = base_result(&want);
        r.insert("changed".into(), Value::Bool(true));
        kdc_fields(&mut r, &want.principal, &kdc);
        r.insert(
            "reasons".into(),
            Value::List(reasons.iter().cloned().map(Value::Str).collect()),
        );
        r.insert("rotated".into(), Value::Bool(rotated));
        r.insert("content_written".into(), Value::Bool(content));
        let what = if content {
            "wrote"
        } else {
            "fixed owner/mode of"
        };
        r.insert(
            "msg".into(),
            Value::Str(format!("{what} {} ({})", want.path, reasons.join("; "))),
        );
        if want.verify {
            verify(cx, &want, &login).await.map_err(|mut e| {
                let mut written = r.clone();
                written.shift_remove(&crate::vars::Key::from("msg"));
                e.result.extend(written);
                e.result.insert("verified".into(), Value::Bool(false));
                e
            })?;
            r.insert("verified".into(), Value::Bool(true));
        }
        Ok(r)
    }
}

#[async_trait]
impl Apply for Write {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        (*self).run(cx).await
    }
}

#[async_trait]
impl Module for Krb5Keytab {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &known(OWN))?;
        let admin = admin(cx, args)?;
        let want = Want {
            principal: principal_arg(args, &admin)?,
            path: required_string(args, "path")?,
            owner: string(args, "owner")?,
            group: string(args, "group")?,
            mode: get(args, "mode").map(parse_mode).transpose()?,
            verify: boolean(args, "verify", true)?,
        };
        let rotate_requested = boolean(args, "rotate", false)?;
        let verify_only = boolean(args, "verify_only", false)?;

        let out = run(
            cx,
            probe_script(&want.path, want.owner.as_deref(), want.group.as_deref()),
            None,
        )
        .await?;
        if out.rc != 0 {
            return Err(ModuleError::new(format!(
                "cannot inspect {}: {}",
                want.path,
                out.stderr_text().trim()
            )));
        }
        let host = parse_probe(&out.stdout);
        if verify_only {
            verify(cx, &want, &host.login).await?;
            let mut r = base_result(&want);
            r.insert("verified".into(), Value::Bool(true));
            r.insert(
                "msg".into(),
                Value::Str(format!("kinit -k -t {} works", want.path)),
            );
            return Ok(Plan::Done(r));
        }
        if host.other {
            return Err(ModuleError::new(format!(
                "{} exists and is not a regular file",
                want.path
            )));
        }
        if host.unreadable {
            return Err(ModuleError::new(format!(
                "{} is not readable by {} (use become)",
                want.path, host.login
            )));
        }
        for (name, asked, found) in [
            ("user", &want.owner, host.want_uid.is_some()),
            ("group", &want.group, host.want_gid.is_some()),
        ] {
            if let (Some(n), false) = (asked, found) {
                return Err(ModuleError::new(format!(
                    "{name} {n} does not exist on {} (create the service account first)",
                    cx.host
                )));
            }
        }

        let session = Session::open(&admin).await.map_err(kadmin_error)?;
        let kdc = export(&session, &want.principal).await?;
        let already_rotated = ROTATED.lock().await.contains(&want.principal);
        let rotate_now = rotate_requested && !already_rotated;

        let mut reasons = Vec::new();
        if rotate_now {
            reasons.push("key rotation requested".to_string());
        }
        let content = match &kdc {
            None => {
                if !cx.check_mode {
                    return Err(ModuleError::new(format!(
                        "principal {} does not exist at the KDC: create it first (krb5_principal)",
                        want.principal
                    )));
                }
                reasons.push(if host.raw_present {
                    "principal not at the KDC yet (would be created)".into()
                } else {
                    "missing".into()
                });
                true
            }
            Some((_, kdc_kt)) => {
                let c = content_reasons(&want.principal, kdc_kt, host.content.as_ref());
                let differs = !c.is_empty();
                reasons.extend(c);
                differs || rotate_now
            }
        };
        let attrs = if host.raw_present {
            attr_reasons(&want, &host)
        } else {
            Vec::new()
        };
        reasons.extend(attrs.iter().cloned());

        let mut r = base_result(&want);
        if let Some((_, k)) = &kdc {
            kdc_fields(&mut r, &want.principal, k);
        }
        let host_kt = host.content.as_ref().and_then(|c| c.as_ref().ok());
        if let Some(v) = host_kt.and_then(|k| k.kvno(&want.principal)) {
            r.insert("kvno".into(), Value::Int(i64::from(v)));
        }
        r.insert("owner".into(), Value::Str(host.user.clone()));
        r.insert("group".into(), Value::Str(host.group.clone()));
        if host.raw_present {
            r.insert("mode".into(), Value::Str(format!("{:04o}", host.mode)));
        }
        if reasons.is_empty() {
            return Ok(Plan::Done(r));
        }

        if cx.check_mode {
            let verb = if !host.raw_present {
                "would write"
            } else if content {
                "would replace"
            } else {
                "would fix"
            };
            (cx.notice)(&format!(
                "{verb} {}:{} ({})",
                cx.host,
                want.path,
                reasons.join("; ")
            ));
        }
        let before = if host.raw_present {
            describe(&want.principal, host_kt, &host.user, &host.group, host.mode)
        } else {
            "(absent)\n".to_string()
        };
        let kdc_kt = kdc.as_ref().map(|(_, k)| k);
        let after_keys = if rotate_now {
            None
        } else if content {
            kdc_kt
        } else {
            host_kt
        };
        let mut after = describe(
            &want.principal,
            after_keys,
            want.owner.as_deref().unwrap_or(&host.user),
            want.group.as_deref().unwrap_or(&host.group),
            want.mode
                .unwrap_or(if host.raw_present { host.mode } else { 0o600 }),
        );
        if after_keys.is_none() {
            let new_keys = if rotate_now {
                "new keys (rotation)"
            } else {
                "the keys of the principal to be created"
            };
            after = after.replacen("no keys", new_keys, 1);
        }
        let diff = Value::Map(result([
            ("before", Value::Str(before)),
            ("after", Value::Str(after)),
            ("before_header", Value::Str(want.path.clone())),
            ("after_header", Value::Str(want.path.clone())),
        ]));
        let msg = format!(
            "{} {} ({})",
            if content {
                "would write"
            } else {
                "would fix owner/mode of"
            },
            want.path,
            reasons.join("; ")
        );
        r.insert("msg".into(), Value::Str(msg));
        r.insert(
            "reasons".into(),
            Value::List(reasons.iter().cloned().map(Value::Str).collect()),
        );
        Ok(Plan::Change {
            preview: r,
            diff: Some(diff),
            apply: Box::new(Write {
                admin,
                want,
                export: kdc,
                rotate: rotate_now,
                content,
                existing: host.raw_present,
                reasons,
                login: host.login,
            }),
        })
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

    const B1: &str = "kafka/broker1.fixture.test@FIXTURE.TEST";
    const B2: &str = "kafka/broker2.fixture.test@FIXTURE.TEST";

    #[test]
    fn reasons_name_what_differs() {
        let kdc = fixture("kvno300");
        assert!(content_reasons(B2, &kdc, Some(&Ok(kdc.clone()))).is_empty());
        assert_eq!(content_reasons(B2, &kdc, None), ["missing"]);
        assert_eq!(
            content_reasons(B2, &kdc, Some(&Err(KeytabError::Empty))),
            ["not a keytab roller can read: empty file, not a keytab"]
        );
        // Stale: the host has kvno 1, the KDC 300.
        assert_eq!(
            content_reasons(B2, &kdc, Some(&Ok(fixture("two_principals")))),
            ["kvno 1 vs KDC 300"]
        );
        assert_eq!(
            content_reasons(B2, &kdc, Some(&Ok(fixture("ktadd")))),
            [format!("principal {B2} not in the keytab")]
        );
        // Same kvno, one enctype gone.
        let mut one = kdc.clone();
        one.entries.pop();
        assert_eq!(
            content_reasons(B2, &kdc, Some(&Ok(one))),
            ["enctype missing: aes128-cts-hmac-sha1-96"]
        );
        // Same kvno and enctypes, other keys.
        let mut other = kdc.clone();
        other.entries[0].key = Key(vec![0; 32]);
        assert_eq!(
            content_reasons(B2, &kdc, Some(&Ok(other))),
            ["keys differ from the KDC's at kvno 300 (principal re-created?)"]
        );
        // What naive ktadd runs leave: duplicates.
        let dup = fixture("duplicates");
        let dedup = Keytab {
            entries: dup.entries[..2].to_vec(),
            holes: 0,
        };
        assert_eq!(
            content_reasons(B2, &dedup, Some(&Ok(dup))),
            ["duplicate entries"]
        );
        // Holes do not matter, only entries.
        let holes = fixture("holes");
        let clean = Keytab {
            entries: holes.entries.clone(),
            holes: 0,
        };
        assert!(content_reasons(B1, &clean, Some(&Ok(holes))).is_empty());
    }

    #[test]
    fn probe_output_is_read() {
        let mut out =
            b"login root\nwant_uid 4300\nwant_gid 4300\nstat 0 0 root root 644\n--content--\n"
                .to_vec();
        out.extend(
            std::fs::read(format!(
                "{}/tests/fixtures/keytab/ktadd.keytab",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        );
        let h = parse_probe(&out);
        assert_eq!((h.uid, h.gid, h.mode), (Some(0), Some(0), 0o644));
        assert_eq!((h.want_uid, h.want_gid), (Some(4300), Some(4300)));
        assert!(matches!(&h.content, Some(Ok(k)) if k.entries.len() == 2));
        let w = Want {
            principal: B1.into(),
            path: "/k".into(),
            owner: Some("cp-kafka".into()),
            group: Some("confluent".into()),
            mode: Some(0o640),
            verify: true,
        };
        assert_eq!(
            attr_reasons(&w, &h),
            [
                "owner root vs cp-kafka",
                "group root vs confluent",
                "mode 0644 vs 0640"
            ]
        );
        let missing = parse_probe(b"login root\nmissing\n");
        assert!(!missing.raw_present && missing.content.is_none());
    }

    #[test]
    fn key_material_only_on_stdin() {
        let w = Want {
            principal: B1.into(),
            path: "/etc/security/keytabs/kafka broker.keytab".into(),
            owner: Some("cp-kafka".into()),
            group: None,
            mode: Some(0o640),
            verify: true,
        };
        let s = write_script(&w, true, true);
        assert!(s.contains("cat > \"$t\""));
        assert!(s.contains("'/etc/security/keytabs/kafka broker.keytab'"));
        assert!(s.contains("chmod 0640"));
        assert!(s.contains("mv -f"));
        // Attribute fixes touch the file in place, without new content.
        let fix = write_script(&w, false, true);
        assert!(!fix.contains("cat") && !fix.contains("mv"));
    }

    #[test]
    fn modes() {
        assert_eq!(parse_mode(&Value::Int(0o640)).unwrap(), 0o640);
        assert_eq!(parse_mode(&Value::Str("0640".into())).unwrap(), 0o640);
        assert_eq!(parse_mode(&Value::Str("600".into())).unwrap(), 0o600);
        assert!(parse_mode(&Value::Str("rw".into())).is_err());
    }
}
