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
}

pub trait Callback: Send + Sync {
    fn play_start(&self, name: &str, check_mode: bool);
    fn no_hosts_matched(&self);
    fn no_hosts_remaining(&self);
    fn task_start(&self, task: &TaskInfo);
    /// A finished task on one host; `label` is the host (with `-> delegate`).
    fn host_result(
        &self,
        task: &TaskInfo,
        label: &str,
        kind: ResultKind,
        result: &Map,
        ignored: bool,
    );
    /// One loop item finished.
    fn item_result(&self, task: &TaskInfo, label: &str, kind: ResultKind, result: &Map);
    fn retry(&self, task: &TaskInfo, label: &str, result: &Map);
    fn included(&self, file: &str, hosts: &[String], item_label: Option<String>);
    fn diff(&self, task: &TaskInfo, diff: &crate::vars::Value);
    fn warning(&self, message: &str);
    /// A line a module prints while it runs.
    fn notice(&self, text: &str);
    fn recap(&self, stats: &Stats, check_mode: bool);
    /// Roller's addition to Ansible's output: what a skipped command would have run.
    fn would_run(&self, task: &TaskInfo, label: &str, command: &str);
}
