//! `--junit FILE`: the run as a JUnit XML report, for Jenkins' JUnit plugin (and GitLab,
//! Azure DevOps...). One `<testsuite>` per play, one `<testcase>` per host × task:
//! `classname` is the host (Jenkins groups test cases by it, so each host reads as a class),
//! `name` the task. Failed and unreachable results are `<failure>` with the result's
//! message (type `failed` or `unreachable`) and the result as JSON in the body; skipped
//! results are `<skipped/>`; failures that `ignore_errors` ignored pass and say so in
//! `<system-out>`. `no_log` results are censored. The file is written when the run ends
//! (also after Ctrl-C), through a temporary file renamed over it.
//!
//! The shape follows the junit-10.xsd schema of Jenkins' xUnit plugin (the tests validate
//! against it): times in seconds with at most three decimals, no `<error>` elements.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use super::callback::{Callback, ResultKind, RunInfo, TaskInfo};
use super::report_result::{host_of, is_no_log, message, public_result};
use crate::exec::stats::Stats;
use crate::vars::{Map, Value};

pub struct JunitReport {
    path: PathBuf,
    inner: Mutex<Inner>,
}

struct Case {
    host: String,
    task: String,
    time: f64,
    kind: ResultKind,
    ignored: bool,
    message: String,
    details: String,
}

struct Suite {
    name: String,
    started: SystemTime,
    clock: Instant,
    time: f64,
    cases: Vec<Case>,
}

#[derive(Default)]
struct Inner {
    run_name: String,
    started: Option<Instant>,
    suites: Vec<Suite>,
    task_started: std::collections::HashMap<usize, Instant>,
    host_started: std::collections::HashMap<(usize, String), Instant>,
}

impl JunitReport {
    /// Checks now that FILE can be written, so a bad path fails before the run starts.
    pub fn create(path: &Path) -> io::Result<Self> {
        std::fs::write(path, "")?;
        Ok(JunitReport {
            path: path.to_path_buf(),
            inner: Mutex::new(Inner::default()),
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut inner)
    }
}

/// Text for XML attributes and character data: the five entities escaped, newlines and tabs
/// kept as character references in attributes, characters XML 1.0 forbids replaced.
pub fn xml_escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn seconds(s: f64) -> String {
    format!("{:.3}", s.max(0.0))
}

impl Inner {
    fn render(&self) -> String {
        let all: Vec<&Case> = self.suites.iter().flat_map(|s| &s.cases).collect();
        let failures = all.iter().filter(|c| c.is_failure()).count();
        let total_time = self.started.map_or(0.0, |t| t.elapsed().as_secs_f64());
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.push_str(&format!(
            "<testsuites name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{}\">\n",
            xml_escape(&self.run_name, true),
            all.len(),
            seconds(total_time)
        ));
        for (n, s) in self.suites.iter().enumerate() {
            let failures = s.cases.iter().filter(|c| c.is_failure()).count();
            let skipped = s
                .cases
                .iter()
                .filter(|c| c.kind == ResultKind::Skipped)
                .count();
            x.push_str(&format!(
                "  <testsuite name=\"{}\" id=\"{n}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{}\" timestamp=\"{}\">\n",
                xml_escape(&s.name, true),
                s.cases.len(),
                seconds(s.time),
                super::clock::rfc3339(s.started),
            ));
            for c in &s.cases {
                x.push_str(&format!(
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"",
                    xml_escape(&c.host, true),
                    xml_escape(&c.task, true),
                    seconds(c.time)
                ));
                let body = match c.kind {
                    ResultKind::Failed if !c.ignored => Some(format!(
                        "      <failure type=\"failed\" message=\"{}\">{}</failure>\n",
                        xml_escape(&c.message, true),
                        xml_escape(&c.details, false)
                    )),
                    ResultKind::Unreachable if !c.ignored => Some(format!(
                        "      <failure type=\"unreachable\" message=\"{}\">{}</failure>\n",
                        xml_escape(&c.message, true),
                        xml_escape(&c.details, false)
                    )),
                    ResultKind::Skipped => Some(format!(
                        "      <skipped message=\"{}\"/>\n",
                        xml_escape(&c.message, true)
                    )),
                    ResultKind::Failed | ResultKind::Unreachable => Some(format!(
                        "      <system-out>{}</system-out>\n",
                        xml_escape(
                            &format!("ignored failure: {}\n{}", c.message, c.details),
                            false
                        )
                    )),
                    ResultKind::Ok | ResultKind::Changed => None,
                };
                match body {
                    Some(b) => x.push_str(&format!(">\n{b}    </testcase>\n")),
                    None => x.push_str("/>\n"),
                }
            }
            x.push_str("  </testsuite>\n");
        }
        x.push_str("</testsuites>\n");
        x
    }
}

impl Case {
    fn is_failure(&self) -> bool {
        matches!(self.kind, ResultKind::Failed | ResultKind::Unreachable) && !self.ignored
    }
}

/// Writes TEXT to PATH through a temporary file beside it, renamed over PATH.
pub fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

impl Callback for JunitReport {
    fn run_start(&self, run: &RunInfo) {
        self.with(|i| {
            i.started = Some(Instant::now());
            i.run_name = run.playbooks.join(" ");
        });
    }

    fn play_begin(&self, _index: usize, name: &str, _hosts: &[String]) {
        self.with(|i| {
            i.suites.push(Suite {
                name: name.to_string(),
                started: SystemTime::now(),
                clock: Instant::now(),
                time: 0.0,
                cases: Vec::new(),
            })
        });
    }

    fn play_end(&self, _index: usize) {
        self.with(|i| {
            if let Some(s) = i.suites.last_mut() {
                s.time = s.clock.elapsed().as_secs_f64();
            }
        });
    }

    fn task_start(&self, task: &TaskInfo) {
        self.with(|i| i.task_started.insert(task.id, Instant::now()));
    }

    fn host_start(&self, task: &TaskInfo, host: &str) {
        self.with(|i| {
            i.host_started
                .insert((task.id, host.to_string()), Instant::now())
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
            let host = host_of(label).to_string();
            let since = i
                .host_started
                .remove(&(task.id, host.clone()))
                .or_else(|| i.task_started.get(&task.id).copied());
            let shown = public_result(result);
            let message = if is_no_log(result) {
                "the output has been hidden due to the fact that 'no_log: true' was specified for this result".to_string()
            } else {
                let m = message(result);
                if m.is_empty() {
                    result
                        .get(&crate::vars::Key::from("skip_reason"))
                        .map(crate::output::python_repr::python_str)
                        .unwrap_or_default()
                } else {
                    m
                }
            };
            let case = Case {
                host,
                task: task.name.clone(),
                time: since.map_or(0.0, |t| t.elapsed().as_secs_f64()),
                kind,
                ignored,
                message,
                details: crate::output::json::to_python_json(
                    &Value::Map(shown),
                    crate::output::json::UnsafeStrings::Plain,
                ),
            };
            if i.suites.is_empty() {
                i.suites.push(Suite {
                    name: String::new(),
                    started: SystemTime::now(),
                    clock: Instant::now(),
                    time: 0.0,
                    cases: Vec::new(),
                });
            }
            if let Some(s) = i.suites.last_mut() {
                s.cases.push(case);
            }
        });
    }

    fn run_end(&self, _stats: &Stats, _code: i32) {
        let text = self.with(|i| {
            if let Some(s) = i.suites.last_mut()
                && s.time == 0.0
            {
                s.time = s.clock.elapsed().as_secs_f64();
            }
            i.render()
        });
        if let Err(e) = write_atomically(&self.path, &text) {
            eprintln!(
                "[WARNING]: --junit: cannot write {}: {e}",
                self.path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_xml_forbids() {
        assert_eq!(
            xml_escape("a<b & \"c\"\n", true),
            "a&lt;b &amp; &quot;c&quot;&#10;"
        );
        assert_eq!(xml_escape("x\u{1}y\n", false), "x\u{FFFD}y\n");
    }
}
