//! `--junit`, `--json-events` and `--metrics-file` checked with real validators: the JUnit
//! file against junit-10.xsd (the schema of Jenkins' xUnit plugin, from pytest's sdist) with
//! xmlschema, the metrics file with `promtool check metrics` (Debian's prometheus package),
//! the JSON events line by line with serde_json (complete, balanced stream). The validators
//! are installed by tests/setup_report_tools.sh. No file may contain a no_log secret.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value as Json;
use support::{Outcome, TempDir, isolated_env, repo_root, roller_bin};

const SECRET: &str = "s3cret-value-42";

fn tools() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let status = Command::new("bash")
                .arg(repo_root().join("tests/setup_report_tools.sh"))
                .status()
                .expect("run tests/setup_report_tools.sh");
            assert!(status.success(), "tests/setup_report_tools.sh failed");
            repo_root().join("target/report-tools")
        })
        .clone()
}

const INVENTORY: &str = "all:
  hosts:
    h1: {}
    h2: {}
    h3: {}
  vars:
    ansible_connection: local
";

/// Three hosts in batches of two; a no_log task that prints a secret, a failure on h2, an
/// ignored failure, a skipped task, names that need escaping in XML and label values.
const PLAYBOOK: &str = r#"- name: Roll "demo" <&> play
  hosts: all
  gather_facts: false
  serial: 2
  tasks:
    - name: say hi
      debug:
        msg: "hi from {{ inventory_hostname }}"
    - name: secret task
      command: echo s3cret-value-42
      no_log: true
      changed_when: false
    - name: fails on h2 & says "why"
      command: "false"
      when: inventory_hostname == 'h2'
    - name: ignored failure
      command: "false"
      ignore_errors: true
- name: second play
  hosts: h1
  gather_facts: false
  tasks:
    - name: changes
      command: "true"
"#;

struct Run {
    out: Outcome,
    junit: PathBuf,
    events: PathBuf,
    metrics: PathBuf,
    _dir: TempDir,
}

fn run_reports() -> Run {
    let dir = TempDir::new("reports");
    let d = dir.path();
    std::fs::write(d.join("hosts.yml"), INVENTORY).unwrap();
    std::fs::write(d.join("play.yml"), PLAYBOOK).unwrap();
    let (junit, events, metrics) = (
        d.join("report.xml"),
        d.join("events.jsonl"),
        d.join("roller.prom"),
    );
    let out: Outcome = Command::new(roller_bin())
        .args(["playbook", "-i", "hosts.yml", "play.yml", "--junit"])
        .arg(&junit)
        .arg("--json-events")
        .arg(&events)
        .arg("--metrics-file")
        .arg(&metrics)
        .arg("--log-file")
        .arg(d.join("roller.log"))
        .envs(isolated_env(d, &[]))
        .current_dir(d)
        .output()
        .expect("run roller")
        .into();
    assert_eq!(out.code, 2, "h2 fails:\n{}\n{}", out.stdout, out.stderr);
    Run {
        out,
        junit,
        events,
        metrics,
        _dir: dir,
    }
}

fn no_secret(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        !text.contains(SECRET),
        "{} leaks the no_log output",
        path.display()
    );
}

#[test]
fn junit_report_is_valid_for_jenkins_and_has_a_case_per_host_and_task() {
    let run = run_reports();
    no_secret(&run.junit);
    let tools = tools();
    let check = Command::new(repo_root().join(".venv/bin/python"))
        .args([
            "-c",
            "import sys, xmlschema\nxmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])",
        ])
        .arg(tools.join("junit-10.xsd"))
        .arg(&run.junit)
        .output()
        .expect("run xmlschema");
    let xml = std::fs::read_to_string(&run.junit).unwrap();
    assert!(
        check.status.success(),
        "not valid against junit-10.xsd: {}\n{xml}",
        String::from_utf8_lossy(&check.stderr)
    );
    // 3 hosts x 4 tasks in the first play but h2 stops at its failure; 1 in the second.
    assert_eq!(xml.matches("<testcase ").count(), 12, "{xml}");
    assert!(xml.contains(r#"<testsuites name="play.yml" tests="12" failures="1" errors="0""#));
    assert!(
        xml.contains(r#"<testcase classname="h2" name="fails on h2 &amp; says &quot;why&quot;""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<failure type="failed" message="non-zero return code">"#),
        "{xml}"
    );
    assert_eq!(xml.matches("<skipped ").count(), 2, "{xml}");
    assert!(xml.contains(r#"<testcase classname="h3" name="secret task""#));
    // The validator does reject what Jenkins' schema does not allow.
    let bad = run.junit.with_file_name("bad.xml");
    std::fs::write(&bad, "<testsuites><testsuite name=\"x\"/></testsuites>").unwrap();
    let rejected = Command::new(repo_root().join(".venv/bin/python"))
        .args([
            "-c",
            "import sys, xmlschema\nxmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])",
        ])
        .arg(tools.join("junit-10.xsd"))
        .arg(&bad)
        .output()
        .expect("run xmlschema");
    assert!(
        !rejected.status.success(),
        "a suite without tests/failures passed"
    );
    assert!(run.out.stdout.contains("PLAY RECAP"));
}

#[test]
fn log_file_has_the_run_and_no_secret() {
    let run = run_reports();
    let log = run.junit.with_file_name("roller.log");
    no_secret(&log);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("run start") && text.contains("run end"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("WARN") && l.contains("host=\"h2\"") && l.contains("failed")),
        "{text}"
    );
    assert!(!run.out.stderr.contains("run start"), "logs went to stderr");
}

#[test]
fn json_events_stream_is_complete_and_every_line_parses() {
    let run = run_reports();
    no_secret(&run.events);
    let text = std::fs::read_to_string(&run.events).unwrap();
    let events: Vec<Json> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let kind = |e: &Json| e["event"].as_str().unwrap_or_default().to_string();
    assert_eq!(kind(&events[0]), "run_start");
    assert_eq!(kind(events.last().unwrap()), "run_end");
    assert_eq!(events.last().unwrap()["exit_code"], 2);
    // Every start has its end, properly nested for plays, batches and tasks.
    let mut open: Vec<String> = Vec::new();
    let mut hosts: HashMap<(u64, String), usize> = HashMap::new();
    for e in &events {
        let k = kind(e);
        assert!(e["time"].is_string() && e["elapsed"].is_number(), "{e}");
        match k.as_str() {
            "play_start" | "batch_start" | "task_start" => open.push(k.replace("_start", "")),
            "play_end" | "batch_end" | "task_end" => {
                assert_eq!(open.pop(), Some(k.replace("_end", "")), "unbalanced at {e}");
                assert!(e["duration"].is_number(), "{e}");
            }
            "host_start" => {
                *hosts
                    .entry((e["task_id"].as_u64().unwrap(), e["host"].to_string()))
                    .or_default() += 1;
            }
            "host_end" => {
                let key = (e["task_id"].as_u64().unwrap(), e["host"].to_string());
                let n = hosts
                    .get_mut(&key)
                    .unwrap_or_else(|| panic!("no start: {e}"));
                *n -= 1;
                assert!(e["status"].is_string() && e["result"].is_object(), "{e}");
            }
            _ => {}
        }
    }
    assert!(open.is_empty(), "not closed: {open:?}");
    assert!(hosts.values().all(|n| *n == 0), "{hosts:?}");
    let count = |k: &str| events.iter().filter(|e| kind(e) == k).count();
    assert_eq!(count("play_start"), 2);
    assert_eq!(count("batch_start"), 3);
    assert_eq!(count("host_end"), 12);
    let failed: Vec<&Json> = events
        .iter()
        .filter(|e| kind(e) == "host_end" && e["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["host"], "h2");
    let secret = events
        .iter()
        .find(|e| kind(e) == "host_end" && e["task"] == "secret task")
        .unwrap();
    assert!(secret["result"]["censored"].is_string(), "{secret}");
}

#[test]
fn metrics_file_passes_promtool() {
    let run = run_reports();
    no_secret(&run.metrics);
    let check = Command::new(tools().join("promtool"))
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&run.metrics).unwrap())
        .output()
        .expect("run promtool");
    let text = std::fs::read_to_string(&run.metrics).unwrap();
    assert!(
        check.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    for line in [
        "roller_hosts{status=\"ok\"} 2",
        "roller_hosts{status=\"failed\"} 1",
        "roller_hosts{status=\"unreachable\"} 0",
        "roller_run_exit_code 2",
        "roller_host_results{host=\"h2\",result=\"failed\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
    assert!(text.contains("roller_run_duration_seconds "));
    assert!(text.contains(
        "roller_task_duration_seconds{play=\"Roll \\\"demo\\\" <&> play\",task=\"say hi\"}"
    ));
}

/// The JSON events are written as they happen: while a task runs, its start is in the file
/// and the run's end is not.
#[test]
fn json_events_are_streamed_while_the_run_goes() {
    let dir = TempDir::new("reports-stream");
    let d = dir.path();
    std::fs::write(d.join("hosts.yml"), INVENTORY).unwrap();
    std::fs::write(
        d.join("slow.yml"),
        "- hosts: h1\n  gather_facts: false\n  tasks:\n    - name: slow\n      command: sleep 2\n",
    )
    .unwrap();
    let events = d.join("events.jsonl");
    let mut child = Command::new(roller_bin())
        .args(["playbook", "-i", "hosts.yml", "slow.yml", "--json-events"])
        .arg(&events)
        .envs(isolated_env(d, &[]))
        .current_dir(d)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run roller");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = String::new();
    while !seen.contains("\"host_start\"") {
        assert!(
            std::time::Instant::now() < deadline,
            "no host_start: {seen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
        seen = std::fs::read_to_string(&events).unwrap_or_default();
    }
    assert!(seen.contains("\"task\":\"slow\""), "{seen}");
    assert!(!seen.contains("run_end"), "{seen}");
    assert!(seen.ends_with('\n'), "a partial line: {seen}");
    assert!(child.wait().unwrap().success());
    assert!(
        std::fs::read_to_string(&events)
            .unwrap()
            .contains("run_end")
    );
}
