//! The run's state file, for `--resume`.
//!
//! Every run that changes things (not `--check`) keeps a state file: which playbooks, which
//! inventory and limit, the hosts that completed each play, and the hosts in flight with the
//! task each was at. It is rewritten atomically (a temporary file, fsynced, renamed over it)
//! at every batch start and end, every task a host starts, and at the end of the run, so
//! whatever stops roller (Ctrl-C, a failure, SIGKILL, a lost jumphost) leaves a state that
//! says exactly where the roll was.
//!
//! `--resume` reads the state of the same playbooks + inventory + limit and runs again:
//! hosts that completed a play are not run in it again; a host that was in flight continues
//! at the task it was at (tasks it had finished are not repeated; the task in flight runs
//! again, from its start); hosts not reached run from the play's first task (the health
//! gate). The state file lives in `$ROLLER_STATE_DIR`, else `$XDG_STATE_HOME/roller`, else
//! `~/.local/state/roller`, named after the first playbook and a hash of the run's key.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde_json::{Value as J, json};
use sha2::{Digest, Sha256};

use crate::exec::stats::Stats;
use crate::output::callback::{Callback, ResultKind, RunInfo, TaskInfo};
use crate::output::clock::rfc3339;
use crate::vars::{Key, Value};

/// What a resumed run skips, from the state of the run it resumes.
#[derive(Debug, Clone, Default)]
pub struct ResumePlan {
    /// Play index → hosts that completed the play.
    pub completed: HashMap<usize, HashSet<String>>,
    /// Play index → host → the position (in the play's own task list) of the task it was
    /// at when the run stopped.
    pub in_flight: HashMap<usize, HashMap<String, usize>>,
    /// The in-memory inventory changes (add_host, group_by) the run made, in order: a
    /// resumed run makes them again before its first play, so that a play skipped because
    /// its hosts completed (e.g. one that computes the roll order with add_host) still
    /// shapes the plays after it.
    pub inventory_changes: Vec<InventoryChange>,
}

/// One add_host or group_by result.
#[derive(Debug, Clone, PartialEq)]
pub enum InventoryChange {
    /// add_host's `add_host` result: host_name, groups, host_vars.
    AddHost(crate::vars::Map),
    /// group_by: the host, its new group and the group's parents.
    GroupBy {
        host: String,
        group: String,
        parents: Vec<String>,
    },
}

impl InventoryChange {
    fn to_json(&self) -> J {
        match self {
            InventoryChange::AddHost(spec) => json!({
                "add_host": crate::output::report_result::to_json(&Value::Map(spec.clone()))
            }),
            InventoryChange::GroupBy {
                host,
                group,
                parents,
            } => json!({"group_by": {"host": host, "group": group, "parents": parents}}),
        }
    }

    fn from_json(j: &J) -> Option<Self> {
        if let Some(spec) = j.get("add_host") {
            return match json_to_value(spec) {
                Value::Map(m) => Some(InventoryChange::AddHost(m)),
                _ => None,
            };
        }
        let g = j.get("group_by")?;
        Some(InventoryChange::GroupBy {
            host: g.get("host")?.as_str()?.to_string(),
            group: g.get("group")?.as_str()?.to_string(),
            parents: g
                .get("parents")?
                .as_array()?
                .iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect(),
        })
    }

    /// The changes a task result (or its loop items) made.
    pub fn from_result(action: &str, result: &crate::vars::Map) -> Vec<Self> {
        if !matches!(action, "add_host" | "group_by") {
            return Vec::new();
        }
        let items: Vec<&crate::vars::Map> = match result.get(&Key::from("results")) {
            Some(Value::List(items)) => items.iter().filter_map(Value::as_map).collect(),
            _ => vec![result],
        };
        let mut out = Vec::new();
        for item in items {
            if let Some(Value::Map(spec)) = item.get(&Key::from("add_host")) {
                out.push(InventoryChange::AddHost(spec.clone()));
            }
            if let Some(Value::Str(group)) = item.get(&Key::from("add_group")) {
                let parents = match item.get(&Key::from("parent_groups")) {
                    Some(Value::List(p)) => p
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => vec!["all".to_string()],
                };
                out.push(InventoryChange::GroupBy {
                    host: String::new(),
                    group: group.clone(),
                    parents,
                });
            }
        }
        out
    }
}

fn json_to_value(j: &J) -> Value {
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_f64().map(Value::Float))
            .unwrap_or(Value::Null),
        J::String(s) => Value::Str(s.clone()),
        J::Array(a) => Value::List(a.iter().map(json_to_value).collect()),
        J::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| (Key::from(k.as_str()), json_to_value(v)))
                .collect(),
        ),
    }
}

/// Where state files go.
pub fn state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ROLLER_STATE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("roller");
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(h) => PathBuf::from(h).join(".local/state/roller"),
        None => PathBuf::from(".roller/state"),
    }
}

fn absolute(p: &str) -> String {
    std::fs::canonicalize(p)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| p.to_string())
}

/// The run's identity: absolute playbook paths, inventory sources, limit.
pub fn run_key(run: &RunInfo) -> (Vec<String>, Vec<String>) {
    (
        run.playbooks.iter().map(|p| absolute(p)).collect(),
        run.inventory.iter().map(|p| absolute(p)).collect(),
    )
}

/// The state file of RUN: `<dir>/<first playbook's stem>-<hash>.json`.
pub fn state_path(dir: &Path, run: &RunInfo) -> PathBuf {
    let (books, inv) = run_key(run);
    let mut h = Sha256::new();
    h.update(serde_json::to_string(&json!([books, inv, run.limit])).unwrap_or_default());
    let hash: String = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let stem = run
        .playbooks
        .first()
        .and_then(|p| Path::new(p).file_stem())
        .map(|s| {
            s.to_string_lossy()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        })
        .unwrap_or_else(|| "run".into());
    dir.join(format!("{stem}-{hash}.json"))
}

/// The state of the run to resume, as a plan; an error says why there is none.
pub fn load_plan(path: &Path) -> Result<(ResumePlan, J), String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "no run to resume for these playbooks, inventory and limit ({}: {e})",
            path.display()
        )
    })?;
    let state: J = serde_json::from_str(&text)
        .map_err(|e| format!("the state file {} is not valid: {e}", path.display()))?;
    let mut plan = ResumePlan::default();
    if let Some(J::Object(plays)) = state.get("completed") {
        for (idx, hosts) in plays {
            let Ok(idx) = idx.parse::<usize>() else {
                continue;
            };
            let set = plan.completed.entry(idx).or_default();
            for h in hosts.as_array().into_iter().flatten() {
                if let Some(h) = h.as_str() {
                    set.insert(h.to_string());
                }
            }
        }
    }
    if let Some(f) = state.get("in_flight").filter(|f| f.is_object())
        && let Some(play) = f.get("play").and_then(J::as_u64)
        && let Some(J::Object(hosts)) = f.get("hosts")
    {
        let map = plan.in_flight.entry(play as usize).or_default();
        for (h, at) in hosts {
            if let Some(pos) = at.get("position").and_then(J::as_u64) {
                map.insert(h.clone(), pos as usize);
            }
        }
    }
    if let Some(J::Array(changes)) = state.get("inventory_changes") {
        plan.inventory_changes = changes
            .iter()
            .filter_map(InventoryChange::from_json)
            .collect();
    }
    Ok((plan, state))
}

/// Writes TEXT to PATH atomically and durably: a temporary file beside it, fsynced, renamed.
fn write_durably(path: &Path, text: &str) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut f = File::create(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

#[derive(Default)]
struct InFlight {
    play: usize,
    play_name: String,
    batch: usize,
    hosts: BTreeMap<String, (String, Option<usize>)>,
}

struct Inner {
    run: RunInfo,
    started: SystemTime,
    resumed_from: Option<String>,
    completed: BTreeMap<usize, BTreeSet<String>>,
    play: (usize, String),
    in_flight: Option<InFlight>,
    status: &'static str,
    exit_code: Option<i32>,
    warned: bool,
    inventory_changes: Vec<InventoryChange>,
}

/// Keeps the state file while the run goes (a run-event listener).
pub struct StateFile {
    path: PathBuf,
    _lock: File,
    inner: Mutex<Inner>,
}

impl StateFile {
    /// The state file for RUN in DIR, locked for this run (a second roller on the same
    /// playbooks, inventory and limit is refused). RESUMED carries the completed hosts of
    /// the run this one resumes.
    pub fn open(
        dir: &Path,
        run: &RunInfo,
        resumed: Option<(&ResumePlan, &J)>,
    ) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the state directory {}: {e}", dir.display()))?;
        let path = state_path(dir, run);
        let lock_path = path.with_extension("lock");
        let lock = File::create(&lock_path)
            .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
        if lock.try_lock().is_err() {
            return Err(format!(
                "another roller is running these playbooks with this inventory and limit (lock {})",
                lock_path.display()
            ));
        }
        let mut completed: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        let mut resumed_from = None;
        let mut in_flight = None;
        if let Some((plan, state)) = resumed {
            // The hosts in flight keep their place until they start a task again.
            if let Some((play, hosts)) = plan.in_flight.iter().next() {
                in_flight = Some(InFlight {
                    play: *play,
                    play_name: String::new(),
                    batch: 0,
                    hosts: hosts
                        .iter()
                        .map(|(h, pos)| (h.clone(), (String::new(), Some(*pos))))
                        .collect(),
                });
            }
            for (idx, hosts) in &plan.completed {
                completed
                    .entry(*idx)
                    .or_default()
                    .extend(hosts.iter().cloned());
            }
            resumed_from = state.get("started").and_then(J::as_str).map(str::to_string);
        }
        let sf = StateFile {
            path,
            _lock: lock,
            inner: Mutex::new(Inner {
                run: run.clone(),
                started: SystemTime::now(),
                resumed_from,
                completed,
                play: (0, String::new()),
                in_flight,
                status: "running",
                exit_code: None,
                warned: false,
                inventory_changes: resumed
                    .map(|(plan, _)| plan.inventory_changes.clone())
                    .unwrap_or_default(),
            }),
        };
        sf.with(|_| {});
        Ok(sf)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Changes the state and writes it.
    fn with(&self, f: impl FnOnce(&mut Inner)) {
        let mut i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut i);
        let text = i.render();
        if let Err(e) = write_durably(&self.path, &text)
            && !i.warned
        {
            i.warned = true;
            eprintln!(
                "[WARNING]: cannot write the state file {}: {e}",
                self.path.display()
            );
        }
    }
}

impl Inner {
    fn render(&self) -> String {
        let (books, inv) = run_key(&self.run);
        let completed: serde_json::Map<String, J> = self
            .completed
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let in_flight = match &self.in_flight {
            Some(f) => json!({
                "play": f.play,
                "play_name": f.play_name,
                "batch": f.batch,
                "hosts": f.hosts.iter().map(|(h, (task, pos))| {
                    (h.clone(), json!({"task": task, "position": pos}))
                }).collect::<serde_json::Map<String, J>>(),
            }),
            None => J::Null,
        };
        let state = json!({
            "version": 1,
            "playbooks": books,
            "inventory": inv,
            "limit": self.run.limit,
            "status": self.status,
            "exit_code": self.exit_code,
            "pid": std::process::id(),
            "started": rfc3339(self.started),
            "updated": rfc3339(SystemTime::now()),
            "resumed_from": self.resumed_from,
            "completed": completed,
            "in_flight": in_flight,
            "inventory_changes": self.inventory_changes.iter().map(InventoryChange::to_json).collect::<Vec<_>>(),
        });
        let mut text = serde_json::to_string_pretty(&state).unwrap_or_default();
        text.push('\n');
        text
    }
}

impl Callback for StateFile {
    fn play_begin(&self, index: usize, name: &str, _hosts: &[String]) {
        self.with(|i| i.play = (index, name.to_string()));
    }

    fn batch_start(&self, number: usize, _total: usize, hosts: &[String]) {
        self.with(|i| {
            // Hosts of a batch that a resumed run continues keep their place until they
            // start a task.
            let carried = i.in_flight.take().filter(|f| f.play == i.play.0);
            let mut f = InFlight {
                play: i.play.0,
                play_name: i.play.1.clone(),
                batch: number,
                hosts: BTreeMap::new(),
            };
            for h in hosts {
                let at = carried
                    .as_ref()
                    .and_then(|c| c.hosts.get(h).cloned())
                    .unwrap_or((String::new(), None));
                f.hosts.insert(h.clone(), at);
            }
            i.in_flight = Some(f);
        });
    }

    fn host_start(&self, task: &TaskInfo, host: &str) {
        self.with(|i| {
            if let Some(f) = i.in_flight.as_mut()
                && let Some(at) = f.hosts.get_mut(host)
            {
                at.0 = task.name.clone();
                // Tasks included at run time and handlers have no place in the play's own
                // list: the host resumes at the last task that has one.
                if task.position.is_some() {
                    at.1 = task.position;
                }
            }
        });
    }

    /// A task the host finished (not failed) moves its resume point past the task, except
    /// an include, whose tasks are still to run.
    fn host_result(
        &self,
        task: &TaskInfo,
        label: &str,
        kind: ResultKind,
        result: &crate::vars::Map,
        ignored: bool,
    ) {
        let finished = match kind {
            ResultKind::Failed | ResultKind::Unreachable => ignored,
            _ => true,
        };
        if matches!(kind, ResultKind::Ok | ResultKind::Changed) {
            let host = crate::output::report_result::host_of(label).to_string();
            let changes: Vec<InventoryChange> = InventoryChange::from_result(&task.action, result)
                .into_iter()
                .map(|c| match c {
                    InventoryChange::GroupBy { group, parents, .. } => InventoryChange::GroupBy {
                        host: host.clone(),
                        group,
                        parents,
                    },
                    other => other,
                })
                .collect();
            if !changes.is_empty() {
                self.with(|i| {
                    for c in changes {
                        // Made again on resume; once is enough.
                        if !i.inventory_changes.contains(&c) {
                            i.inventory_changes.push(c);
                        }
                    }
                });
            }
        }
        let include = matches!(
            task.action.as_str(),
            "include_tasks" | "include_role" | "include"
        );
        let Some(pos) = task.position else {
            return;
        };
        if !finished || include {
            return;
        }
        let host = crate::output::report_result::host_of(label).to_string();
        self.with(|i| {
            if let Some(f) = i.in_flight.as_mut()
                && let Some(at) = f.hosts.get_mut(&host)
            {
                at.0 = format!("after {}", task.name);
                at.1 = Some(pos + 1);
            }
        });
    }

    fn batch_end(&self, _number: usize, completed: &[String], _stopped: bool) {
        self.with(|i| {
            let play = i.play.0;
            i.completed
                .entry(play)
                .or_default()
                .extend(completed.iter().cloned());
            if let Some(f) = i.in_flight.as_mut() {
                f.hosts.retain(|h, _| !completed.contains(h));
                if f.hosts.is_empty() {
                    i.in_flight = None;
                }
            }
        });
    }

    fn run_end(&self, _stats: &Stats, code: i32) {
        self.with(|i| {
            i.exit_code = Some(code);
            i.status = match code {
                0 => "finished",
                99 | 143 => "interrupted",
                _ => "failed",
            };
            if code == 0 {
                i.in_flight = None;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(limit: Option<&str>) -> RunInfo {
        RunInfo {
            playbooks: vec!["/nonexistent/site.yml".into()],
            inventory: vec!["/nonexistent/hosts.yml".into()],
            limit: limit.map(str::to_string),
            check: false,
        }
    }

    #[test]
    fn one_state_file_per_playbooks_inventory_and_limit() {
        let dir = Path::new("/state");
        let a = state_path(dir, &run(None));
        assert_eq!(a, state_path(dir, &run(None)));
        assert_ne!(a, state_path(dir, &run(Some("broker1"))));
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("site-") && name.ends_with(".json"),
            "{name}"
        );
    }

    #[test]
    fn the_plan_has_the_completed_hosts_and_the_hosts_in_flight() {
        let dir = std::env::temp_dir().join(format!("roller-resume-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.json");
        std::fs::write(
            &path,
            r#"{"status": "running", "completed": {"0": ["a", "b"], "1": ["a"]},
                "in_flight": {"play": 1, "hosts": {"b": {"task": "Stop", "position": 3}}}}"#,
        )
        .unwrap();
        let (plan, _) = load_plan(&path).unwrap();
        assert_eq!(plan.completed[&0].len(), 2);
        assert!(plan.completed[&1].contains("a"));
        assert_eq!(plan.in_flight[&1]["b"], 3);
        assert!(load_plan(&dir.join("none.json")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
