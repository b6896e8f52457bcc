//! `wait_for`: wait until a port opens or closes, or a file appears, disappears or holds a
//! pattern, on the target. Every probe is one short command; the waiting is done here.

use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::args::{check_known, get, string};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::{Command, shell_quote};
use crate::vars::{Map, Value};

const KNOWN: &[&str] = &[
    "host",
    "port",
    "path",
    "search_regex",
    "state",
    "delay",
    "timeout",
    "sleep",
    "connect_timeout",
    "msg",
    "active_connection_states",
    "exclude_hosts",
];

pub struct WaitFor;

fn seconds(args: &Map, key: &str, default: f64) -> Result<f64, ModuleError> {
    match get(args, key) {
        None => Ok(default),
        Some(Value::Int(i)) => Ok(*i as f64),
        Some(Value::Float(f)) => Ok(*f),
        Some(Value::Str(s)) => s.trim().parse().map_err(|_| {
            ModuleError::new(format!(
                "argument '{key}' is of type str and we were unable to convert to int"
            ))
        }),
        Some(other) => Err(ModuleError::new(format!(
            "argument '{key}' is of type {} and we were unable to convert to int",
            other.python_type_name()
        ))),
    }
}

/// What one probe found: for a pattern, its groups (positional and named).
enum Seen {
    Yes(Option<(Value, Value)>),
    No,
}

#[async_trait]
impl Module for WaitFor {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, KNOWN)?;
        let path = string(args, "path")?;
        let port = match get(args, "port") {
            None => None,
            Some(v) => Some(seconds(args, "port", 0.0).map_err(|_| {
                ModuleError::new(format!(
                    "argument 'port' is of type {} and we were unable to convert to int",
                    v.python_type_name()
                ))
            })? as u16),
        };
        let host = string(args, "host")?.unwrap_or_else(|| "127.0.0.1".into());
        let state = string(args, "state")?.unwrap_or_else(|| "started".into());
        let search = string(args, "search_regex")?;
        let msg = string(args, "msg")?;
        if path.is_some() && port.is_some() {
            return Err(ModuleError::new(
                "port and path parameter can not both be passed to wait_for",
            )
            .with("elapsed", Value::Int(0)));
        }
        if path.is_some() && state == "stopped" {
            return Err(ModuleError::new(
                "state=stopped should only be used for checking a port in the wait_for module",
            )
            .with("elapsed", Value::Int(0)));
        }
        let regex = match &search {
            Some(r) => Some(
                regex::Regex::new(r)
                    .map_err(|e| ModuleError::new(format!("Invalid regular expression: {e}")))?,
            ),
            None => None,
        };
        let timeout = seconds(args, "timeout", 300.0)?;
        let delay = seconds(args, "delay", 0.0)?;
        let pause = seconds(args, "sleep", 1.0)?.max(0.05);
        let connect_timeout = seconds(args, "connect_timeout", 5.0)?.max(1.0);
        let start = Instant::now();
        if delay > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(delay)).await;
        }
        let want_present = matches!(state.as_str(), "started" | "present");
        let deadline = start + Duration::from_secs_f64(timeout);
        let mut groups: Option<(Value, Value)> = None;
        loop {
            let seen = match (&path, port) {
                (Some(p), _) => probe_path(cx, p, regex.as_ref()).await?,
                (None, Some(port)) => probe_port(cx, &host, port, connect_timeout).await?,
                (None, None) => Seen::Yes(None),
            };
            let done = matches!(
                (&seen, want_present),
                (Seen::Yes(_), true) | (Seen::No, false)
            );
            if done {
                if let Seen::Yes(c) = seen {
                    groups = c;
                }
                break;
            }
            if Instant::now() >= deadline {
                let elapsed = Value::Int(start.elapsed().as_secs() as i64);
                let default = match (&path, port, &search, want_present) {
                    (Some(p), _, _, false) => format!("Timeout when waiting for {p} to be absent."),
                    (Some(p), _, Some(r), true) => {
                        format!("Timeout when waiting for search string {r} in {p}")
                    }
                    (Some(p), _, None, true) => format!("Timeout when waiting for file {p}"),
                    (None, Some(port), _, true) => {
                        format!("Timeout when waiting for {host}:{port}")
                    }
                    (None, Some(port), _, false) => {
                        format!("Timeout when waiting for {host}:{port} to stop.")
                    }
                    _ => "Timeout".to_string(),
                };
                return Err(ModuleError::new(msg.unwrap_or(default)).with("elapsed", elapsed));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            tokio::time::sleep(Duration::from_secs_f64(pause).min(left)).await;
        }
        // Ansible reports what it found: a file, an absent path, or the port state asked for.
        let state = match (&path, want_present) {
            (Some(_), true) => "file".to_string(),
            (Some(_), false) => "absent".to_string(),
            _ => state,
        };
        let (match_groups, match_groupdict) =
            groups.unwrap_or((Value::List(Vec::new()), Value::Map(Map::new())));
        // As every Ansible module whose result names a `path`: the facts of that path.
        let path_facts = match &path {
            Some(p) if want_present => {
                let probe =
                    super::file_attrs::probe(cx, &format!("_rs {} R\n", shell_quote(p))).await?;
                super::file_attrs::path_info(&probe.stat("R"))
            }
            _ => Map::new(),
        };
        let mut res = result([
            ("changed", Value::Bool(false)),
            ("elapsed", Value::Int(start.elapsed().as_secs() as i64)),
            ("match_groupdict", match_groupdict),
            ("match_groups", match_groups),
            ("path", path.map(Value::Str).unwrap_or(Value::Null)),
            (
                "port",
                port.map(|p| Value::Int(p.into())).unwrap_or(Value::Null),
            ),
            (
                "search_regex",
                search.map(Value::Str).unwrap_or(Value::Null),
            ),
            ("state", Value::Str(state)),
        ]);
        res.extend(path_facts);
        Ok(Plan::Done(res))
    }
}

async fn run(
    cx: &ModuleContext<'_>,
    script: String,
) -> Result<crate::connection::Output, ModuleError> {
    let mut c = Command::new(script);
    c.become_ = cx.become_.clone();
    Ok(cx.conn.run(&c).await?)
}

async fn probe_path(
    cx: &ModuleContext<'_>,
    path: &str,
    regex: Option<&regex::Regex>,
) -> Result<Seen, ModuleError> {
    let q = shell_quote(path);
    let Some(regex) = regex else {
        let out = run(cx, format!("test -e {q}")).await?;
        return Ok(if out.rc == 0 {
            Seen::Yes(None)
        } else {
            Seen::No
        });
    };
    let out = run(cx, format!("cat {q} 2>/dev/null")).await?;
    if out.rc != 0 {
        return Ok(Seen::No);
    }
    let text = out.stdout_text();
    Ok(match regex.captures(&text) {
        Some(c) => {
            let positional = c
                .iter()
                .skip(1)
                .map(|m| {
                    m.map(|m| Value::Str(m.as_str().to_string()))
                        .unwrap_or(Value::Null)
                })
                .collect();
            let named = regex
                .capture_names()
                .flatten()
                .map(|n| {
                    (
                        n.into(),
                        c.name(n)
                            .map(|m| Value::Str(m.as_str().to_string()))
                            .unwrap_or(Value::Null),
                    )
                })
                .collect();
            Seen::Yes(Some((Value::List(positional), Value::Map(named))))
        }
        None => Seen::No,
    })
}

async fn probe_port(
    cx: &ModuleContext<'_>,
    host: &str,
    port: u16,
    connect_timeout: f64,
) -> Result<Seen, ModuleError> {
    // bash's /dev/tcp where bash exists, else nc; either exits 0 only if a connection opened.
    let t = connect_timeout.ceil() as u64;
    let h = shell_quote(host);
    let script = format!(
        "if command -v bash >/dev/null 2>&1; then timeout {t} bash -c 'exec 3<>/dev/tcp/'{h}'/{port}' 2>/dev/null; else nc -z -w {t} {h} {port}; fi"
    );
    let out = run(cx, script).await?;
    Ok(if out.rc == 0 {
        Seen::Yes(None)
    } else {
        Seen::No
    })
}
