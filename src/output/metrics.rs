//! `--metrics-file FILE`: the run's numbers in Prometheus' text format, for node-exporter's
//! textfile collector (point `--collector.textfile.directory` at FILE's directory; the name
//! must end in `.prom`). Written when the run ends (also after Ctrl-C) through a temporary
//! file renamed over FILE, as the collector requires.
//!
//! roller_run_info{playbook,inventory,limit} 1, roller_run_success, roller_run_exit_code,
//! roller_run_duration_seconds, roller_run_end_timestamp_seconds,
//! roller_hosts{status="ok|failed|unreachable"}, roller_host_results{host,result} (the
//! PLAY RECAP's counters), roller_host_duration_seconds{host} (from the host's first task
//! to its last), roller_task_duration_seconds{play,task} (wall time of each task over all
//! its hosts, summed over batches and over tasks with the same name).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use indexmap::IndexMap;

use super::callback::{Callback, RunInfo, TaskInfo};
use super::junit::write_atomically;
use crate::exec::stats::Stats;

pub struct MetricsFile {
    path: PathBuf,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    run: RunInfo,
    started: Option<Instant>,
    play: String,
    tasks: HashMap<usize, (String, Instant)>,
    task_seconds: IndexMap<(String, String), f64>,
    /// Host → (first start, last end).
    hosts: IndexMap<String, (Instant, Instant)>,
}

impl MetricsFile {
    pub fn create(path: &Path) -> io::Result<Self> {
        std::fs::write(path, "")?;
        Ok(MetricsFile {
            path: path.to_path_buf(),
            inner: Mutex::new(Inner::default()),
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut inner)
    }
}

/// A label value with `\`, `"` and newlines escaped as the text format requires.
pub fn label_value(v: &str) -> String {
    v.replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

fn sample(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

impl Inner {
    fn render(&self, stats: &Stats, code: i32) -> String {
        let mut o = String::new();
        family(
            &mut o,
            "roller_run_info",
            "The last roller run: playbook, inventory, limit.",
        );
        let _ = writeln!(
            o,
            "roller_run_info{{playbook=\"{}\",inventory=\"{}\",limit=\"{}\",check=\"{}\"}} 1",
            label_value(&self.run.playbooks.join(" ")),
            label_value(&self.run.inventory.join(",")),
            label_value(self.run.limit.as_deref().unwrap_or("")),
            self.run.check
        );
        family(
            &mut o,
            "roller_run_success",
            "1 when the last run ended with exit code 0.",
        );
        let _ = writeln!(o, "roller_run_success {}", u8::from(code == 0));
        family(
            &mut o,
            "roller_run_exit_code",
            "The last run's exit code (ansible-playbook's codes).",
        );
        let _ = writeln!(o, "roller_run_exit_code {code}");
        family(
            &mut o,
            "roller_run_duration_seconds",
            "Wall time of the last run.",
        );
        let _ = writeln!(
            o,
            "roller_run_duration_seconds {}",
            sample(self.started.map_or(0.0, |t| t.elapsed().as_secs_f64()))
        );
        family(
            &mut o,
            "roller_run_end_timestamp_seconds",
            "When the last run ended, in seconds since the epoch.",
        );
        let _ = writeln!(
            o,
            "roller_run_end_timestamp_seconds {}",
            sample(super::clock::epoch_seconds(SystemTime::now()))
        );
        let (mut ok, mut failed, mut unreachable) = (0, 0, 0);
        for s in stats.hosts.values() {
            if s.unreachable > 0 {
                unreachable += 1;
            } else if s.failures > 0 {
                failed += 1;
            } else {
                ok += 1;
            }
        }
        family(
            &mut o,
            "roller_hosts",
            "Hosts of the last run by how they ended.",
        );
        let _ = writeln!(o, "roller_hosts{{status=\"ok\"}} {ok}");
        let _ = writeln!(o, "roller_hosts{{status=\"failed\"}} {failed}");
        let _ = writeln!(o, "roller_hosts{{status=\"unreachable\"}} {unreachable}");
        family(
            &mut o,
            "roller_host_results",
            "The PLAY RECAP's counters by host.",
        );
        for (h, s) in &stats.hosts {
            let h = label_value(h);
            for (what, n) in [
                ("ok", s.ok),
                ("changed", s.changed),
                ("unreachable", s.unreachable),
                ("failed", s.failures),
                ("skipped", s.skipped),
                ("rescued", s.rescued),
                ("ignored", s.ignored),
            ] {
                let _ = writeln!(
                    o,
                    "roller_host_results{{host=\"{h}\",result=\"{what}\"}} {n}"
                );
            }
        }
        family(
            &mut o,
            "roller_host_duration_seconds",
            "Wall time from a host's first task to its last in the last run.",
        );
        for (h, (from, to)) in &self.hosts {
            let _ = writeln!(
                o,
                "roller_host_duration_seconds{{host=\"{}\"}} {}",
                label_value(h),
                sample(to.duration_since(*from).as_secs_f64())
            );
        }
        family(
            &mut o,
            "roller_task_duration_seconds",
            "Wall time of each step (task) of the last run, over all its hosts.",
        );
        for ((play, task), s) in &self.task_seconds {
            let _ = writeln!(
                o,
                "roller_task_duration_seconds{{play=\"{}\",task=\"{}\"}} {}",
                label_value(play),
                label_value(task),
                sample(*s)
            );
        }
        o
    }
}

impl Callback for MetricsFile {
    fn run_start(&self, run: &RunInfo) {
        self.with(|i| {
            i.run = run.clone();
            i.started = Some(Instant::now());
        });
    }

    fn play_begin(&self, _index: usize, name: &str, _hosts: &[String]) {
        self.with(|i| i.play = name.to_string());
    }

    fn task_start(&self, task: &TaskInfo) {
        self.with(|i| i.tasks.insert(task.id, (task.name.clone(), Instant::now())));
    }

    fn host_start(&self, _task: &TaskInfo, host: &str) {
        let now = Instant::now();
        self.with(|i| {
            i.hosts.entry(host.to_string()).or_insert((now, now));
        });
    }

    fn host_result(
        &self,
        _task: &TaskInfo,
        label: &str,
        _kind: super::callback::ResultKind,
        _result: &crate::vars::Map,
        _ignored: bool,
    ) {
        let now = Instant::now();
        self.with(|i| {
            let e = i
                .hosts
                .entry(super::report_result::host_of(label).to_string())
                .or_insert((now, now));
            e.1 = now;
        });
    }

    fn task_end(&self, task_id: usize) {
        self.with(|i| {
            if let Some((name, t)) = i.tasks.remove(&task_id) {
                *i.task_seconds.entry((i.play.clone(), name)).or_default() +=
                    t.elapsed().as_secs_f64();
            }
        });
    }

    fn run_end(&self, stats: &Stats, code: i32) {
        let text = self.with(|i| i.render(stats, code));
        if let Err(e) = write_atomically(&self.path, &text) {
            eprintln!(
                "[WARNING]: --metrics-file: cannot write {}: {e}",
                self.path.display()
            );
        }
    }
}
