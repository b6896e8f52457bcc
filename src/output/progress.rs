//! The progress line on a terminal: an indicatif bar under Ansible's output with the play's
//! hosts done / total, the batch, the host(s) and task under way, the elapsed time and an
//! ETA from the hosts done so far (elapsed / done × remaining). Only when stdout is a
//! terminal; off a terminal nothing of it is drawn and the output is Ansible's alone.
//!
//! The stdout callback prints its lines through [`Progress::print`], which takes the bar off
//! the screen for the moment of writing, so lines and bar never mix.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::callback::{Callback, ResultKind, TaskInfo};
use super::report_result::host_of;
use crate::exec::stats::Stats;
use crate::vars::Map;

pub struct Progress {
    bar: ProgressBar,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    play_started: Option<Instant>,
    total: u64,
    done: u64,
    batch: String,
    task: String,
    running: Vec<String>,
    in_batch: u64,
    /// When the last batch ended.
    last_done: Option<Instant>,
}

/// `1m05s`, `42s`.
fn short(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

impl State {
    /// The time per host so far (play start to the last batch's end, over the hosts done)
    /// times the hosts left, less the time since the last batch ended.
    fn eta(&self) -> String {
        match (self.play_started, self.last_done) {
            (Some(start), Some(last)) if self.done > 0 && self.done < self.total => {
                let per_host = last.duration_since(start).as_secs_f64() / self.done as f64;
                let left =
                    per_host * (self.total - self.done) as f64 - last.elapsed().as_secs_f64();
                short(Duration::from_secs_f64(left.max(0.0)))
            }
            _ if self.total > 0 && self.done >= self.total => "0s".into(),
            _ => "--".into(),
        }
    }

    fn message(&self) -> String {
        let hosts = match self.running.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [first, rest @ ..] => format!("{first} +{}", rest.len()),
        };
        let mut m = self.batch.clone();
        if !hosts.is_empty() {
            m.push_str(&format!(" {hosts}"));
        }
        if !self.task.is_empty() {
            m.push_str(&format!(": {}", self.task));
        }
        m
    }
}

impl Progress {
    /// A progress bar on stdout, or None when stdout is not a terminal.
    pub fn on_terminal() -> Option<Progress> {
        let target = ProgressDrawTarget::stdout();
        if target.is_hidden() {
            return None;
        }
        // Drawn from the first play on.
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] [{bar:20}] {pos}/{len} hosts, ETA {prefix} | {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Some(Progress {
            bar,
            state: Mutex::new(State::default()),
        })
    }

    /// Runs WRITE (which prints lines) with the bar off the screen.
    pub fn print(&self, write: impl FnOnce()) {
        self.bar.suspend(write);
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s);
        self.bar.set_length(s.total);
        self.bar.set_position(s.done);
        self.bar.set_prefix(s.eta());
        self.bar.set_message(s.message());
    }
}

impl Callback for Progress {
    fn play_begin(&self, _index: usize, _name: &str, hosts: &[String]) {
        self.update(|s| {
            *s = State {
                play_started: Some(Instant::now()),
                total: hosts.len() as u64,
                ..State::default()
            }
        });
        if self.bar.is_hidden() {
            self.bar.set_draw_target(ProgressDrawTarget::stdout());
            self.bar.enable_steady_tick(Duration::from_millis(250));
        }
    }

    fn batch_start(&self, number: usize, total: usize, hosts: &[String]) {
        self.update(|s| {
            s.batch = format!("batch {number}/{total}");
            s.running.clear();
            s.in_batch = hosts.len() as u64;
        });
    }

    fn task_start(&self, task: &TaskInfo) {
        self.update(|s| {
            s.task = task.name.clone();
            s.running.clear();
        });
    }

    fn host_start(&self, _task: &TaskInfo, host: &str) {
        self.update(|s| s.running.push(host.to_string()));
    }

    fn host_result(
        &self,
        _task: &TaskInfo,
        label: &str,
        _kind: ResultKind,
        _result: &Map,
        _ignored: bool,
    ) {
        let host = host_of(label).to_string();
        self.update(|s| {
            if s.running.len() > 1 {
                s.running.retain(|h| *h != host);
            }
        });
    }

    fn batch_end(&self, _number: usize, _completed: &[String], _stopped: bool) {
        self.update(|s| {
            s.done = (s.done + s.in_batch).min(s.total);
            s.last_done = Some(Instant::now());
            s.running.clear();
            s.task.clear();
        });
    }

    fn recap(&self, _stats: &Stats, _check_mode: bool) {
        self.bar.finish_and_clear();
    }

    fn run_end(&self, _stats: &Stats, _code: i32) {
        self.bar.finish_and_clear();
    }
}
