//! What the executor reports while it runs. The default implementation prints Ansible's
//! default stdout callback format; other reports (JSON events, JUnit) implement the same
//! trait.

use crate::exec::stats::Stats;
use crate::vars::Map;

/// One result line's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    Ok,
    Changed,
    Skipped,
    Failed,
    Unreachable,
}

/// The task a result belongs to, as the output needs it.
#[derive(Debug, Clone)]
pub struct TaskInfo {
    pub id: usize,
    /// The banner text: `role : name`, or the module when unnamed.
    pub name: String,
    pub action: String,
    pub has_loop: bool,
    pub is_handler: bool,
    pub check_mode: bool,
    pub path: String,
    /// Where the task is written, for error blocks.
    pub file: std::path::PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The task's place in its play's own task list (not for tasks included at run time,
    /// handlers or fact gathering): where `--resume` continues a host.
    pub position: Option<usize>,
}

/// What a run is about, for reports and the state file.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    pub playbooks: Vec<String>,
    pub inventory: Vec<String>,
    pub limit: Option<String>,
    pub check: bool,
}

/// Every event has an empty default, so a report implements only what it needs. The first
/// group are roller's run events beyond Ansible's callback API (reports, progress and the
/// resume state use them); the default stdout callback ignores them.
pub trait Callback: Send + Sync {
    /// The run begins (before the first play).
    fn run_start(&self, _run: &RunInfo) {}
    /// A play begins; `index` counts plays across all playbooks of the run, from 0.
    fn play_begin(&self, _index: usize, _name: &str, _hosts: &[String]) {}
    /// A serial batch begins (`number` from 1 of `total`).
    fn batch_start(&self, _number: usize, _total: usize, _hosts: &[String]) {}
    /// A task begins on one host (after the forks limit let it start).
    fn host_start(&self, _task: &TaskInfo, _host: &str) {}
    /// Every host of the task has finished.
    fn task_end(&self, _task_id: usize) {}
    /// A batch ended: `completed` are its hosts that came through every task; `stopped`
    /// when the run stops after it (a failure that ends the play, or Ctrl-C).
    fn batch_end(&self, _number: usize, _completed: &[String], _stopped: bool) {}
    /// A play ended.
    fn play_end(&self, _index: usize) {}
    /// The run is over (after the recap, or interrupted); `code` is the exit code.
    fn run_end(&self, _stats: &Stats, _code: i32) {}
    fn play_start(&self, _name: &str, _check_mode: bool) {}
    fn no_hosts_matched(&self) {}
    fn no_hosts_remaining(&self) {}
    fn task_start(&self, _task: &TaskInfo) {}
    /// A finished task on one host; `label` is the host (with `-> delegate`).
    fn host_result(
        &self,
        _task: &TaskInfo,
        _label: &str,
        _kind: ResultKind,
        _result: &Map,
        _ignored: bool,
    ) {
    }
    /// One loop item finished.
    fn item_result(&self, _task: &TaskInfo, _label: &str, _kind: ResultKind, _result: &Map) {}
    fn retry(&self, _task: &TaskInfo, _label: &str, _result: &Map) {}
    fn included(&self, _file: &str, _hosts: &[String], _item_label: Option<String>) {}
    fn diff(&self, _task: &TaskInfo, _diff: &crate::vars::Value) {}
    fn warning(&self, _message: &str) {}
    /// A line a module prints while it runs.
    fn notice(&self, _text: &str) {}
    fn recap(&self, _stats: &Stats, _check_mode: bool) {}
    /// Roller's addition to Ansible's output: what a skipped command would have run.
    fn would_run(&self, _task: &TaskInfo, _label: &str, _command: &str) {}
}
