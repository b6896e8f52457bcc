//! `systemd` / `systemd_service` / `service`: unit state, enablement and masking, decided
//! from `systemctl show` so that check mode predicts exactly what a run would do.

use async_trait::async_trait;

use super::args::{boolean, check_known, get, required_string, string};
use super::{Apply, Module, ModuleContext, ModuleError, Plan};
use crate::connection::{Command, shell_quote};
use crate::vars::{Key, Map, Value};

const KNOWN: &[&str] = &[
    "name",
    "unit",
    "service",
    "state",
    "enabled",
    "daemon_reload",
    "daemon-reload",
    "daemon_reexec",
    "daemon-reexec",
    "masked",
    "force",
    "no_block",
    "scope",
    "arguments",
    "args",
    "sleep",
    "pattern",
    "runlevel",
    "use",
];

pub struct Systemd;

/// What `systemctl show` and `is-enabled` said about the unit.
struct UnitState {
    status: Map,
    enabled_word: String,
    enabled_rc: i32,
}

fn parse_show(text: &str) -> Map {
    // Values may span lines when they start with `{` (ExecStart=...): join until `}`.
    let mut out = Map::new();
    let mut pending: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some((k, v)) = pending.as_mut() {
            v.push('\n');
            v.push_str(line);
            if line.trim_end().ends_with('}') {
                out.insert(Key::from(k.as_str()), Value::Str(v.clone()));
                pending = None;
            }
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if v.starts_with('{') && !v.trim_end().ends_with('}') {
            pending = Some((k.to_string(), v.to_string()));
        } else {
            out.insert(Key::from(k), Value::Str(v.to_string()));
        }
    }
    out
}

fn active_state(status: &Map) -> Option<&str> {
    status
        .get(&Key::from("ActiveState"))
        .and_then(Value::as_str)
}

struct Actions {
    commands: Vec<String>,
    result: Map,
    env: Vec<(String, String)>,
}

#[async_trait]
impl Module for Systemd {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, KNOWN)?;
        let name = string(args, "name")?
            .or(string(args, "unit")?)
            .or(string(args, "service")?);
        let systemctl = match (
            string(args, "scope")?.as_deref(),
            boolean(args, "no_block", false)?,
        ) {
            (Some("user"), nb) => {
                format!("systemctl --user{}", if nb { " --no-block" } else { "" })
            }
            (_, true) => "systemctl --no-block".to_string(),
            _ => "systemctl".to_string(),
        };
        let systemctl = if boolean(args, "force", false)? {
            format!("{systemctl} --force")
        } else {
            systemctl
        };
        let daemon_reload =
            boolean(args, "daemon_reload", false)? || boolean(args, "daemon-reload", false)?;
        // Reloading unit files changes no unit's state; Ansible does it before looking,
        // and so must roller, or the look would see stale unit files.
        if daemon_reload && !cx.check_mode {
            let out = run(cx, &format!("{systemctl} daemon-reload")).await?;
            if out.0 != 0 {
                return Err(ModuleError::new(format!(
                    "failure {} during daemon-reload: {}",
                    out.0, out.2
                )));
            }
        }
        let mut result = Map::new();
        let Some(name) = name else {
            result.insert("changed".into(), Value::Bool(false));
            result.insert("status".into(), Value::Map(Map::new()));
            return Ok(Plan::Done(result));
        };
        let state = look(cx, &systemctl, &name).await?;
        let found = state
            .status
            .get(&Key::from("LoadState"))
            .and_then(Value::as_str)
            .is_some_and(|s| s != "not-found");
        result.insert("name".into(), Value::Str(name.clone()));
        result.insert("changed".into(), Value::Bool(false));
        let missing =
            || ModuleError::new(format!("Could not find the requested service {name}: host"));
        let q = shell_quote(&name);
        let mut commands = Vec::new();
        if let Some(masked) = get(args, "masked") {
            let want = super::args::to_bool(masked).unwrap_or(false);
            if (state.enabled_word == "masked") != want {
                commands.push(format!(
                    "{systemctl} {} {q}",
                    if want { "mask" } else { "unmask" }
                ));
            }
        }
        if let Some(enabled) = get(args, "enabled") {
            let want = super::args::to_bool(enabled).unwrap_or(false);
            if !found {
                return Err(missing());
            }
            let is_enabled = state.enabled_rc == 0
                && !matches!(
                    state.enabled_word.as_str(),
                    "enabled-runtime" | "indirect" | "alias"
                );
            result.insert("enabled".into(), Value::Bool(is_enabled));
            if is_enabled != want {
                commands.push(format!(
                    "{systemctl} {} {q}",
                    if want { "enable" } else { "disable" }
                ));
                result.insert("enabled".into(), Value::Bool(want));
            }
        }
        if let Some(wanted) = required_or_none(args)? {
            if !found {
                return Err(missing());
            }
            let active = active_state(&state.status).unwrap_or("");
            let running = matches!(active, "active" | "activating");
            result.insert("state".into(), Value::Str(wanted.clone()));
            let action = match wanted.as_str() {
                "started" => (!running).then_some("start"),
                "stopped" => (running || active == "deactivating").then_some("stop"),
                "restarted" | "reloaded" => {
                    result.insert("state".into(), Value::Str("started".into()));
                    Some(if !running {
                        "start"
                    } else if wanted == "restarted" {
                        "restart"
                    } else {
                        "reload"
                    })
                }
                other => {
                    return Err(ModuleError::new(format!(
                        "value of state must be one of: reloaded, restarted, started, stopped, got: {other}"
                    )));
                }
            };
            if active.is_empty() {
                return Err(ModuleError::new("Service is in unknown state")
                    .with("status", Value::Map(state.status.clone())));
            }
            if let Some(action) = action {
                commands.push(format!("{systemctl} {action} {q}"));
            }
        }
        result.insert("status".into(), Value::Map(state.status));
        if commands.is_empty() {
            return Ok(Plan::Done(result));
        }
        let mut preview = result.clone();
        preview.insert("changed".into(), Value::Bool(true));
        Ok(Plan::Change {
            preview,
            diff: None,
            apply: Box::new(Actions {
                commands,
                result,
                env: cx.env.clone(),
            }),
        })
    }
}

fn required_or_none(args: &Map) -> Result<Option<String>, ModuleError> {
    match get(args, "state") {
        None => Ok(None),
        Some(_) => required_string(args, "state").map(Some),
    }
}

/// Run a command line on the target: (rc, stdout, stderr).
async fn run(cx: &ModuleContext<'_>, line: &str) -> Result<(i32, String, String), ModuleError> {
    let mut c = Command::new(line);
    c.become_ = cx.become_.clone();
    c.env = cx.env.clone();
    c.timeout = cx.timeout;
    let out = cx.conn.run(&c).await?;
    Ok((out.rc, out.stdout_text(), out.stderr_text()))
}

/// One round trip: `systemctl show`, then `is-enabled` with its exit code.
async fn look(
    cx: &ModuleContext<'_>,
    systemctl: &str,
    name: &str,
) -> Result<UnitState, ModuleError> {
    let q = shell_quote(name);
    let script = format!(
        "{systemctl} show {q}; echo '--roller-is-enabled--'; {systemctl} is-enabled {q} 2>/dev/null; echo \"--rc=$?\""
    );
    let (_, out, _) = run(cx, &script).await?;
    let (show, rest) = out
        .split_once("--roller-is-enabled--\n")
        .unwrap_or((&out, ""));
    let mut word = String::new();
    let mut rc = 1;
    for line in rest.lines() {
        if let Some(r) = line.strip_prefix("--rc=") {
            rc = r.trim().parse().unwrap_or(1);
        } else if word.is_empty() {
            word = line.trim().to_string();
        }
    }
    Ok(UnitState {
        status: parse_show(show),
        enabled_word: word,
        enabled_rc: rc,
    })
}

#[async_trait]
impl Apply for Actions {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        for line in &self.commands {
            let mut c = Command::new(line.clone());
            c.become_ = cx.become_.clone();
            c.env = self.env.clone();
            c.timeout = cx.timeout;
            let out = cx.conn.run(&c).await?;
            if out.rc != 0 {
                let verb = line.split_whitespace().nth(1).unwrap_or("change");
                return Err(ModuleError::new(format!(
                    "Unable to {verb} service {}: {}",
                    line.rsplit(' ')
                        .next()
                        .unwrap_or_default()
                        .trim_matches('\''),
                    out.stderr_text().trim()
                )));
            }
        }
        let mut r = self.result;
        r.insert("changed".into(), Value::Bool(true));
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_output_with_multiline_values() {
        let m = parse_show(
            "Id=x.service\nExecStart={ path=/bin/x ;\n argv[]=/bin/x }\nActiveState=active\n",
        );
        assert_eq!(m[&Key::from("ActiveState")], Value::Str("active".into()));
        assert!(m[&Key::from("ExecStart")].as_str().unwrap().ends_with('}'));
    }
}
