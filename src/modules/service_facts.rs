//! `service_facts`: the target's services as `ansible_facts.services`, gathered the way
//! ansible-core's module does on Linux: `service --status-all` (SysV, when there is no
//! `chkconfig` or `rc-status`), then, on a host that systemd manages, `systemctl
//! list-units` and `list-unit-files` (and `systemctl show` for unit files that are not
//! loaded). The commands' output is parsed here with the module's own rules.

use async_trait::async_trait;

use super::args::check_known;
use super::file_attrs;
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::shell_quote;
use crate::vars::{Key, Map, Value};

pub struct ServiceFacts;

/// Each section of the probe's output starts with this marker line.
const MARK: &str = "@@roller-service-facts ";

/// One round trip: which tools exist, and what they print (stdout, stderr, rc).
const PROBE: &str = r#"export LANG=C LC_ALL=C
PATH="$PATH:/sbin:/usr/sbin:/usr/local/sbin"
_m='@@roller-service-facts '
_t=$(mktemp) || exit 1
_run() { # label command...
  _l=$1; shift
  "$@" >"$_t.o" 2>"$_t"; _r=$?
  printf '%s%s %s\n' "$_m" "$_l" "$_r"; cat "$_t.o"
  printf '\n%s%s-err\n' "$_m" "$_l"; cat "$_t"; printf '\n'
}
_svc=$(command -v service); _chk=$(command -v chkconfig); _rcs=$(command -v rc-status)
if [ -n "$_svc" ] && [ -z "$_chk" ] && [ -z "$_rcs" ]; then
  _run sysv "$_svc" --status-all
  [ -e /etc/init.d ] && printf '%sinitd\n' "$_m"
fi
_sc=$(PATH="$PATH:/usr/bin:/usr/local/bin" command -v systemctl)
if [ -n "$_sc" ] && [ -n "$(command -v systemctl)" ]; then
  _sd=0
  for _c in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/; do [ -e "$_c" ] && _sd=1; done
  [ $_sd = 0 ] && [ "$(head -n 1 /proc/1/comm 2>/dev/null)" = systemd ] && _sd=1
  if [ $_sd = 1 ]; then
    printf '%ssystemctl %s\n' "$_m" "$_sc"
    _run units "$_sc" list-units --no-pager --type service --all --plain
    _run files "$_sc" list-unit-files --no-pager --type service --all
  fi
fi
rm -f "$_t" "$_t.o"
"#;

/// The probe's sections: label → (rc, stdout); stderr under `<label>-err`.
struct Sections(Vec<(String, Option<i32>, String)>);

impl Sections {
    fn parse(text: &str) -> Sections {
        let mut out: Vec<(String, Option<i32>, String)> = Vec::new();
        for line in text.split_inclusive('\n') {
            if let Some(head) = line.strip_prefix(MARK) {
                let mut words = head.trim_end_matches('\n').splitn(2, ' ');
                let label = words.next().unwrap_or_default().to_string();
                let rest = words.next().unwrap_or_default();
                out.push((label, rest.parse().ok(), rest.to_string()));
                // The value of a `systemctl PATH` line is its path; bodies start empty.
                if let Some(last) = out.last_mut()
                    && last.1.is_some()
                {
                    last.2.clear();
                }
            } else if let Some(last) = out.last_mut() {
                last.2.push_str(line);
            }
        }
        // `_run` adds a newline after each body: drop it.
        for s in &mut out {
            if (s.1.is_some() || s.0.ends_with("-err")) && s.2.ends_with('\n') {
                s.2.pop();
            }
        }
        Sections(out)
    }

    fn get(&self, label: &str) -> Option<(Option<i32>, &str)> {
        self.0
            .iter()
            .find(|(l, _, _)| l == label)
            .map(|(_, rc, body)| (*rc, body.as_str()))
    }
}

fn entry(pairs: &[(&str, &str)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(Key::from(*k), Value::Str(v.to_string()));
    }
    Value::Map(m)
}

/// `service --status-all`: `[ + ]  name` lines.
fn sysv(sections: &Sections, services: &mut Map, warnings: &mut Vec<String>) {
    let Some((rc, stdout)) = sections.get("sysv") else {
        return;
    };
    let rc = rc.unwrap_or(0);
    if rc == 4 && sections.get("initd").is_none() {
        return;
    }
    if rc != 0 {
        let err = sections.get("sysv-err").map_or("", |s| s.1);
        warnings.push(format!("Unable to query 'service' tool ({rc}): {err}"));
    }
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?m)^\s*\[ (\+|-) \]\s+(.+)$").expect("valid pattern")
    });
    for c in RE.captures_iter(stdout) {
        let name = c[2].to_string();
        let state = if &c[1] == "+" { "running" } else { "stopped" };
        services.insert(
            Key::from(name.as_str()),
            entry(&[("name", &name), ("state", state), ("source", "sysv")]),
        );
    }
}

const BAD_STATES: &[&str] = &["not-found", "masked", "failed"];

/// `systemctl list-units`: name, load, active, sub, description.
fn systemd_units(stdout: &str, services: &mut Map) {
    for line in stdout.split('\n').filter(|l| l.contains(".service")) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 4 {
            continue;
        }
        let head = &fields[..fields.len() - 1];
        let status = BAD_STATES
            .iter()
            .find(|bad| head.contains(bad))
            .copied()
            .unwrap_or(fields[2]);
        let state = if fields[3] == "running" {
            "running"
        } else {
            "stopped"
        };
        services.insert(
            Key::from(fields[0]),
            entry(&[
                ("name", fields[0]),
                ("state", state),
                ("status", status),
                ("source", "systemd"),
            ]),
        );
    }
}

#[async_trait]
impl Module for ServiceFacts {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &[])?;
        let out = file_attrs::run(cx, PROBE.to_string(), None).await?;
        if out.rc != 0 {
            return Err(ModuleError::new(out.stderr_text().trim().to_string()));
        }
        let sections = Sections::parse(&out.stdout_text());
        let mut services = Map::new();
        let mut warnings = Vec::new();
        sysv(&sections, &mut services, &mut warnings);
        if let Some((_, systemctl)) = sections.get("systemctl") {
            let systemctl = systemctl.trim().to_string();
            match sections.get("units") {
                Some((Some(0), stdout)) => systemd_units(stdout, &mut services),
                _ => warnings.push(format!(
                    "Could not list units from systemd: {}",
                    sections.get("units-err").map_or("", |s| s.1)
                )),
            }
            match sections.get("files") {
                Some((Some(0), stdout)) => {
                    unit_files(cx, &systemctl, stdout, &mut services).await?;
                }
                _ => warnings.push(format!(
                    "Could not get unit files data from systemd: {}",
                    sections.get("files-err").map_or("", |s| s.1)
                )),
            }
        }
        let mut res = if services.is_empty() {
            result([
                ("changed", Value::Bool(false)),
                ("skipped", Value::Bool(true)),
                (
                    "msg",
                    Value::Str(
                        "Failed to find any services. This can be due to privileges or some other configuration issue.".into(),
                    ),
                ),
            ])
        } else {
            let mut facts = Map::new();
            facts.insert("services".into(), Value::Map(services));
            result([
                ("changed", Value::Bool(false)),
                ("ansible_facts", Value::Map(facts)),
            ])
        };
        if !warnings.is_empty() {
            res.insert(
                "warnings".into(),
                Value::List(warnings.into_iter().map(Value::Str).collect()),
            );
        }
        Ok(Plan::Done(res))
    }
}

/// `systemctl list-unit-files`: the final `status` of loaded units (unless a bad state),
/// and the units that are not loaded, with their `ActiveState` from `systemctl show` (one
/// more round trip, only when there are such units).
async fn unit_files(
    cx: &ModuleContext<'_>,
    systemctl: &str,
    stdout: &str,
    services: &mut Map,
) -> Result<(), ModuleError> {
    let mut missing: Vec<(String, String)> = Vec::new();
    for line in stdout.split('\n').filter(|l| l.contains(".service")) {
        let mut words = line.split_whitespace();
        let (Some(name), Some(status)) = (words.next(), words.next()) else {
            return Err(ModuleError::new(format!(
                "Malformed output discovered from systemd list-unit-files: {line}"
            )));
        };
        match services.get_mut(&Key::from(name)) {
            Some(Value::Map(svc)) => {
                let current = svc
                    .get(&Key::from("status"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !BAD_STATES.contains(&current) {
                    svc.insert("status".into(), Value::Str(status.to_string()));
                }
            }
            _ => {
                if !missing.iter().any(|(n, _)| n == name) {
                    missing.push((name.to_string(), status.to_string()));
                }
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let script: String = missing
        .iter()
        .map(|(name, _)| {
            format!(
                "_o=$({} show {} --property=ActiveState 2>/dev/null); printf '%s\\n' \"$?\"; printf '%s\\n' \"$_o\" | head -n 1\n",
                shell_quote(systemctl),
                shell_quote(name),
            )
        })
        .collect();
    let out = file_attrs::run(cx, format!("export LANG=C LC_ALL=C\n{script}"), None).await?;
    let text = out.stdout_text();
    let mut answers = text.split('\n');
    for (name, status) in missing {
        // Each answer: `<rc>` then the output's first line (ActiveState=...).
        let rc = answers.next().unwrap_or("1");
        let line = answers.next().unwrap_or("");
        let state = if rc == "0" && !line.is_empty() {
            line.replace("ActiveState=", "").trim_end().to_string()
        } else {
            "unknown".to_string()
        };
        services.insert(
            Key::from(name.as_str()),
            entry(&[
                ("name", &name),
                ("state", &state),
                ("status", &status),
                ("source", "systemd"),
            ]),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysv_and_systemd_outputs() {
        let text = format!(
            "{MARK}sysv 0\n [ - ]  dbus\n [ + ]  ssh\n\n{MARK}sysv-err\n [ ? ]  hwclock.sh\n\n\
             {MARK}initd\n{MARK}systemctl /usr/bin/systemctl\n\
             {MARK}units 0\nssh.service loaded active running OpenSSH\nx.service not-found inactive dead x.service\n\n\
             {MARK}units-err\n\n"
        );
        let s = Sections::parse(&text);
        let mut services = Map::new();
        let mut warnings = Vec::new();
        sysv(&s, &mut services, &mut warnings);
        assert!(warnings.is_empty());
        assert_eq!(services.len(), 2);
        systemd_units(s.get("units").unwrap().1, &mut services);
        let ssh = services.get(&Key::from("ssh.service")).unwrap();
        assert_eq!(
            crate::output::json::to_python_json_line(ssh),
            r#"{"name": "ssh.service", "source": "systemd", "state": "running", "status": "active"}"#
        );
        let x = services.get(&Key::from("x.service")).unwrap();
        assert!(crate::output::json::to_python_json_line(x).contains(r#""status": "not-found""#));
        assert_eq!(s.get("systemctl").unwrap().1, "/usr/bin/systemctl");
    }
}
