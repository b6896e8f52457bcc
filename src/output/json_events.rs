//! `--json-events FILE`: the run as a stream of JSON objects, one a line, written and flushed
//! as things happen, so a pipeline (or `tail -f`) sees a roll while it runs.
//!
//! Every line has `event`, `time` (RFC 3339, UTC) and `elapsed` (seconds since the run
//! started). Events: run_start, play_start, batch_start, task_start, host_start, host_end
//! (status, changed, duration, the result as `-v` would print it; `no_log` results
//! censored), item_end, retry, warning, task_end, batch_end, play_end, run_end (stats,
//! exit code). Every *_start has its *_end, except when roller itself is killed.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use serde_json::{Value as J, json};

use super::callback::{Callback, ResultKind, RunInfo, TaskInfo};
use super::report_result::{host_of, public_result, to_json};
use crate::exec::stats::Stats;
use crate::kafka::events_topic::EventsTopic;

/// How long the end of a run waits for the events topic to acknowledge the last events.
const TOPIC_FLUSH: std::time::Duration = std::time::Duration::from_secs(10);
use crate::vars::{Key, Map, Value};

pub struct JsonEvents {
    inner: Mutex<Inner>,
}

struct Inner {
    /// `--json-events FILE`.
    out: Option<File>,
    /// `--events-topic`: the same lines, produced to Kafka.
    topic: Option<EventsTopic>,
    started: Instant,
    failed: bool,
    play: Option<(usize, String, Instant)>,
    batch: Option<(usize, Instant)>,
    /// Open tasks: id → (name, started).
    tasks: HashMap<usize, (String, Instant)>,
    hosts: HashMap<(usize, String), Instant>,
}

pub fn status_word(kind: ResultKind, ignored: bool) -> &'static str {
    match kind {
        ResultKind::Ok => "ok",
        ResultKind::Changed => "changed",
        ResultKind::Skipped => "skipped",
        ResultKind::Failed if ignored => "ignored",
        ResultKind::Failed => "failed",
        ResultKind::Unreachable => "unreachable",
    }
}

impl JsonEvents {
    pub fn create(path: &Path) -> io::Result<Self> {
        Self::to(Some(path), None)
    }

    /// Events to FILE, to a Kafka topic, or both.
    pub fn to(path: Option<&Path>, topic: Option<EventsTopic>) -> io::Result<Self> {
        Ok(JsonEvents {
            inner: Mutex::new(Inner {
                out: path.map(File::create).transpose()?,
                topic,
                started: Instant::now(),
                failed: false,
                play: None,
                batch: None,
                tasks: HashMap::new(),
                hosts: HashMap::new(),
            }),
        })
    }

    fn with(&self, f: impl FnOnce(&mut Inner)) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut inner);
    }
}

impl Inner {
    fn emit(&mut self, event: &str, fields: J) {
        if self.failed {
            return;
        }
        let mut obj = serde_json::Map::new();
        obj.insert("event".into(), J::from(event));
        obj.insert(
            "time".into(),
            J::from(super::clock::rfc3339(SystemTime::now())),
        );
        obj.insert("elapsed".into(), secs(self.started.elapsed().as_secs_f64()));
        if let J::Object(m) = fields {
            obj.extend(m);
        }
        let mut line = J::Object(obj).to_string();
        if let Some(topic) = &mut self.topic {
            topic.send(&line);
        }
        line.push('\n');
        let Some(out) = &mut self.out else { return };
        if let Err(e) = out.write_all(line.as_bytes()).and_then(|()| out.flush()) {
            self.failed = true;
            eprintln!("[WARNING]: --json-events: cannot write: {e}");
        }
    }

    fn play_name(&self) -> J {
        self.play
            .as_ref()
            .map_or(J::Null, |(_, n, _)| J::from(n.clone()))
    }
}

/// Seconds, to the millisecond.
fn secs(s: f64) -> J {
    serde_json::Number::from_f64((s * 1000.0).round() / 1000.0).map_or(J::Null, J::Number)
}

fn task_fields(task: &TaskInfo) -> serde_json::Map<String, J> {
    let mut m = serde_json::Map::new();
    m.insert("task".into(), J::from(task.name.clone()));
    m.insert("task_id".into(), J::from(task.id));
    m.insert("action".into(), J::from(task.action.clone()));
    m
}

impl Callback for JsonEvents {
    fn run_start(&self, run: &RunInfo) {
        self.with(|i| {
            i.started = Instant::now();
            i.emit(
                "run_start",
                json!({
                    "playbooks": run.playbooks,
                    "inventory": run.inventory,
                    "limit": run.limit,
                    "check": run.check,
                }),
            );
        });
    }

    fn play_begin(&self, index: usize, name: &str, hosts: &[String]) {
        self.with(|i| {
            i.play = Some((index, name.to_string(), Instant::now()));
            i.emit(
                "play_start",
                json!({"play": name, "play_index": index, "hosts": hosts}),
            );
        });
    }

    fn batch_start(&self, number: usize, total: usize, hosts: &[String]) {
        self.with(|i| {
            i.batch = Some((number, Instant::now()));
            let play = i.play_name();
            i.emit(
                "batch_start",
                json!({"play": play, "batch": number, "batches": total, "hosts": hosts}),
            );
        });
    }

    fn task_start(&self, task: &TaskInfo) {
        self.with(|i| {
            i.tasks.insert(task.id, (task.name.clone(), Instant::now()));
            let mut f = task_fields(task);
            f.insert("play".into(), i.play_name());
            f.insert("handler".into(), J::from(task.is_handler));
            i.emit("task_start", J::Object(f));
        });
    }

    fn host_start(&self, task: &TaskInfo, host: &str) {
        self.with(|i| {
            i.hosts.insert((task.id, host.to_string()), Instant::now());
            let mut f = task_fields(task);
            f.insert("host".into(), J::from(host));
            i.emit("host_start", J::Object(f));
        });
    }

    fn host_result(
        &self,
        task: &TaskInfo,
        label: &str,
        kind: ResultKind,
        result: &Map,
        ignored: bool,
    ) {
        self.with(|i| {
            let host = host_of(label);
            let started = i.hosts.remove(&(task.id, host.to_string()));
            if started.is_none() {
                // Includes and meta tasks report a result without starting on each host:
                // the stream still has a start for every end.
                let mut f = task_fields(task);
                f.insert("host".into(), J::from(host));
                i.emit("host_start", J::Object(f));
            }
            let since = started.or_else(|| i.tasks.get(&task.id).map(|(_, t)| *t));
            let mut f = task_fields(task);
            f.insert("host".into(), J::from(host));
            if label != host {
                f.insert("label".into(), J::from(label));
            }
            f.insert("status".into(), J::from(status_word(kind, ignored)));
            f.insert(
                "changed".into(),
                J::from(
                    result
                        .get(&Key::from("changed"))
                        .and_then(crate::modules::args::to_bool)
                        .unwrap_or(false),
                ),
            );
            f.insert(
                "duration".into(),
                since.map_or(J::Null, |t| secs(t.elapsed().as_secs_f64())),
            );
            f.insert("result".into(), to_json(&Value::Map(public_result(result))));
            i.emit("host_end", J::Object(f));
        });
    }

    fn item_result(&self, task: &TaskInfo, label: &str, kind: ResultKind, result: &Map) {
        self.with(|i| {
            let mut f = task_fields(task);
            f.insert("host".into(), J::from(host_of(label)));
            f.insert("status".into(), J::from(status_word(kind, false)));
            f.insert("result".into(), to_json(&Value::Map(public_result(result))));
            i.emit("item_end", J::Object(f));
        });
    }

    fn retry(&self, task: &TaskInfo, label: &str, result: &Map) {
        self.with(|i| {
            let mut f = task_fields(task);
            f.insert("host".into(), J::from(host_of(label)));
            f.insert("result".into(), to_json(&Value::Map(public_result(result))));
            i.emit("retry", J::Object(f));
        });
    }

    fn warning(&self, message: &str) {
        self.with(|i| i.emit("warning", json!({"message": message})));
    }

    fn task_end(&self, task_id: usize) {
        self.with(|i| {
            if let Some((name, t)) = i.tasks.remove(&task_id) {
                let d = secs(t.elapsed().as_secs_f64());
                i.emit(
                    "task_end",
                    json!({"task": name, "task_id": task_id, "duration": d}),
                );
            }
        });
    }

    fn batch_end(&self, number: usize, completed: &[String], stopped: bool) {
        self.with(|i| {
            let d = i
                .batch
                .take()
                .map_or(J::Null, |(_, t)| secs(t.elapsed().as_secs_f64()));
            let play = i.play_name();
            i.emit(
                "batch_end",
                json!({"play": play, "batch": number, "completed": completed,
                       "stopped": stopped, "duration": d}),
            );
        });
    }

    fn play_end(&self, index: usize) {
        self.with(|i| {
            if let Some((_, name, t)) = i.play.take() {
                let d = secs(t.elapsed().as_secs_f64());
                i.emit(
                    "play_end",
                    json!({"play": name, "play_index": index, "duration": d}),
                );
            }
        });
    }

    fn run_end(&self, stats: &Stats, code: i32) {
        self.with(|i| {
            let hosts: serde_json::Map<String, J> = stats
                .hosts
                .iter()
                .map(|(h, s)| {
                    (
                        h.clone(),
                        json!({"ok": s.ok, "changed": s.changed, "unreachable": s.unreachable,
                               "failed": s.failures, "skipped": s.skipped,
                               "rescued": s.rescued, "ignored": s.ignored}),
                    )
                })
                .collect();
            let d = secs(i.started.elapsed().as_secs_f64());
            i.emit(
                "run_end",
                json!({"exit_code": code, "duration": d, "stats": hosts}),
            );
            // The roll is over; its audit trail gets a bounded wait, never the run's exit.
            if let Some(topic) = i.topic.take() {
                let name = topic.name().to_string();
                let d = topic.finish(TOPIC_FLUSH);
                if d.undelivered > 0 {
                    eprintln!(
                        "[WARNING]: --events-topic: {} of {} events were not delivered to \
                         {name} (the --json-events file, if any, has them all)",
                        d.undelivered, d.sent
                    );
                }
            }
        });
    }
}
