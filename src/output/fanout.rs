//! One callback that passes every run event to several: the stdout callback (or the
//! progress display), the report writers and the resume state.

use std::sync::Arc;

use super::callback::{Callback, ResultKind, RunInfo, TaskInfo};
use crate::exec::stats::Stats;
use crate::vars::{Map, Value};

pub struct Fanout(pub Vec<Arc<dyn Callback>>);

impl Fanout {
    fn each(&self, f: impl Fn(&dyn Callback)) {
        for c in &self.0 {
            f(c.as_ref());
        }
    }
}

impl Callback for Fanout {
    fn run_start(&self, run: &RunInfo) {
        self.each(|c| c.run_start(run));
    }
    fn play_begin(&self, index: usize, name: &str, hosts: &[String]) {
        self.each(|c| c.play_begin(index, name, hosts));
    }
    fn batch_start(&self, number: usize, total: usize, hosts: &[String]) {
        self.each(|c| c.batch_start(number, total, hosts));
    }
    fn host_start(&self, task: &TaskInfo, host: &str) {
        self.each(|c| c.host_start(task, host));
    }
    fn task_end(&self, task_id: usize) {
        self.each(|c| c.task_end(task_id));
    }
    fn batch_end(&self, number: usize, completed: &[String], stopped: bool) {
        self.each(|c| c.batch_end(number, completed, stopped));
    }
    fn play_end(&self, index: usize) {
        self.each(|c| c.play_end(index));
    }
    fn run_end(&self, stats: &Stats, code: i32) {
        self.each(|c| c.run_end(stats, code));
    }
    fn play_start(&self, name: &str, check_mode: bool) {
        self.each(|c| c.play_start(name, check_mode));
    }
    fn no_hosts_matched(&self) {
        self.each(|c| c.no_hosts_matched());
    }
    fn no_hosts_remaining(&self) {
        self.each(|c| c.no_hosts_remaining());
    }
    fn task_start(&self, task: &TaskInfo) {
        self.each(|c| c.task_start(task));
    }
    fn host_result(
        &self,
        task: &TaskInfo,
        label: &str,
        kind: ResultKind,
        result: &Map,
        ignored: bool,
    ) {
        self.each(|c| c.host_result(task, label, kind, result, ignored));
    }
    fn item_result(&self, task: &TaskInfo, label: &str, kind: ResultKind, result: &Map) {
        self.each(|c| c.item_result(task, label, kind, result));
    }
    fn retry(&self, task: &TaskInfo, label: &str, result: &Map) {
        self.each(|c| c.retry(task, label, result));
    }
    fn included(&self, file: &str, hosts: &[String], item_label: Option<String>) {
        self.each(|c| c.included(file, hosts, item_label.clone()));
    }
    fn diff(&self, task: &TaskInfo, diff: &Value) {
        self.each(|c| c.diff(task, diff));
    }
    fn warning(&self, message: &str) {
        self.each(|c| c.warning(message));
    }
    fn notice(&self, text: &str) {
        self.each(|c| c.notice(text));
    }
    fn recap(&self, stats: &Stats, check_mode: bool) {
        self.each(|c| c.recap(stats, check_mode));
    }
    fn would_run(&self, task: &TaskInfo, label: &str, command: &str) {
        self.each(|c| c.would_run(task, label, command));
    }
}
