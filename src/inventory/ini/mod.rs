//! The `ini` inventory plugin: `[group]`, `[group:vars]`, `[group:children]`, host lines
//! with `key=value` variables. Values are typed with Python's `literal_eval`, in host
//! lines and in `:vars` sections alike (ansible-core 2.19's actual behaviour).

pub mod literal;
pub mod shlex;

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::error::SourceError;
use super::host_range::expand_hostpattern;
use super::model::Inventory;
use crate::vars::Value;
use literal::{Literal, literal_eval};
use shlex::shlex_split;

static SECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$").expect("static regex"));
static GROUPNAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([^:\]\s]+)\s*(?:#.*)?$").expect("static regex"));

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Hosts,
    Children,
    Vars,
}

struct Pending {
    line: usize,
    state: State,
    parents: Vec<String>,
}

pub fn parse_ini_inventory(
    inv: &mut Inventory,
    path: &Path,
    text: &str,
) -> Result<(), SourceError> {
    let mut pending: HashMap<String, Pending> = HashMap::new();
    // Ansible checks leftovers in insertion order; keep that for the error message.
    let mut pending_order: Vec<String> = Vec::new();
    let mut group = "ungrouped".to_string();
    let mut state = State::Hosts;

    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let col = raw.chars().take_while(|c| c.is_whitespace()).count() + 1;
        let err = |m: String| SourceError::at(path, line_no, Some(col), m);
        let line = raw.trim();
        if line.is_empty() || line.starts_with([';', '#']) {
            continue;
        }
        if let Some(caps) = SECTION.captures(line) {
            group = caps[1].to_string();
            let kind = caps.get(2).map(|m| m.as_str()).unwrap_or("hosts");
            state = match kind {
                "hosts" => State::Hosts,
                "children" => State::Children,
                "vars" => State::Vars,
                other => {
                    return Err(err(format!(
                        "Section [{group}:{other}] has unknown type: {other}"
                    )));
                }
            };
            if inv.group_id(&group).is_none() {
                if state == State::Vars && !pending.contains_key(&group) {
                    pending.insert(
                        group.clone(),
                        Pending {
                            line: line_no,
                            state,
                            parents: vec![],
                        },
                    );
                    pending_order.push(group.clone());
                }
                inv.ensure_group(&group);
            }
            if state != State::Vars
                && let Some(p) = pending.get(&group)
            {
                match p.state {
                    State::Children => add_pending_children(inv, path, &group, &mut pending)?,
                    State::Vars => {
                        pending.remove(&group);
                    }
                    State::Hosts => {}
                }
            }
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            return Err(err(format!(
                "Invalid section entry: '{line}'. Please make sure that there are no spaces in the section entry, and that there are no other invalid characters"
            )));
        }
        match state {
            State::Hosts => {
                let tokens = shlex_split(line)
                    .map_err(|e| err(format!("Error parsing host definition '{line}': {e}")))?;
                let Some(first) = tokens.first() else {
                    continue;
                };
                let (hosts, port) = expand_hostpattern(first).map_err(|e| err(e.0))?;
                if first.trim().ends_with(':') && port.is_none() {
                    return Err(err(format!(
                        "Invalid host pattern '{first}' supplied, ending in ':' is not allowed, this character is reserved to provide a port."
                    )));
                }
                if hosts.iter().any(|h| h.trim() == "---") {
                    return Err(err(format!(
                        "Invalid host pattern '{first}' supplied, '---' is normally a sign this is a YAML file."
                    )));
                }
                let mut vars: Vec<(String, Value)> = Vec::new();
                for t in &tokens[1..] {
                    let Some((k, v)) = t.split_once('=') else {
                        return Err(err(format!(
                            "Expected key=value host variable assignment, got: {t}"
                        )));
                    };
                    let value = parse_value(v).map_err(&err)?;
                    match vars.iter_mut().find(|(name, _)| name == k) {
                        Some(slot) => slot.1 = value,
                        None => vars.push((k.to_string(), value)),
                    }
                }
                let gid = inv.group_id(&group);
                for name in hosts {
                    let hid = inv.add_host(&name, gid, port);
                    for (k, v) in &vars {
                        inv.set_host_var(hid, k, v.clone());
                    }
                }
            }
            State::Vars => {
                let Some((k, v)) = line.split_once('=') else {
                    return Err(err(format!("Expected key=value, got: {line}")));
                };
                let value = parse_value(v.trim()).map_err(&err)?;
                let gid = inv.ensure_group(&group);
                inv.set_group_var(gid, k.trim(), value)
                    .map_err(|e| err(e.0))?;
            }
            State::Children => {
                let child = GROUPNAME
                    .captures(line)
                    .map(|c| c[1].to_string())
                    .ok_or_else(|| err(format!("Expected group name, got: {line}")))?;
                if inv.group_id(&child).is_none() {
                    match pending.get_mut(&child) {
                        Some(p) => p.parents.push(group.clone()),
                        None => {
                            pending.insert(
                                child.clone(),
                                Pending {
                                    line: line_no,
                                    state,
                                    parents: vec![group.clone()],
                                },
                            );
                            pending_order.push(child.clone());
                        }
                    }
                } else {
                    inv.add_child(&group, &child).map_err(|e| err(e.0))?;
                }
            }
        }
    }
    for name in pending_order {
        if let Some(p) = pending.get(&name) {
            let message = match p.state {
                State::Vars => {
                    format!("Section [{name}:vars] not valid for undefined group '{name}'.")
                }
                _ => format!(
                    "Section [{}:children] includes undefined group '{name}'.",
                    p.parents.last().map(String::as_str).unwrap_or("")
                ),
            };
            return Err(SourceError::at(path, p.line, Some(1), message));
        }
    }
    Ok(())
}

fn add_pending_children(
    inv: &mut Inventory,
    path: &Path,
    group: &str,
    pending: &mut HashMap<String, Pending>,
) -> Result<(), SourceError> {
    let Some(entry) = pending.remove(group) else {
        return Ok(());
    };
    for parent in &entry.parents {
        inv.add_child(parent, group)
            .map_err(|e| SourceError::at(path, entry.line, Some(1), e.0))?;
        if pending
            .get(parent)
            .is_some_and(|p| p.state == State::Children)
        {
            add_pending_children(inv, path, parent, pending)?;
        }
    }
    Ok(())
}

fn parse_value(text: &str) -> Result<Value, String> {
    match literal_eval(text) {
        Literal::Value(v) => Ok(v),
        Literal::NotLiteral => Ok(Value::Str(text.to_string())),
        Literal::Error(e) => Err(format!("cannot read value {text:?}: {e}")),
    }
}
