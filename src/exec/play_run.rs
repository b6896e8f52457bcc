//! One play under Ansible's linear strategy: hosts in serial batches; in each batch every
//! task runs on all hosts that reached it (up to `forks` at once) before the next task.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::Semaphore;

use super::host_state::HostState;
use super::outcome::Outcome;
use super::playbook_run::RunState;
use super::task_run::{HostTask, TaskEnv, result_kind, run_host_task, untrusted};
use super::variables::{HostData, Snapshot, context, play_context};
use crate::connection::Connection;
use crate::connection::local::Local;
use crate::output::callback::{ResultKind, TaskInfo};
use crate::playbook::load::collect_tasks;
use crate::playbook::model::{Item, Play, Task};
use crate::vars::{Key, Map, Value};

pub const OMIT: &str = crate::template::OMIT_PLACEHOLDER;

/// Why a play stopped early.
#[derive(Debug, PartialEq, Eq)]
pub enum PlayEnd {
    Completed,
    /// Every host of a batch failed, or max_fail_percentage was exceeded.
    Broken,
    /// Ctrl-C: the task under way finished, nothing more runs.
    Stopped,
}

pub struct PlayRun<'a> {
    pub run: &'a mut RunState,
    pub play: Arc<Play>,
    pub play_vars: Arc<Map>,
    pub role_defaults: Arc<Map>,
    pub role_vars: Arc<Map>,
    pub play_hosts_all: Vec<String>,
    pub batch: Vec<String>,
    pub states: HashMap<String, HostState>,
    pub notified: HashMap<usize, Vec<String>>,
    pub all_tasks: Vec<usize>,
    pub cursor: usize,
    pub ended: bool,
    pub start_at_found: bool,
    /// Hosts of the batch that had failed before it started.
    pub failed_before: HashSet<String>,
    /// Handlers of roles included at run time.
    pub extra_handlers: Vec<Arc<Task>>,
    /// The play's own tasks (ids, in order), without tasks included at run time.
    pub play_tasks: Vec<usize>,
    /// `--resume`: host → the position in `play_tasks` it continues at.
    pub resume_at: HashMap<String, usize>,
}

pub(super) fn task_order(item: &Item, out: &mut Vec<usize>) {
    let mut tasks = Vec::new();
    collect_tasks(item, &mut tasks);
    out.extend(tasks.iter().map(|t| t.id));
}

impl<'a> PlayRun<'a> {
    pub(super) fn snapshot(&self) -> Arc<Snapshot> {
        let mut magic = self.run.magic_vars();
        let alive: Vec<Value> = self
            .play_hosts_all
            .iter()
            .filter(|h| !self.run.failed.contains(*h) && !self.run.unreachable.contains(*h))
            .map(|h| Value::Str(h.clone()))
            .collect();
        let batch: Vec<Value> = self
            .batch
            .iter()
            .filter(|h| !self.run.failed.contains(*h) && !self.run.unreachable.contains(*h))
            .map(|h| Value::Str(h.clone()))
            .collect();
        magic.insert("ansible_play_hosts".into(), Value::List(alive));
        magic.insert(
            "ansible_play_hosts_all".into(),
            Value::List(
                self.play_hosts_all
                    .iter()
                    .map(|h| Value::Str(h.clone()))
                    .collect(),
            ),
        );
        magic.insert("ansible_play_batch".into(), Value::List(batch.clone()));
        magic.insert("play_hosts".into(), Value::List(batch));
        magic.insert(
            "ansible_play_role_names".into(),
            Value::List(
                self.play
                    .roles
                    .iter()
                    .map(|r| Value::Str(r.name.clone()))
                    .collect(),
            ),
        );
        magic.insert(
            "ansible_play_name".into(),
            self.play
                .name
                .clone()
                .unwrap_or(Value::Str(self.play.hosts.clone())),
        );
        magic.insert("omit".into(), Value::Str(OMIT.into()));
        Arc::new(Snapshot {
            hosts: self.run.host_data(),
            play_vars: self.play_vars.clone(),
            role_defaults: self.role_defaults.clone(),
            role_vars: self.role_vars.clone(),
            extra_vars: Arc::new(self.run.opts.extra_vars.clone()),
            magic: Arc::new(magic),
            how: self.run.how(),
        })
    }

    fn alive(&self, host: &str) -> bool {
        !self.run.failed.contains(host) && !self.run.unreachable.contains(host)
    }

    /// Open the connections of HOSTS (the next batch) in the background.
    pub(super) fn warm_up(&self, hosts: &[String]) {
        let snap = self.snapshot();
        for h in hosts {
            if self.run.failed.contains(h) || self.run.unreachable.contains(h) {
                continue;
            }
            let conn = self.run.connection(h, &snap);
            self.run.connections.warm_up(conn);
        }
    }

    /// Run the batch to its end.
    pub async fn run_batch(&mut self) -> PlayEnd {
        self.failed_before = self
            .batch
            .iter()
            .filter(|h| !self.alive(h))
            .cloned()
            .collect();
        for h in &self.batch {
            self.states
                .insert(h.clone(), HostState::new(self.play.body.clone()));
        }
        self.all_tasks.clear();
        task_order(&Item::Block(self.play.body.clone()), &mut self.all_tasks);
        self.play_tasks = self.all_tasks.clone();
        self.skip_done_tasks();
        self.cursor = 0;
        if self.gather_facts_enabled() {
            self.gather_facts().await;
            self.run.env.callback.task_end(0);
        }
        loop {
            if self.ended {
                break;
            }
            self.collect_failed_hosts();
            let hosts_left: Vec<String> = self
                .batch
                .iter()
                .filter(|h| self.alive(h))
                .cloned()
                .collect();
            // Which task each host is at.
            let mut next: HashMap<String, Arc<Task>> = HashMap::new();
            for h in &hosts_left {
                if let Some(t) = self.states.get(h).and_then(HostState::peek) {
                    next.insert(h.clone(), t);
                }
            }
            if next.is_empty() {
                break;
            }
            // Ctrl-C: the task under way has finished; nothing more starts.
            if self.stop_requested() {
                return PlayEnd::Stopped;
            }
            let ids: HashSet<usize> = next.values().map(|t| t.id).collect();
            let Some(chosen) = self.choose(&ids) else {
                break;
            };
            let mut hosts = Vec::new();
            let mut task = None;
            for h in &hosts_left {
                if next.get(h).is_some_and(|t| t.id == chosen) {
                    task = self.states.get_mut(h).and_then(HostState::advance);
                    hosts.push(h.clone());
                }
            }
            let Some(task) = task else { break };
            if !self.selected(&task) {
                continue;
            }
            let outcomes = self.run_task(&task, &hosts).await;
            let failed_now: Vec<String> = outcomes
                .iter()
                .filter(|o| {
                    matches!(o.status(), ResultKind::Failed | ResultKind::Unreachable) && !o.ignored
                })
                .map(|o| o.host.clone())
                .collect();
            // any_errors_fatal: one failure fails every host of the batch.
            let fatal = self.task_bool(&task, "any_errors_fatal").unwrap_or(false)
                || self.play_bool("any_errors_fatal");
            if fatal && !failed_now.is_empty() {
                // The other hosts fail as if the task had failed on them: a block's rescue
                // still catches it, and it counts in no host's failures.
                for h in &hosts_left {
                    if !failed_now.contains(h)
                        && self.alive(h)
                        && let Some(s) = self.states.get_mut(h)
                    {
                        s.fail();
                    }
                }
                self.collect_failed_hosts();
            }
            if let Some(pct) = self.max_fail_percentage()
                && !outcomes.is_empty()
            {
                // Failures of this batch only, over the whole batch (earlier failures included).
                let failed = self
                    .batch
                    .iter()
                    .filter(|h| !self.alive(h) && !self.failed_before.contains(*h))
                    .count();
                let ratio = failed as f64 / self.batch.len() as f64;
                if ratio > pct / 100.0 {
                    for h in &hosts_left {
                        if self.alive(h) {
                            self.run.failed.insert(h.clone());
                        }
                    }
                    // Ansible reports it twice: when the percentage is exceeded, and again
                    // when the strategy finds every host of the batch failed.
                    self.run.env.callback.no_hosts_remaining();
                    self.run.env.callback.no_hosts_remaining();
                    return PlayEnd::Broken;
                }
            }
        }
        self.collect_failed_hosts();
        let failed_in_batch = self
            .batch
            .iter()
            .filter(|h| !self.alive(h) && !self.failed_before.contains(*h))
            .count();
        if failed_in_batch == self.batch.len() && !self.batch.is_empty() {
            PlayEnd::Broken
        } else {
            PlayEnd::Completed
        }
    }

    /// `--resume`: a host that was in flight skips the tasks it had finished; it continues
    /// at the task it was at.
    fn skip_done_tasks(&mut self) {
        for h in &self.batch {
            let Some(at) = self.resume_at.remove(h) else {
                continue;
            };
            let Some(state) = self.states.get_mut(h) else {
                continue;
            };
            while let Some(next) = state.peek() {
                match self.play_tasks.iter().position(|id| *id == next.id) {
                    Some(pos) if pos < at => {
                        state.advance();
                    }
                    _ => break,
                }
            }
        }
    }

    fn stop_requested(&self) -> bool {
        self.run.stop.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Hosts whose failure has run its course (their `always` sections are done) leave the
    /// play for good.
    fn collect_failed_hosts(&mut self) {
        for (h, s) in &self.states {
            if s.finished_failed() {
                self.run.failed.insert(h.clone());
            }
        }
    }

    /// The next task in document order (cyclic from the cursor) that some host is at.
    fn choose(&mut self, ids: &HashSet<usize>) -> Option<usize> {
        let n = self.all_tasks.len();
        for _ in 0..=n {
            if self.cursor >= n {
                self.cursor = 0;
            }
            let id = self.all_tasks[self.cursor];
            self.cursor += 1;
            if ids.contains(&id) {
                return Some(id);
            }
        }
        ids.iter().min().copied()
    }

    /// Tags and `--start-at-task`.
    fn selected(&mut self, task: &Task) -> bool {
        if task.implicit {
            return true;
        }
        if !matches!(task.action.as_str(), "meta") || task.own().get("tags").is_some() {
            let tags = task.chain.tags();
            if !self.run.opts.tags.selects(&tags) {
                return false;
            }
        }
        if let Some(start) = &self.run.opts.start_at_task
            && !self.start_at_found
        {
            let name = self.banner_name(task, None);
            let raw = task.name().and_then(Value::as_str).unwrap_or("");
            if name == *start || raw == start || glob_match(start, &name) {
                self.start_at_found = true;
            } else {
                return false;
            }
        }
        true
    }

    fn gather_facts_enabled(&self) -> bool {
        match self.play.keyword("gather_facts") {
            Some(v) => crate::modules::args::to_bool(v).unwrap_or(true),
            None => std::env::var("ANSIBLE_GATHERING")
                .map(|g| g != "explicit")
                .unwrap_or(true),
        }
    }

    fn play_bool(&self, key: &str) -> bool {
        self.play
            .keyword(key)
            .and_then(crate::modules::args::to_bool)
            .unwrap_or(false)
    }

    fn max_fail_percentage(&self) -> Option<f64> {
        match self.play.keyword("max_fail_percentage")? {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => s.trim().trim_end_matches('%').parse().ok(),
            _ => None,
        }
    }

    fn task_bool(&self, task: &Task, key: &str) -> Option<bool> {
        let v = task.chain.get(key)?;
        let snap = self.snapshot();
        let ctx = play_context(&snap, self.batch.first().map(String::as_str));
        let v = self.run.env.templar.template(v, &ctx).ok()?;
        crate::modules::args::to_bool(&v)
    }

    async fn gather_facts(&mut self) {
        let info = TaskInfo {
            id: 0,
            name: "Gathering Facts".into(),
            action: "gather_facts".into(),
            has_loop: false,
            is_handler: false,
            check_mode: self.run.opts.check,
            path: String::new(),
            file: self.play.file.clone(),
            line: None,
            column: None,
            position: None,
        };
        self.run.env.callback.task_start(&info);
        let hosts: Vec<String> = self
            .batch
            .iter()
            .filter(|h| self.alive(h))
            .cloned()
            .collect();
        let snap = self.snapshot();
        let mut futures = tokio::task::JoinSet::new();
        let sem = Arc::new(Semaphore::new(self.run.opts.forks.max(1)));
        for h in hosts {
            let conn = self.run.connection(&h, &snap);
            let sem = sem.clone();
            let callback = self.run.env.callback.clone();
            let info = info.clone();
            futures.spawn(async move {
                let _permit = sem.acquire_owned().await;
                callback.host_start(&info, &h);
                let facts = crate::exec::facts::gather(conn.as_ref()).await;
                (h, facts)
            });
        }
        while let Some(Ok((h, facts))) = futures.join_next().await {
            let outcome = match facts {
                Ok(f) => {
                    self.run.set_facts_gathered(&h, f);
                    let mut r = Map::new();
                    r.insert("changed".into(), Value::Bool(false));
                    // As Ansible's setup result: not shown at -v.
                    r.insert("_ansible_verbose_override".into(), Value::Bool(true));
                    Outcome::new(&h, r)
                }
                Err(e) => {
                    let mut r = Map::new();
                    r.insert("unreachable".into(), Value::Bool(true));
                    r.insert("msg".into(), Value::Str(e));
                    r.insert("changed".into(), Value::Bool(false));
                    Outcome::new(&h, r)
                }
            };
            self.account(&info, None, &outcome);
        }
    }

    /// The name shown in the banner: `role : name`, templated with the first host's vars.
    fn banner_name(&self, task: &Task, ctx: Option<&crate::template::VarContext>) -> String {
        let name = match task.name() {
            Some(v) => {
                let rendered = match (ctx, v) {
                    (Some(ctx), Value::Str(s)) if crate::template::Templar::is_template(s) => self
                        .run
                        .env
                        .templar
                        .template(v, ctx)
                        .map(|r| crate::output::python_repr::python_str(&r))
                        .unwrap_or_else(|_| name_with_markers(&self.run.env.templar, s, ctx)),
                    _ => crate::output::python_repr::python_str(v),
                };
                Some(rendered)
            }
            None => None,
        };
        if task.action == "include_role" && name.is_none() {
            let role = task
                .args
                .get(&Key::from("name"))
                .map(crate::output::python_repr::python_str)
                .unwrap_or_default();
            return format!("{} : {role}", task.action_written);
        }
        match (&task.role, name) {
            // IncludeRole names itself: no role prefix, even inside a role.
            (Some(_), Some(n)) if task.action == "include_role" => n.trim().to_string(),
            (Some(role), Some(n)) => format!("{} : {}", role.name, n.trim()),
            (Some(role), None) => format!("{} : {}", role.name, task.action_written),
            (None, Some(n)) => n.trim().to_string(),
            (None, None) => task.action_written.clone(),
        }
    }

    pub(super) fn info(&self, task: &Task, ctx: Option<&crate::template::VarContext>) -> TaskInfo {
        TaskInfo {
            id: task.id,
            name: self.banner_name(task, ctx),
            action: task.action.clone(),
            has_loop: task.loop_spec().is_some(),
            is_handler: task.is_handler,
            check_mode: self.run.opts.check,
            path: task.origin.to_string(),
            file: task.origin.file.clone(),
            line: task.origin.line,
            column: task.origin.column,
            position: if task.is_handler {
                None
            } else {
                self.play_tasks.iter().position(|id| *id == task.id)
            },
        }
    }

    /// Run one task on `hosts` and account for the results.
    async fn run_task(&mut self, task: &Arc<Task>, hosts: &[String]) -> Vec<Outcome> {
        let outcomes = self.run_task_on(task, hosts).await;
        self.run.env.callback.task_end(task.id);
        outcomes
    }

    async fn run_task_on(&mut self, task: &Arc<Task>, hosts: &[String]) -> Vec<Outcome> {
        match task.action.as_str() {
            "meta" => return self.run_meta(task, hosts).await,
            "include_tasks" | "include" | "include_role" => {
                return self.run_include(task, hosts).await;
            }
            _ => {}
        }
        let snap = self.snapshot();
        let first_ctx = hosts
            .first()
            .map(|h| context(&snap, h, &self.play, task, &Map::new()));
        let info = self.info(task, first_ctx.as_ref());
        self.run.env.callback.task_start(&info);
        // Actions that bypass the host loop (pause, add_host) run once, like run_once.
        let run_once = self.task_bool(task, "run_once").unwrap_or(false)
            || matches!(task.action.as_str(), "pause" | "add_host");
        let targets: Vec<String> = if run_once {
            hosts.iter().take(1).cloned().collect()
        } else {
            hosts.to_vec()
        };
        // `throttle` caps this task's parallelism below `forks`.
        let throttle = task
            .chain
            .get("throttle")
            .and_then(|v| match v {
                Value::Int(i) if *i > 0 => Some(*i as usize),
                Value::Str(s) => s.trim().parse().ok().filter(|n| *n > 0),
                _ => None,
            })
            .unwrap_or(usize::MAX);
        let sem = Arc::new(Semaphore::new(self.run.opts.forks.max(1).min(throttle)));
        let mut set = tokio::task::JoinSet::new();
        for h in &targets {
            let ctx = context(&snap, h, &self.play, task, &Map::new());
            let delegate = task
                .chain
                .get("delegate_to")
                .and_then(|v| self.run.env.templar.template(v, &ctx).ok());
            let (conn, label) = match &delegate {
                Some(Value::Str(d)) if d != h => {
                    (self.run.connection(d, &snap), format!("{h} -> {d}"))
                }
                _ => (self.run.connection(h, &snap), h.clone()),
            };
            let ht = HostTask {
                host: h.clone(),
                label,
                task: task.clone(),
                info: info.clone(),
                ctx,
                conn,
            };
            let env = TaskEnv {
                templar: self.run.env.templar.clone(),
                callback: self.run.env.callback.clone(),
                opts: self.run.env.opts.clone(),
            };
            let sem = sem.clone();
            let idx = set.len();
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                env.callback.host_start(&ht.info, &ht.host);
                let outcome = run_host_task(&env, &ht).await;
                (idx, ht.label, outcome)
            });
        }
        // Report results in host order, as Ansible's output usually reads; a host that is
        // slower than the grace period does not hold back the others' lines.
        let grace = std::time::Duration::from_millis(500);
        let mut pending: std::collections::BTreeMap<usize, (String, Outcome)> = Default::default();
        let mut released: HashSet<usize> = HashSet::new();
        let mut next = 0usize;
        let mut deadline: Option<tokio::time::Instant> = None;
        let mut outcomes = Vec::new();
        loop {
            let joined = match deadline {
                Some(d) => match tokio::time::timeout_at(d, set.join_next()).await {
                    Ok(j) => j,
                    Err(_) => {
                        // Grace is over: report what is waiting, out of order.
                        let waiting: Vec<usize> = pending.keys().copied().collect();
                        for idx in waiting {
                            if let Some((label, o)) = pending.remove(&idx) {
                                released.insert(idx);
                                self.report(&info, task, hosts, run_once, &label, &o);
                                outcomes.push(o);
                            }
                        }
                        deadline = None;
                        continue;
                    }
                },
                None => set.join_next().await,
            };
            let Some(joined) = joined else { break };
            let Ok((idx, label, outcome)) = joined else {
                continue;
            };
            pending.insert(idx, (label, outcome));
            while released.contains(&next) || pending.contains_key(&next) {
                if let Some((label, o)) = pending.remove(&next) {
                    released.insert(next);
                    self.report(&info, task, hosts, run_once, &label, &o);
                    outcomes.push(o);
                }
                next += 1;
            }
            deadline = if pending.is_empty() {
                None
            } else {
                Some(deadline.unwrap_or_else(|| tokio::time::Instant::now() + grace))
            };
        }
        for (_, (label, o)) in std::mem::take(&mut pending) {
            self.report(&info, task, hosts, run_once, &label, &o);
            outcomes.push(o);
        }
        outcomes
    }

    fn report(
        &mut self,
        info: &TaskInfo,
        task: &Arc<Task>,
        hosts: &[String],
        run_once: bool,
        label: &str,
        outcome: &Outcome,
    ) {
        self.account(
            info,
            Some(task),
            &outcome_with_label(outcome.clone(), label),
        );
        if run_once {
            // The one result stands for every host of the batch.
            for other in hosts.iter().skip(1) {
                self.register_and_facts(task, other, &outcome.result);
            }
        }
    }

    fn register_and_facts(&mut self, task: &Task, host: &str, result: &Map) {
        self.register_and_facts_delegated(task, host, None, result);
    }

    /// With `delegate_facts`, facts land on the delegated host; the registered result stays
    /// with the host the task ran for.
    fn register_and_facts_delegated(
        &mut self,
        task: &Task,
        host: &str,
        delegated: Option<&str>,
        result: &Map,
    ) {
        if let Some(name) = task.own().get("register").and_then(Value::as_str) {
            self.run.set_fact(host, name, Value::Map(untrusted(result)));
        }
        let delegate_facts = task
            .chain
            .get("delegate_facts")
            .and_then(crate::modules::args::to_bool)
            .unwrap_or(false);
        let host = match delegated {
            Some(d) if delegate_facts => d,
            _ => host,
        };
        let status_ok = !matches!(
            result_kind(result),
            ResultKind::Failed | ResultKind::Unreachable | ResultKind::Skipped
        );
        if status_ok && let Some(Value::Map(facts)) = result.get(&Key::from("ansible_facts")) {
            for (k, v) in facts {
                if let Some(k) = k.as_str() {
                    self.run.set_fact(host, k, v.clone());
                }
            }
            // A module's facts (not set_fact's variables) also join the host's facts:
            // `ansible_facts.services` after service_facts.
            if !matches!(task.action.as_str(), "set_fact" | "include_vars") {
                let namespaced: Map = facts
                    .iter()
                    .filter_map(|(k, v)| {
                        let k = k.as_str()?;
                        Some((
                            Key::from(k.strip_prefix("ansible_").unwrap_or(k)),
                            v.clone(),
                        ))
                    })
                    .collect();
                self.run.set_facts_gathered(host, namespaced);
            }
        }
    }

    /// Stats, host state, registered variables, notifications and the output line.
    pub(super) fn account(&mut self, info: &TaskInfo, task: Option<&Arc<Task>>, outcome: &Outcome) {
        let host = outcome.host.clone();
        let label = outcome.delegated_to.clone().unwrap_or_else(|| host.clone());
        let kind = result_kind(&outcome.result);
        if let Some(task) = task {
            let delegated = outcome
                .delegated_to
                .as_deref()
                .and_then(|l| l.split_once(" -> "))
                .map(|(_, d)| d.to_string());
            self.register_and_facts_delegated(task, &host, delegated.as_deref(), &outcome.result);
        }
        let ignore_unreachable = task
            .and_then(|t| t.chain.get("ignore_unreachable"))
            .and_then(crate::modules::args::to_bool)
            .unwrap_or(false);
        match kind {
            ResultKind::Failed if !outcome.ignored => {
                let rescuing = self
                    .states
                    .get_mut(&host)
                    .map(HostState::fail)
                    .unwrap_or(false);
                if rescuing {
                    self.run.stats.host(&host).rescued += 1;
                    self.run.set_fact(
                        &host,
                        "ansible_failed_result",
                        Value::Map(untrusted(&outcome.result)),
                    );
                    if let Some(t) = task {
                        let mut ft = Map::new();
                        ft.insert(
                            "name".into(),
                            t.name().cloned().unwrap_or(Value::Str(String::new())),
                        );
                        ft.insert("action".into(), Value::Str(t.action_written.clone()));
                        self.run
                            .set_fact(&host, "ansible_failed_task", Value::Map(ft));
                    }
                } else {
                    self.run.stats.host(&host).failures += 1;
                }
                if self
                    .states
                    .get(&host)
                    .is_some_and(HostState::finished_failed)
                {
                    self.run.failed.insert(host.clone());
                }
            }
            ResultKind::Failed => {
                let st = self.run.stats.host(&host);
                st.ok += 1;
                st.ignored += 1;
                if outcome.changed() {
                    st.changed += 1;
                }
            }
            ResultKind::Unreachable => {
                if ignore_unreachable {
                    let st = self.run.stats.host(&host);
                    st.ok += 1;
                    st.ignored += 1;
                } else {
                    self.run.unreachable.insert(host.clone());
                    self.run.stats.host(&host).unreachable += 1;
                    if let Some(s) = self.states.get_mut(&host) {
                        s.end();
                    }
                }
            }
            ResultKind::Skipped => self.run.stats.host(&host).skipped += 1,
            ResultKind::Ok | ResultKind::Changed => {
                let st = self.run.stats.host(&host);
                st.ok += 1;
                if outcome.changed() {
                    st.changed += 1;
                }
                if let Some(task) = task {
                    self.after_ok(task, &host, &outcome.result);
                }
            }
        }
        // A no_log result shows no diff (it would print what no_log hides, e.g. copy's
        // content), as Ansible's callbacks get the censored result.
        if let Some(d) = outcome.result.get(&Key::from("diff"))
            && !crate::output::report_result::is_no_log(&outcome.result)
            && (self.run.opts.diff
                || task
                    .and_then(|t| t.chain.get("diff"))
                    .and_then(crate::modules::args::to_bool)
                    .unwrap_or(false))
            && outcome.changed()
        {
            self.run.env.callback.diff(info, d);
        }
        let ignored = outcome.ignored || (kind == ResultKind::Unreachable && ignore_unreachable);
        self.run
            .env
            .callback
            .host_result(info, &label, kind, &outcome.result, ignored);
    }

    /// Notifications, add_host and group_by after an ok/changed result.
    fn after_ok(&mut self, task: &Arc<Task>, host: &str, result: &Map) {
        let items: Vec<Map> = match result.get(&Key::from("results")) {
            Some(Value::List(items)) if task.loop_spec().is_some() => {
                items.iter().filter_map(|v| v.as_map().cloned()).collect()
            }
            _ => vec![result.clone()],
        };
        if result_kind(result) == ResultKind::Changed {
            let notify: Vec<String> = crate::playbook::keywords::tag_list(task.own().get("notify"));
            for n in notify {
                self.notify(&n, host);
            }
        }
        for item in items {
            if let Some(Value::Str(group)) = item.get(&Key::from("add_group")) {
                let parents: Vec<String> = match item.get(&Key::from("parent_groups")) {
                    Some(Value::List(p)) => p
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => vec!["all".into()],
                };
                self.run.group_by(host, group, &parents);
            }
            if let Some(Value::Map(add)) = item.get(&Key::from("add_host")) {
                self.run.add_host(add);
            }
        }
    }

    fn handlers(&self) -> Vec<Arc<Task>> {
        self.play
            .handlers
            .iter()
            .chain(&self.extra_handlers)
            .cloned()
            .collect()
    }

    /// Notify handlers by name (the last one defined with that name wins, as in Ansible)
    /// and every handler that listens to it.
    fn notify(&mut self, name: &str, host: &str) {
        let handlers = self.handlers();
        let by_name = handlers.iter().rev().find(|h| {
            let hname = h.name().and_then(Value::as_str).unwrap_or("").to_string();
            let role_name = h.role.as_ref().map(|r| format!("{} : {hname}", r.name));
            hname == name || role_name.as_deref() == Some(name)
        });
        let mut targets: Vec<usize> = by_name.map(|h| h.id).into_iter().collect();
        for h in &handlers {
            let listens = crate::playbook::keywords::tag_list(h.own().get("listen"));
            if listens.iter().any(|l| l == name) && !targets.contains(&h.id) {
                targets.push(h.id);
            }
        }
        if targets.is_empty() {
            self.run.env.callback.warning(&format!(
                "The requested handler '{name}' was not found in either the main handlers list nor in the listening handlers list"
            ));
        }
        for id in targets {
            let list = self.notified.entry(id).or_default();
            if !list.iter().any(|x| x == host) {
                list.push(host.to_string());
            }
        }
    }

    pub(super) async fn flush_handlers(&mut self, hosts: &[String]) {
        let handlers = self.handlers();
        for h in handlers {
            let Some(waiting) = self.notified.get(&h.id).cloned() else {
                continue;
            };
            let run_on: Vec<String> = waiting
                .iter()
                .filter(|x| hosts.contains(x) && self.alive(x))
                .cloned()
                .collect();
            if run_on.is_empty() {
                continue;
            }
            if let Some(list) = self.notified.get_mut(&h.id) {
                list.retain(|x| !run_on.contains(x));
            }
            let outcomes = Box::pin(self.run_task(&h, &run_on)).await;
            for o in outcomes {
                if matches!(o.status(), ResultKind::Failed) && !o.ignored {
                    self.run.failed.insert(o.host.clone());
                    if let Some(s) = self.states.get_mut(&o.host) {
                        s.end();
                    }
                }
            }
        }
    }
}

pub(super) fn failed_outcome(host: &str, msg: String) -> Outcome {
    let mut r = Map::new();
    r.insert("failed".into(), Value::Bool(true));
    r.insert("msg".into(), Value::Str(msg));
    r.insert("changed".into(), Value::Bool(false));
    Outcome::new(host, r)
}

fn outcome_with_label(mut o: Outcome, label: &str) -> Outcome {
    if label != o.host {
        o.delegated_to = Some(label.to_string());
    }
    o
}

/// A task name whose template fails (a loop variable is not defined yet when the banner
/// prints) shows each failing expression as ansible-core 2.19 does:
/// `<< error 1 - 'item' is undefined >>`.
fn name_with_markers(
    templar: &crate::template::Templar,
    name: &str,
    ctx: &crate::template::VarContext,
) -> String {
    let re = regex::Regex::new(r"\{\{(.*?)\}\}").expect("static regex");
    re.replace_all(name, |c: &regex::Captures| {
        match templar.expression(&c[1], ctx) {
            Ok(v) => crate::output::python_repr::python_str(&v),
            Err(e) => format!("<< error 1 - {e} >>"),
        }
    })
    .into_owned()
}

/// `--start-at-task` accepts shell-style wildcards.
fn glob_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '?', '[']) {
        return false;
    }
    let re = crate::inventory::pattern::glob_to_regex(pattern);
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(text))
}

/// A connection for a host from its (templated) connection variables.
pub fn connection_for(vars: &Map, forced: Option<&str>) -> Arc<dyn Connection> {
    let _ = (vars, forced);
    Arc::new(Local)
}

pub fn host_data_default() -> HostData {
    HostData::default()
}
