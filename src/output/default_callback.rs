//! Ansible's default stdout callback: `PLAY [...]`, `TASK [...]`, one line per host
//! result, `PLAY RECAP`.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use super::callback::{Callback, ResultKind, TaskInfo};
use super::json::{UnsafeStrings, to_python_json, to_python_json_line};
use crate::exec::stats::Stats;
use crate::vars::{Key, Map, Value};

const OK: &str = "0;32";
const CHANGED: &str = "0;33";
const SKIP: &str = "0;36";
const ERROR: &str = "0;31";
const UNREACHABLE: &str = "1;31";
const WARN: &str = "1;35";
const DEBUG: &str = "1;30";
const INCLUDED: &str = "0;36";

/// Keys the debug module's output keeps when it has `msg`.
const DEBUG_ALLOWED: &[&str] = &["msg", "exception", "warnings", "deprecations"];
const HIDE_IN_DEBUG: &[&str] = &[
    "changed",
    "failed",
    "skipped",
    "invocation",
    "skip_reason",
    "ansible_loop_var",
    "ansible_index_var",
    "ansible_loop",
];

pub struct DefaultCallback {
    verbosity: u8,
    color: bool,
    last_banner: Mutex<Option<usize>>,
    out: Mutex<()>,
    /// Error blocks already shown: Ansible shows the same error once.
    errors_shown: Mutex<std::collections::HashSet<String>>,
    /// The progress bar on a terminal: lines are printed with it off the screen.
    progress: Option<std::sync::Arc<super::progress::Progress>>,
}

impl DefaultCallback {
    pub fn new(verbosity: u8) -> Self {
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none()
            && std::env::var("ANSIBLE_NOCOLOR")
                .map(|v| v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
                .unwrap_or(true);
        DefaultCallback {
            verbosity,
            color,
            last_banner: Mutex::new(None),
            out: Mutex::new(()),
            errors_shown: Mutex::new(Default::default()),
            progress: None,
        }
    }

    /// Print under PROGRESS's bar.
    pub fn with_progress(mut self, progress: std::sync::Arc<super::progress::Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    fn write_out(&self, write: impl FnOnce()) {
        match &self.progress {
            Some(p) => p.print(write),
            None => write(),
        }
    }

    fn paint(&self, text: &str, color: Option<&str>) -> String {
        match color {
            Some(c) if self.color => text
                .split('\n')
                .map(|line| format!("\x1b[{c}m{line}\x1b[0m"))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => text.to_string(),
        }
    }

    fn display(&self, text: &str, color: Option<&str>) {
        let _guard = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let text = self.paint(text, color);
        self.write_out(|| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        });
    }

    fn banner(&self, msg: &str) {
        let msg = msg.trim();
        let width = msg.chars().count();
        let stars = 79usize.saturating_sub(width).max(3);
        self.display(&format!("\n{msg} {}", "*".repeat(stars)), None);
    }

    fn print_banner(&self, task: &TaskInfo) {
        let prefix = if task.is_handler {
            "RUNNING HANDLER"
        } else {
            "TASK"
        };
        self.banner(&format!("{prefix} [{}]", task.name));
        if self.verbosity >= 2 && !task.path.is_empty() {
            self.display(&format!("task path: {}", task.path), Some(DEBUG));
        }
        *self.last_banner.lock().unwrap_or_else(|e| e.into_inner()) = Some(task.id);
    }

    fn ensure_banner(&self, task: &TaskInfo) {
        let last = *self.last_banner.lock().unwrap_or_else(|e| e.into_inner());
        if last != Some(task.id) {
            self.print_banner(task);
        }
    }

    fn verbose(&self, result: &Map, above: u8) -> bool {
        (self.verbosity > above
            || matches!(
                result.get(&Key::from("_ansible_verbose_always")),
                Some(Value::Bool(true))
            ))
            && !matches!(
                result.get(&Key::from("_ansible_verbose_override")),
                Some(Value::Bool(true))
            )
    }

    /// `_dump_results`: internal keys and (below -vvv) invocation and diff removed; indented
    /// for debug output and at -vvv.
    fn dump(&self, result: &Map) -> String {
        let indent = matches!(result.get(&Key::from("_ansible_verbose_always")), Some(v) if v.is_truthy())
            || self.verbosity > 2;
        let mut clean = strip_internal(result);
        // Callbacks never see these flags (ansible-core's task result drops them).
        clean.shift_remove(&Key::from("failed"));
        clean.shift_remove(&Key::from("skipped"));
        if self.verbosity < 3 {
            clean.shift_remove(&Key::from("invocation"));
            clean.shift_remove(&Key::from("diff"));
        }
        for k in ["exception", "warnings", "deprecations"] {
            clean.shift_remove(&Key::from(k));
        }
        let v = Value::Map(clean);
        if indent {
            to_python_json(&v, UnsafeStrings::Plain)
        } else {
            to_python_json_line(&v)
        }
    }

    fn show_host_result(
        &self,
        task: &TaskInfo,
        label: &str,
        kind: ResultKind,
        result: &Map,
        ignored: bool,
    ) {
        self.ensure_banner(task);
        self.warnings(result);
        let is_include = matches!(
            task.action.as_str(),
            "include_tasks" | "include_role" | "include"
        );
        let looped = task.has_loop && result.contains_key(&Key::from("results"));
        let mut shown = clean_debug(&task.action, result);
        // A loop's `results` are its items, reported one by one; a module's own `results`
        // (dnf's) are printed like its other return values.
        if looped {
            shown.shift_remove(&Key::from("results"));
        }
        match kind {
            ResultKind::Ok | ResultKind::Changed => {
                // A loop's items were reported one by one; the task line is not repeated.
                if is_include || looped {
                    return;
                }
                let (word, color) = if kind == ResultKind::Changed {
                    ("changed", CHANGED)
                } else {
                    ("ok", OK)
                };
                let mut msg = format!("{word}: [{label}]");
                if self.verbose(result, 0) {
                    msg.push_str(&format!(" => {}", self.dump(&shown)));
                }
                self.display(&msg, Some(color));
            }
            ResultKind::Skipped => {
                let mut msg = format!("skipping: [{label}]");
                if self.verbose(result, 0) {
                    msg.push_str(&format!(" => {}", self.dump(&shown)));
                }
                self.display(&msg, Some(SKIP));
            }
            ResultKind::Failed => {
                if !looped {
                    shown.shift_remove(&Key::from("failed"));
                    let msg = format!("fatal: [{label}]: FAILED! => {}", self.dump(&shown));
                    self.display(&msg, Some(ERROR));
                }
                if ignored {
                    self.display("...ignoring", Some(SKIP));
                }
            }
            ResultKind::Unreachable => {
                let why = result
                    .get(&Key::from("msg"))
                    .map(crate::output::python_repr::python_str)
                    .unwrap_or_default();
                let why = if why.starts_with("Task failed:") {
                    why
                } else {
                    format!("Task failed: {why}")
                };
                self.error_text(task, &why);
                let msg = format!("fatal: [{label}]: UNREACHABLE! => {}", self.dump(&shown));
                self.display(&msg, Some(UNREACHABLE));
                if ignored {
                    self.display("...ignoring", Some(SKIP));
                }
            }
        }
    }

    fn show_item_result(&self, task: &TaskInfo, label: &str, kind: ResultKind, result: &Map) {
        let include = matches!(task.action.as_str(), "include_tasks" | "include_role");
        if include && matches!(kind, ResultKind::Ok | ResultKind::Changed) {
            return;
        }
        self.ensure_banner(task);
        self.warnings(result);
        let item = item_label(result);
        let shown = clean_debug(&task.action, result);
        match kind {
            ResultKind::Ok | ResultKind::Changed => {
                let (word, color) = if kind == ResultKind::Changed {
                    ("changed", CHANGED)
                } else {
                    ("ok", OK)
                };
                let mut msg = format!("{word}: [{label}] => (item={item})");
                if self.verbose(result, 0) {
                    msg.push_str(&format!(" => {}", self.dump(&shown)));
                }
                self.display(&msg, Some(color));
            }
            ResultKind::Skipped => {
                let mut msg = format!("skipping: [{label}] => (item={item}) ");
                if self.verbose(result, 0) {
                    msg.push_str(&format!(" => {}", self.dump(&shown)));
                }
                self.display(&msg, Some(SKIP));
            }
            ResultKind::Failed | ResultKind::Unreachable => {
                if no_log(result) {
                    self.error_text(task, "Task failed: the error message is hidden by no_log");
                } else {
                    self.error_block(task, result);
                }
                let mut shown = shown;
                shown.shift_remove(&Key::from("failed"));
                let msg = format!("failed: [{label}] (item={item}) => {}", self.dump(&shown));
                self.display(&msg, Some(ERROR));
            }
        }
    }

    /// Ansible 2.19 explains each task failure on stderr, pointing at the task.
    fn error_block(&self, task: &TaskInfo, result: &Map) {
        let msg = result
            .get(&Key::from("msg"))
            .map(crate::output::python_repr::python_str)
            .unwrap_or_default();
        let kind = if crate::modules::has_action_plugin(&task.action) {
            "Action"
        } else {
            "Module"
        };
        // A failure without a message (failed_when, until exhausted) reads "Action failed.".
        let headline = result
            .get(&Key::from(crate::modules::ERROR_HEADLINE))
            .and_then(Value::as_str);
        let text = if let Some(h) = headline {
            format!("Task failed: {h}")
        } else if msg.starts_with("Task failed:") {
            msg
        } else if msg.is_empty() {
            "Task failed: Action failed.".to_string()
        } else {
            format!("Task failed: {kind} failed: {msg}")
        };
        self.error_text(task, &text);
    }

    fn error_text(&self, task: &TaskInfo, message: &str) {
        let text =
            crate::output::error_excerpt::error_block(message, &task.file, task.line, task.column);
        let fresh = self
            .errors_shown
            .lock()
            .map(|mut seen| seen.insert(text.clone()))
            .unwrap_or(true);
        if fresh {
            // ansible-playbook prints these on stdout, before the `fatal:` line.
            self.display(&text, Some(ERROR));
        }
    }

    fn warnings(&self, result: &Map) {
        if let Some(Value::List(ws)) = result.get(&Key::from("warnings")) {
            for w in ws {
                self.warning(&crate::output::python_repr::python_str(w));
            }
        }
    }
}

fn no_log(result: &Map) -> bool {
    matches!(
        result.get(&Key::from("_ansible_no_log")),
        Some(Value::Bool(true))
    )
}

/// What a `no_log` result shows: a few bookkeeping keys and the notice, nothing the task
/// returned.
pub fn censor(result: &Map) -> Map {
    const PRESERVE: &[&str] = &["attempts", "changed", "retries", "_ansible_no_log"];
    let mut out: Map = result
        .iter()
        .filter(|(k, _)| k.as_str().is_some_and(|s| PRESERVE.contains(&s)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(Value::List(items)) = result.get(&Key::from("results")) {
        let items = items
            .iter()
            .map(|i| match i {
                Value::Map(m) => Value::Map(censor(m)),
                other => other.clone(),
            })
            .collect();
        out.insert("results".into(), Value::List(items));
    }
    out.insert(
        "censored".into(),
        Value::Str(
            "the output has been hidden due to the fact that 'no_log: true' was specified for this result".into(),
        ),
    );
    out
}

/// Remove `_ansible_*` keys at every level, as `strip_internal_keys` does.
pub fn strip_internal(m: &Map) -> Map {
    m.iter()
        .filter(|(k, _)| !k.as_str().is_some_and(|s| s.starts_with("_ansible_")))
        .map(|(k, v)| (k.clone(), strip_value(v)))
        .collect()
}

fn strip_value(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::Map(strip_internal(m)),
        Value::List(items) => Value::List(items.iter().map(strip_value).collect()),
        other => other.clone(),
    }
}

/// `_clean_results` for the debug module.
fn clean_debug(action: &str, result: &Map) -> Map {
    if action != "debug" {
        return result.clone();
    }
    if result.contains_key(&Key::from("msg")) {
        result
            .iter()
            .filter(|(k, _)| {
                k.as_str()
                    .is_some_and(|s| DEBUG_ALLOWED.contains(&s) || s.starts_with('_'))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    } else {
        result
            .iter()
            .filter(|(k, _)| !k.as_str().is_some_and(|s| HIDE_IN_DEBUG.contains(&s)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// `(item=...)`: the label, or the item, as Python's `str` prints it.
pub fn item_label(result: &Map) -> String {
    if matches!(
        result.get(&Key::from("_ansible_no_log")),
        Some(Value::Bool(true))
    ) {
        return "(censored due to no_log)".to_string();
    }
    let v = result
        .get(&Key::from("_ansible_item_label"))
        .or_else(|| result.get(&Key::from("item")))
        .cloned()
        .unwrap_or(Value::Null);
    crate::output::python_repr::python_str(&v)
}

impl Callback for DefaultCallback {
    fn play_start(&self, name: &str, _check_mode: bool) {
        // Ansible's check_mode_markers option is off by default.
        let mark = "";
        let name = name.trim();
        if name.is_empty() {
            self.banner(&format!("PLAY{mark}"));
        } else {
            self.banner(&format!("PLAY [{name}]{mark}"));
        }
    }

    fn no_hosts_matched(&self) {
        self.display("skipping: no hosts matched", Some(SKIP));
    }

    fn no_hosts_remaining(&self) {
        self.banner("NO MORE HOSTS LEFT");
    }

    fn task_start(&self, task: &TaskInfo) {
        self.print_banner(task);
    }

    fn host_result(
        &self,
        task: &TaskInfo,
        label: &str,
        kind: ResultKind,
        result: &Map,
        ignored: bool,
    ) {
        if no_log(result) {
            // Unlike ansible-core, roller hides a no_log task's error message too.
            let hidden = censor(result);
            if kind == ResultKind::Failed {
                self.error_text(task, "Task failed: the error message is hidden by no_log");
            }
            self.show_host_result(task, label, kind, &hidden, ignored);
        } else {
            if kind == ResultKind::Failed
                && !(task.has_loop && result.contains_key(&Key::from("results")))
            {
                self.error_block(task, result);
            }
            self.show_host_result(task, label, kind, result, ignored);
        }
    }

    fn item_result(&self, task: &TaskInfo, label: &str, kind: ResultKind, result: &Map) {
        let censored = no_log(result).then(|| censor(result));
        self.show_item_result(task, label, kind, censored.as_ref().unwrap_or(result));
    }

    fn retry(&self, task: &TaskInfo, label: &str, result: &Map) {
        let n = |k: &str| match result.get(&Key::from(k)) {
            Some(Value::Int(i)) => *i,
            _ => 0,
        };
        let mut msg = format!(
            "FAILED - RETRYING: [{label}]: {} ({} retries left).",
            task.name,
            n("retries") - n("attempts")
        );
        if self.verbose(result, 2) {
            msg.push_str(&format!("Result was: {}", self.dump(result)));
        }
        self.display(&msg, Some(DEBUG));
    }

    fn included(&self, file: &str, hosts: &[String], item_label: Option<String>) {
        let mut msg = format!("included: {file} for {}", hosts.join(", "));
        if let Some(label) = item_label {
            msg.push_str(&format!(" => (item={label})"));
        }
        self.display(&msg, Some(INCLUDED));
    }

    fn diff(&self, task: &TaskInfo, diff: &Value) {
        let text = crate::output::diff_text::render(diff);
        if !text.is_empty() {
            self.ensure_banner(task);
            // Like Display.display: one newline is added only when the text has none.
            self.display(text.strip_suffix('\n').unwrap_or(&text), None);
        }
    }

    fn notice(&self, text: &str) {
        self.display(text, None);
    }

    fn warning(&self, message: &str) {
        let text = self.paint(&format!("[WARNING]: {message}"), Some(WARN));
        self.write_out(|| {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        });
    }

    fn recap(&self, stats: &Stats, check_mode: bool) {
        self.banner("PLAY RECAP");
        let mut hosts: Vec<&String> = stats.hosts.keys().collect();
        hosts.sort();
        for h in hosts {
            let t = &stats.hosts[h];
            let host_color = if t.failures > 0 || t.unreachable > 0 {
                Some(ERROR)
            } else if t.changed > 0 {
                Some(CHANGED)
            } else {
                Some(OK)
            };
            let host = if self.color {
                format!("{:<37}", self.paint(h, host_color))
            } else {
                format!("{h:<26}")
            };
            let col = |lead: &str, n: u32, color: &str| {
                let s = format!("{lead}={n:<4}");
                if n != 0 {
                    self.paint(&s, Some(color))
                } else {
                    s
                }
            };
            self.display(
                &format!(
                    "{host} : {} {} {} {} {} {} {}",
                    col("ok", t.ok, OK),
                    col("changed", t.changed, CHANGED),
                    col("unreachable", t.unreachable, UNREACHABLE),
                    col("failed", t.failures, ERROR),
                    col("skipped", t.skipped, SKIP),
                    col("rescued", t.rescued, OK),
                    col("ignored", t.ignored, WARN),
                ),
                None,
            );
        }
        self.display("", None);
        let _ = check_mode;
    }

    fn would_run(&self, task: &TaskInfo, label: &str, command: &str) {
        self.ensure_banner(task);
        self.display(&format!("  [{label}] would run: {command}"), Some(SKIP));
    }
}
