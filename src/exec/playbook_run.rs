//! A whole `roller playbook` run: plays in order, host failures carried from play to play,
//! the recap and the exit code.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use super::batches::serial_batches;
use super::options::RunOptions;
use super::play_run::{OMIT, PlayEnd, PlayRun};
use super::stats::Stats;
use super::task_run::TaskEnv;
use super::variables::{HostData, Snapshot, play_context};
use crate::connection::Connection;
use crate::inventory::model::{ALL, Inventory};
use crate::inventory::{Selector, VarsResolver};
use crate::playbook::model::{Play, Playbook};
use crate::vars::{HashBehaviour, Key, Map, Value, combine_vars};

/// Exit codes of ansible-playbook.
pub mod exit {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const FAILED: i32 = 2;
    pub const UNREACHABLE: i32 = 4;
    /// Ctrl-C (ansible-playbook's code for a user interrupt).
    pub const INTERRUPTED: i32 = 99;
}

/// Everything that lives for the whole run.
pub struct RunState {
    pub inventory: Inventory,
    pub sources: Vec<String>,
    pub opts: Arc<RunOptions>,
    pub env: TaskEnv,
    pub stats: Stats,
    pub failed: HashSet<String>,
    pub unreachable: HashSet<String>,
    facts: HashMap<String, Map>,
    set_facts: HashMap<String, Map>,
    inventory_vars: HashMap<String, Arc<Map>>,
    pub roles_path: Vec<PathBuf>,
    pub playbook_dir: PathBuf,
    pub end_play: bool,
    pub connections: super::connections::Connections,
    /// `--resume`: what the run resumed had done.
    pub resume: super::resume::ResumePlan,
    /// Set by the first Ctrl-C: finish the current task, then stop.
    pub stop: Arc<std::sync::atomic::AtomicBool>,
}

impl RunState {
    pub fn new(
        inventory: Inventory,
        sources: Vec<String>,
        opts: RunOptions,
        env: TaskEnv,
        roles_path: Vec<PathBuf>,
        playbook_dir: PathBuf,
    ) -> Self {
        RunState {
            inventory,
            sources,
            opts: Arc::new(opts),
            env,
            stats: Stats::default(),
            failed: HashSet::new(),
            unreachable: HashSet::new(),
            facts: HashMap::new(),
            set_facts: HashMap::new(),
            inventory_vars: HashMap::new(),
            roles_path,
            playbook_dir,
            end_play: false,
            connections: super::connections::Connections::new(),
            resume: Default::default(),
            stop: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    pub fn how(&self) -> HashBehaviour {
        self.inventory.hash_behaviour
    }

    fn refresh_inventory_vars(&mut self) {
        let resolver = VarsResolver::new(&self.inventory, &self.sources, Some(&self.playbook_dir));
        let mut out = HashMap::new();
        for id in self.inventory.host_ids().collect::<Vec<_>>() {
            let name = self.inventory.host(id).name.clone();
            let vars = resolver.host_vars(id).unwrap_or_else(|e| {
                self.env.callback.warning(&e.to_string());
                Map::new()
            });
            out.insert(name, Arc::new(vars));
        }
        for w in resolver.take_warnings() {
            self.env.callback.warning(&w);
        }
        self.inventory_vars = out;
    }

    pub fn host_data(&self) -> HashMap<String, HostData> {
        let mut out = HashMap::new();
        for id in self.inventory.host_ids() {
            let h = self.inventory.host(id);
            let groups: Vec<String> = {
                let mut g: Vec<String> = h
                    .groups
                    .iter()
                    .filter(|g| **g != ALL)
                    .map(|g| self.inventory.group(*g).name.clone())
                    .collect();
                g.sort();
                g
            };
            out.insert(
                h.name.clone(),
                HostData {
                    inventory: self
                        .inventory_vars
                        .get(&h.name)
                        .cloned()
                        .unwrap_or_default(),
                    facts: Arc::new(self.facts.get(&h.name).cloned().unwrap_or_default()),
                    included: Arc::new(Map::new()),
                    set_facts: Arc::new(self.set_facts.get(&h.name).cloned().unwrap_or_default()),
                    group_names: Arc::new(groups),
                },
            );
        }
        out
    }

    /// Magic variables shared by every host.
    pub fn magic_vars(&self) -> Map {
        let mut m = Map::new();
        let mut groups = Map::new();
        for name in self.inventory.group_names() {
            if let Some(id) = self.inventory.group_id(name) {
                let hosts = self
                    .inventory
                    .group_hosts(id)
                    .into_iter()
                    .map(|h| Value::Str(self.inventory.host(h).name.clone()))
                    .collect();
                groups.insert(Key::from(name), Value::List(hosts));
            }
        }
        m.insert("groups".into(), Value::Map(groups));
        m.insert("ansible_check_mode".into(), Value::Bool(self.opts.check));
        m.insert("ansible_diff_mode".into(), Value::Bool(self.opts.diff));
        m.insert(
            "ansible_verbosity".into(),
            Value::Int(self.opts.verbosity.into()),
        );
        m.insert("ansible_forks".into(), Value::Int(self.opts.forks as i64));
        m.insert(
            "ansible_run_tags".into(),
            Value::List(
                self.opts
                    .tags
                    .only
                    .iter()
                    .map(|t| Value::Str(t.clone()))
                    .collect(),
            ),
        );
        m.insert(
            "ansible_skip_tags".into(),
            Value::List(
                self.opts
                    .tags
                    .skip
                    .iter()
                    .map(|t| Value::Str(t.clone()))
                    .collect(),
            ),
        );
        m.insert(
            "playbook_dir".into(),
            Value::Str(self.playbook_dir.to_string_lossy().into_owned()),
        );
        m.insert(
            "ansible_inventory_sources".into(),
            Value::List(self.sources.iter().map(|s| Value::Str(s.clone())).collect()),
        );
        let mut version = Map::new();
        version.insert("full".into(), Value::Str("2.19.14".into()));
        version.insert("major".into(), Value::Int(2));
        version.insert("minor".into(), Value::Int(19));
        version.insert("revision".into(), Value::Int(14));
        version.insert("string".into(), Value::Str("2.19.14".into()));
        m.insert("ansible_version".into(), Value::Map(version));
        // roller's own: lets a playbook turn on what only roller has (kafka_health) and
        // still run unchanged under ansible-playbook, where it is undefined.
        m.insert(
            "roller_version".into(),
            Value::Str(env!("CARGO_PKG_VERSION").into()),
        );
        m
    }

    pub fn connection(&self, host: &str, snap: &Arc<Snapshot>) -> Arc<dyn Connection> {
        // Like Ansible's implicit localhost, `localhost` outside the inventory is local.
        let implicit = match self.inventory.host_id(host) {
            Some(id) => self.inventory.host(id).implicit,
            None => matches!(host, "localhost" | "127.0.0.1" | "::1"),
        };
        let ctx = play_context(snap, Some(host));
        self.connections
            .for_host(host, implicit, &ctx, &self.env.templar, &self.opts)
    }

    pub fn set_facts_gathered(&mut self, host: &str, facts: Map) {
        let entry = self.facts.entry(host.to_string()).or_default();
        for (k, v) in facts {
            entry.insert(k, v);
        }
    }

    pub fn set_fact(&mut self, host: &str, name: &str, value: Value) {
        self.set_facts
            .entry(host.to_string())
            .or_default()
            .insert(Key::from(name), value);
    }

    pub fn clear_facts(&mut self, host: &str) {
        self.facts.remove(host);
        self.set_facts.remove(host);
    }

    pub fn group_by(&mut self, host: &str, group: &str, parents: &[String]) {
        let gid = self.inventory.ensure_group(group);
        for p in parents {
            let pid = self.inventory.ensure_group(p);
            let _ = self.inventory.add_child_group(pid, gid);
        }
        if let Some(hid) = self.inventory.host_id(host) {
            self.inventory.group_add_host(gid, hid);
        }
        let _ = self.inventory.reconcile();
        self.refresh_inventory_vars();
    }

    pub fn add_host(&mut self, spec: &Map) {
        let Some(name) = spec.get(&Key::from("host_name")).and_then(Value::as_str) else {
            return;
        };
        let name = name.to_string();
        let hid = self.inventory.add_host(&name, None, None);
        if let Some(Value::List(groups)) = spec.get(&Key::from("groups")) {
            for g in groups.iter().filter_map(Value::as_str) {
                let gid = self.inventory.ensure_group(g);
                self.inventory.group_add_host(gid, hid);
            }
        }
        if let Some(Value::Map(vars)) = spec.get(&Key::from("host_vars")) {
            for (k, v) in vars {
                if let Some(k) = k.as_str() {
                    self.inventory.set_host_var(hid, k, v.clone());
                }
            }
        }
        let _ = self.inventory.reconcile();
        self.refresh_inventory_vars();
    }
}

fn load_play_vars(state: &RunState, play: &Play) -> Result<Map, String> {
    let how = state.how();
    let mut vars = play.vars.clone();
    for p in &play.vars_prompt {
        if let Value::Map(m) = p
            && let Some(name) = m.get(&Key::from("name")).and_then(Value::as_str)
            && !state.opts.extra_vars.contains_key(&Key::from(name))
        {
            let default = m
                .get(&Key::from("default"))
                .cloned()
                .unwrap_or(Value::Str(String::new()));
            vars.insert(Key::from(name), default);
        }
    }
    for entry in &play.vars_files {
        let candidates: Vec<Value> = match entry {
            Value::List(l) => l.clone(),
            v => vec![v.clone()],
        };
        let snap = Arc::new(Snapshot {
            hosts: HashMap::new(),
            play_vars: Arc::new(vars.clone()),
            role_defaults: Arc::new(Map::new()),
            role_vars: Arc::new(Map::new()),
            extra_vars: Arc::new(state.opts.extra_vars.clone()),
            magic: Arc::new(state.magic_vars()),
            how,
        });
        let ctx = play_context(&snap, None);
        let mut loaded = None;
        for c in &candidates {
            let name = state
                .env
                .templar
                .template(c, &ctx)
                .map_err(|e| e.to_string())?;
            let name = crate::output::python_repr::python_str(&name);
            let path = play.dir().join(&name);
            if path.is_file() {
                let mut w = Vec::new();
                let data = crate::inventory::vars_files::load_data_file(&path, &mut w)
                    .map_err(|e| e.to_string())?;
                loaded = Some(match data {
                    Some(Value::Map(m)) => m,
                    None | Some(Value::Null) => Map::new(),
                    Some(_) => {
                        return Err(format!(
                            "{}: vars_files must hold a mapping",
                            path.display()
                        ));
                    }
                });
                break;
            }
        }
        match loaded {
            Some(m) => vars = combine_vars(&vars, &m, how),
            None => {
                return Err(format!(
                    "vars file {} was not found",
                    candidates
                        .iter()
                        .map(crate::output::python_repr::python_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    Ok(vars)
}

/// The play's hosts, in `order`, without hosts that failed earlier.
fn play_hosts(state: &mut RunState, pattern: &str) -> Result<Vec<String>, String> {
    // `hosts: localhost` works without an inventory entry, as Ansible's implicit localhost.
    for p in crate::inventory::pattern::split_host_pattern(pattern) {
        let p = p.trim_start_matches(['&', '!']);
        if matches!(p, "localhost" | "127.0.0.1" | "::1") && state.inventory.host_id(p).is_none() {
            let id = state.inventory.add_host(p, None, None);
            state.inventory.hosts[id].implicit = true;
            state
                .inventory
                .set_host_var(id, "ansible_connection", Value::Str("local".into()));
            state.refresh_inventory_vars();
        }
    }
    let mut sel = Selector::new(&state.inventory);
    sel.set_limit(state.opts.limit.as_deref())
        .map_err(|e| e.to_string())?;
    let ids = sel.hosts(pattern).map_err(|e| e.to_string())?;
    for w in std::mem::take(&mut sel.warnings) {
        state.env.callback.warning(&w);
    }
    let names: Vec<String> = ids
        .into_iter()
        .map(|h| state.inventory.host(h).name.clone())
        .collect();
    Ok(names)
}

/// The order hosts run in (`order:`); the play's host variables keep the pattern's order.
fn run_order(play: &Play, hosts: &[String]) -> Vec<String> {
    let mut names = hosts.to_vec();
    match play.keyword("order").and_then(Value::as_str) {
        Some("reverse_inventory") => names.reverse(),
        Some("sorted") => names.sort(),
        Some("reverse_sorted") => {
            names.sort();
            names.reverse();
        }
        _ => {}
    }
    names
}

/// roller's play-level order `roller_order: leader_last` (a play variable, so that
/// ansible-playbook ignores it): the host holding cluster leadership (Kafka's active
/// controller, ZooKeeper's leader; src/kafka/leader.rs) goes last. Returns the order and
/// the line that tells the operator why.
async fn leader_last(
    state: &RunState,
    ctx: &crate::template::VarContext,
    hosts: Vec<String>,
) -> Result<(Vec<String>, Option<String>), String> {
    let templar = &state.env.templar;
    let wanted = templar
        .expression("roller_order | default('inventory')", ctx)
        .map_err(|e| format!("roller_order: {e}"))?;
    match wanted.as_str() {
        Some("leader_last") => {}
        Some("inventory") | Some("") => return Ok((hosts, None)),
        _ => {
            return Err(format!(
                "roller_order must be 'leader_last' or 'inventory', not {}",
                crate::output::python_repr::python_str(&wanted)
            ));
        }
    }
    let vars = crate::modules::kafka_vars::TemplateVars { templar, vars: ctx };
    let Some(group) = crate::kafka::leader::group_of(&vars, &hosts)? else {
        let note = "roll order: the hosts are not all in kafka_broker, zookeeper or                     kafka_controller; inventory order kept";
        return Ok((hosts, Some(note.to_string())));
    };
    let plan = crate::kafka::leader::plan(&vars, &group, &hosts, &Default::default())?;
    let found = crate::kafka::leader::find(plan)
        .await
        .map_err(|e| format!("roll order: {e}"))?;
    let ordered = crate::kafka::roll_order::with_last(&hosts, found.host.as_deref());
    let note = format!("roll order: {}: {}", ordered.join(", "), found.reason);
    Ok((ordered, Some(note)))
}

/// Run every play of the playbooks; returns ansible-playbook's exit code.
pub async fn run_playbooks(state: &mut RunState, playbooks: &[Playbook]) -> i32 {
    state.refresh_inventory_vars();
    // `--resume`: the inventory changes of the run resumed, before any play.
    for change in std::mem::take(&mut state.resume.inventory_changes) {
        match change {
            super::resume::InventoryChange::AddHost(spec) => state.add_host(&spec),
            super::resume::InventoryChange::GroupBy {
                host,
                group,
                parents,
            } => state.group_by(&host, &group, &parents),
        }
    }
    let code = exit::OK;
    let mut play_index = 0usize;
    let mut stopped = false;
    'books: for book in playbooks {
        for play in &book.plays {
            let index = play_index;
            play_index += 1;
            state.end_play = false;
            let play_vars = match load_play_vars(state, play) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("ERROR! {e}");
                    return exit::ERROR;
                }
            };
            let how = state.how();
            let mut role_defaults = Map::new();
            let mut role_vars = Map::new();
            for r in &play.roles {
                role_defaults = combine_vars(&role_defaults, &r.defaults, how);
                role_vars = combine_vars(&role_vars, &r.vars, how);
            }
            let snap = Arc::new(Snapshot {
                hosts: state.host_data(),
                play_vars: Arc::new(play_vars.clone()),
                role_defaults: Arc::new(Map::new()),
                role_vars: Arc::new(Map::new()),
                extra_vars: Arc::new(state.opts.extra_vars.clone()),
                magic: Arc::new({
                    let mut m = state.magic_vars();
                    m.insert("omit".into(), Value::Str(OMIT.into()));
                    m
                }),
                how,
            });
            let ctx = play_context(&snap, None);
            let pattern = match state
                .env
                .templar
                .template(&Value::Str(play.hosts.clone()), &ctx)
            {
                Ok(v) => crate::output::python_repr::python_str(&v),
                Err(e) => {
                    eprintln!("ERROR! {e}");
                    return exit::ERROR;
                }
            };
            let name = match &play.name {
                Some(n) => state
                    .env
                    .templar
                    .template(n, &ctx)
                    .map(|v| crate::output::python_repr::python_str(&v))
                    .unwrap_or_else(|_| crate::output::python_repr::python_str(n)),
                None => pattern.clone(),
            };
            let hosts = match play_hosts(state, &pattern) {
                Ok(h) => h,
                Err(e) => {
                    eprintln!("ERROR! {e}");
                    return exit::ERROR;
                }
            };
            if hosts.is_empty() {
                state.env.callback.play_begin(index, &name, &hosts);
                state.env.callback.play_start(&name, state.opts.check);
                state.env.callback.no_hosts_matched();
                state.env.callback.play_end(index);
                continue;
            }
            let serial = play
                .keyword("serial")
                .map(|v| state.env.templar.template(v, &ctx).unwrap_or(v.clone()));
            // Hosts that failed in earlier plays keep their place in the batches (Ansible's
            // inventory still lists them) but run nothing.
            let (ordered, order_note) =
                match leader_last(state, &ctx, run_order(play, &hosts)).await {
                    Ok(o) => o,
                    Err(e) => {
                        eprintln!("ERROR! {e}");
                        return exit::ERROR;
                    }
                };
            let batches = match serial_batches(&ordered, serial.as_ref()) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("ERROR! {e}");
                    return exit::ERROR;
                }
            };
            // `--resume`: hosts that completed this play before are not run again; the
            // batches keep their shape without them.
            let batches: Vec<Vec<String>> = match state.resume.completed.get(&index) {
                Some(done) => batches
                    .into_iter()
                    .map(|b| b.into_iter().filter(|h| !done.contains(h)).collect())
                    .filter(|b: &Vec<String>| !b.is_empty())
                    .collect(),
                None => batches,
            };
            if batches.is_empty() {
                // Every host completed this play in the run resumed.
                continue;
            }
            // The hosts this run works on (a resumed run's completed hosts are not among them).
            let to_run: Vec<String> = batches.iter().flatten().cloned().collect();
            state.env.callback.play_begin(index, &name, &to_run);
            let resume_at = state.resume.in_flight.remove(&index).unwrap_or_default();
            let mut run = PlayRun {
                run: state,
                play: play.clone(),
                play_vars: Arc::new(play_vars),
                role_defaults: Arc::new(role_defaults),
                role_vars: Arc::new(role_vars),
                play_hosts_all: hosts.clone(),
                batch: Vec::new(),
                states: HashMap::new(),
                notified: HashMap::new(),
                all_tasks: Vec::new(),
                cursor: 0,
                ended: false,
                start_at_found: false,
                failed_before: HashSet::new(),
                extra_handlers: Vec::new(),
                play_tasks: Vec::new(),
                resume_at,
            };
            let mut broken = false;
            let total = batches.len();
            let upcoming = batches.clone();
            for (number, batch) in batches.into_iter().enumerate() {
                // Ansible starts the play anew for every batch, banner included.
                run.run.env.callback.play_start(&name, run.run.opts.check);
                if number == 0
                    && let Some(note) = &order_note
                {
                    run.run.env.callback.notice(note);
                }
                run.run.env.callback.batch_start(number + 1, total, &batch);
                run.batch = batch;
                run.states.clear();
                // The next batch's connections open while this batch runs (a serial roll
                // then never waits for an SSH handshake between hosts); nothing runs on
                // those hosts before their turn (docs/connection.md).
                if let Some(next) = upcoming.get(number + 1) {
                    run.warm_up(next);
                }
                let end = run.run_batch().await;
                let interrupted = end == PlayEnd::Stopped;
                let completed: Vec<String> = if interrupted {
                    Vec::new()
                } else {
                    run.batch
                        .iter()
                        .filter(|h| {
                            !run.run.failed.contains(*h) && !run.run.unreachable.contains(*h)
                        })
                        .cloned()
                        .collect()
                };
                let stop_now =
                    interrupted || run.run.stop.load(std::sync::atomic::Ordering::SeqCst);
                let ends_run = end != PlayEnd::Completed || stop_now;
                run.run
                    .env
                    .callback
                    .batch_end(number + 1, &completed, ends_run);
                if stop_now {
                    stopped = true;
                    break;
                }
                if end == PlayEnd::Broken {
                    broken = true;
                    break;
                }
                if run.run.end_play {
                    break;
                }
            }
            state.env.callback.play_end(index);
            // Ctrl-C ends the run; a batch in which every host failed, or
            // max_fail_percentage, ends the playbook.
            if stopped {
                break 'books;
            }
            if broken {
                break;
            }
        }
    }
    state.connections.close().await;
    if let Ok(mut w) = state.connections.warnings.lock() {
        for msg in w.drain(..) {
            state.env.callback.warning(&msg);
        }
    }
    state.env.callback.recap(&state.stats, state.opts.check);
    if stopped {
        eprintln!("[ERROR]: User interrupted execution");
        exit::INTERRUPTED
    } else if !state.unreachable.is_empty() {
        exit::UNREACHABLE
    } else if !state.failed.is_empty() {
        exit::FAILED
    } else {
        code
    }
}
