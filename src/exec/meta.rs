//! `meta:` tasks: actions on the run itself (flush handlers, end the host, the batch or the
//! play, clear facts or errors), as ansible-core's strategy executes them.

use std::sync::Arc;

use super::conditions::first_false;
use super::outcome::Outcome;
use super::play_run::PlayRun;
use super::variables::context;
use crate::output::callback::ResultKind;
use crate::playbook::load::raw_param;
use crate::playbook::model::Task;
use crate::vars::{Map, Value};

/// Meta actions that act for the whole batch, so they run for its first host only.
fn once_per_batch(action: &str) -> bool {
    !matches!(
        action,
        "noop" | "reset_connection" | "end_host" | "role_complete" | "flush_handlers" | "end_role"
    )
}

impl PlayRun<'_> {
    pub(super) async fn run_meta(&mut self, task: &Arc<Task>, hosts: &[String]) -> Vec<Outcome> {
        let action = raw_param(&task.args, "_raw_params").unwrap_or_default();
        let snap = self.snapshot();
        let info = self.info(task, None);
        let targets: Vec<String> = if once_per_batch(&action) {
            hosts.iter().take(1).cloned().collect()
        } else {
            hosts.to_vec()
        };
        let mut flush_for = Vec::new();
        for h in targets {
            // Ansible announces an explicit meta task for every host it runs for; implicit
            // ones (the flushes roller inserts) stay silent. Skips are shown, not counted.
            if !task.implicit {
                self.run.env.callback.task_start(&info);
            }
            let ctx = context(&snap, &h, &self.play, task, &Map::new());
            match first_false(&self.run.env.templar, &task.chain.conditions(), &ctx) {
                Ok(None) => {}
                Ok(Some(_)) => {
                    let mut r = Map::new();
                    r.insert("skipped".into(), Value::Bool(true));
                    r.insert(
                        "skip_reason".into(),
                        Value::Str(format!("{action} conditional evaluated to False")),
                    );
                    self.run
                        .env
                        .callback
                        .host_result(&info, &h, ResultKind::Skipped, &r, false);
                    continue;
                }
                Err(e) => {
                    self.run.env.callback.warning(&e.to_string());
                    continue;
                }
            }
            match action.as_str() {
                "flush_handlers" => flush_for.push(h.clone()),
                "end_play" => {
                    for s in self.states.values_mut() {
                        s.end();
                    }
                    self.ended = true;
                    self.run.end_play = true;
                }
                "end_batch" => {
                    for s in self.states.values_mut() {
                        s.end();
                    }
                }
                "end_host" => {
                    if let Some(s) = self.states.get_mut(&h) {
                        s.end();
                    }
                }
                "clear_host_errors" => {
                    for b in &self.batch {
                        self.run.failed.remove(b);
                        self.run.unreachable.remove(b);
                    }
                }
                "clear_facts" => {
                    for p in self.play_hosts_all.clone() {
                        self.run.clear_facts(&p);
                    }
                }
                _ => {}
            }
        }
        if !flush_for.is_empty() {
            self.flush_handlers(&flush_for).await;
        }
        Vec::new()
    }
}
