//! The run's events as tracing logs (`--log-file`, or RUST_LOG to stderr): plays, batches,
//! tasks and host results at info, host starts at debug. Results are not logged, only their
//! status, so nothing a task returned (no_log or not) reaches the log.

use super::callback::{Callback, ResultKind, RunInfo, TaskInfo};
use super::json_events::status_word;
use super::report_result::host_of;
use crate::exec::stats::Stats;
use crate::vars::Map;

pub struct TraceLog;

impl Callback for TraceLog {
    fn run_start(&self, run: &RunInfo) {
        tracing::info!(playbooks = ?run.playbooks, inventory = ?run.inventory, limit = ?run.limit, check = run.check, "run start");
    }
    fn play_begin(&self, index: usize, name: &str, hosts: &[String]) {
        tracing::info!(index, play = name, hosts = ?hosts, "play start");
    }
    fn batch_start(&self, number: usize, total: usize, hosts: &[String]) {
        tracing::info!(batch = number, batches = total, hosts = ?hosts, "batch start");
    }
    fn task_start(&self, task: &TaskInfo) {
        tracing::info!(task = %task.name, action = %task.action, path = %task.path, "task start");
    }
    fn host_start(&self, task: &TaskInfo, host: &str) {
        tracing::debug!(task = %task.name, host, "host start");
    }
    fn host_result(
        &self,
        task: &TaskInfo,
        label: &str,
        kind: ResultKind,
        _result: &Map,
        ignored: bool,
    ) {
        let status = status_word(kind, ignored);
        let host = host_of(label);
        match kind {
            ResultKind::Failed | ResultKind::Unreachable if !ignored => {
                tracing::warn!(task = %task.name, host, status, "host result")
            }
            _ => tracing::info!(task = %task.name, host, status, "host result"),
        }
    }
    fn task_end(&self, task_id: usize) {
        tracing::debug!(task_id, "task end");
    }
    fn batch_end(&self, number: usize, completed: &[String], stopped: bool) {
        tracing::info!(batch = number, completed = ?completed, stopped, "batch end");
    }
    fn play_end(&self, index: usize) {
        tracing::info!(index, "play end");
    }
    fn warning(&self, message: &str) {
        tracing::warn!(message, "warning");
    }
    fn run_end(&self, stats: &Stats, code: i32) {
        tracing::info!(exit_code = code, hosts = stats.hosts.len(), "run end");
    }
}
