//! `--resume` and Ctrl-C over the local connection: a 3-host serial roll whose hosts log
//! their "stop" and "start" (each host's own log file), interrupted with SIGKILL, one
//! Ctrl-C and two Ctrl-C, then resumed: every host stopped and started exactly once, the
//! host in flight continues at its task, completed hosts are not run again.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Outcome, TempDir, isolated_env, roller_bin};

const INVENTORY: &str = "all:
  hosts:
    h1: {}
    h2: {}
    h3: {}
  vars:
    ansible_connection: local
";

/// As the bundled rolling update: a first play that sets the roll order with add_host (the
/// resumed run skips it, its hosts completed, and must still have the group).
const PLAYBOOK: &str = r#"- name: roll order
  hosts: all
  gather_facts: false
  tasks:
    - name: order
      add_host:
        name: "{{ item }}"
        groups: roll_order
      loop: "{{ ansible_play_hosts }}"
      changed_when: false
- name: local roll
  hosts: roll_order
  gather_facts: false
  serial: 1
  tasks:
    - name: gate
      command: "true"
    - name: stop
      shell: echo stop >> logs/{{ inventory_hostname }}.log
    - name: work
      command: sleep 2
    - name: start
      shell: echo start >> logs/{{ inventory_hostname }}.log
"#;

fn setup(label: &str) -> TempDir {
    let dir = TempDir::new(label);
    std::fs::write(dir.path().join("hosts.yml"), INVENTORY).unwrap();
    std::fs::write(dir.path().join("roll.yml"), PLAYBOOK).unwrap();
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    dir
}

fn roller(dir: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(roller_bin());
    c.args(["playbook", "-i", "hosts.yml", "roll.yml"])
        .args(extra)
        .envs(isolated_env(dir, &[]))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn host_log(dir: &Path, host: &str) -> String {
    std::fs::read_to_string(dir.join("logs").join(format!("{host}.log"))).unwrap_or_default()
}

/// Starts the roll and waits until h2 has been stopped (it is then in its 2 s "work").
fn start_until_h2_stopped(dir: &Path) -> Child {
    let child = roller(dir, &[]).spawn().expect("start roller");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !host_log(dir, "h2").contains("stop") {
        assert!(Instant::now() < deadline, "h2 never stopped");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    child
}

fn sigint(child: &Child) {
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(ok.success());
}

fn resume(dir: &Path) -> Outcome {
    let out: Outcome = roller(dir, &["--resume"]).output().expect("resume").into();
    assert_eq!(
        out.code, 0,
        "resume failed:\n{}\n{}",
        out.stdout, out.stderr
    );
    out
}

/// The tasks HOST ran, from the output.
fn tasks_of<'a>(stdout: &'a str, host: &str) -> Vec<&'a str> {
    stdout
        .split("TASK [")
        .filter(|t| t.contains(&format!("[{host}]")))
        .filter_map(|t| t.split(']').next())
        .collect()
}

/// Every host stopped and started exactly once, in order.
fn rolled_once(dir: &Path) {
    for h in ["h1", "h2", "h3"] {
        assert_eq!(host_log(dir, h), "stop\nstart\n", "{h}");
    }
}

fn state(dir: &Path) -> serde_json::Value {
    let states: Vec<_> = std::fs::read_dir(dir.join(".roller-state"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(states.len(), 1, "{states:?}");
    serde_json::from_str(&std::fs::read_to_string(states[0].path()).unwrap()).unwrap()
}

#[test]
fn sigkill_then_resume_rolls_every_host_once() {
    let dir = setup("resume-kill");
    let d = dir.path();
    let mut child = start_until_h2_stopped(d);
    child.kill().expect("SIGKILL roller");
    let _ = child.wait();
    let s = state(d);
    assert_eq!(s["status"], "running", "{s}");
    assert_eq!(
        s["completed"]["0"],
        serde_json::json!(["h1", "h2", "h3"]),
        "{s}"
    );
    assert_eq!(s["completed"]["1"], serde_json::json!(["h1"]), "{s}");
    assert_eq!(
        s["inventory_changes"].as_array().map(Vec::len),
        Some(3),
        "{s}"
    );
    assert_eq!(s["in_flight"]["hosts"]["h2"]["task"], "work", "{s}");
    let out = resume(d);
    assert!(
        out.stderr.contains("resuming") && out.stderr.contains("h2 (at: work)"),
        "{}",
        out.stderr
    );
    // h1 is not run again; h2 continues at its task in flight.
    assert!(!out.stdout.contains("[h1]"), "{}", out.stdout);
    assert_eq!(
        tasks_of(&out.stdout, "h2"),
        ["work", "start"],
        "{}",
        out.stdout
    );
    rolled_once(d);
    let s = state(d);
    assert_eq!(s["status"], "finished");
    assert_eq!(s["completed"]["1"], serde_json::json!(["h1", "h2", "h3"]));
    // Nothing left to resume.
    let again: Outcome = roller(d, &["--resume"]).output().unwrap().into();
    assert_eq!(again.code, 0);
    assert!(
        again.stderr.contains("nothing to resume"),
        "{}",
        again.stderr
    );
    rolled_once(d);
}

#[test]
fn one_ctrl_c_finishes_the_task_and_stops_cleanly() {
    let dir = setup("resume-int");
    let d = dir.path();
    let child = start_until_h2_stopped(d);
    sigint(&child);
    let out: Outcome = child.wait_with_output().unwrap().into();
    assert_eq!(out.code, 99, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("stopping after the current task"));
    // h2's work finished; nothing after it ran.
    assert!(out.stdout.contains("TASK [work]") && out.stdout.contains("changed: [h2]"));
    assert!(out.stdout.contains("PLAY RECAP"));
    assert_eq!(host_log(d, "h2"), "stop\n");
    assert_eq!(host_log(d, "h3"), "");
    let s = state(d);
    assert_eq!(s["status"], "interrupted");
    assert_eq!(s["in_flight"]["hosts"]["h2"]["task"], "after work", "{s}");
    let out = resume(d);
    assert_eq!(tasks_of(&out.stdout, "h2"), ["start"], "{}", out.stdout);
    assert!(!out.stdout.contains("[h1]"), "{}", out.stdout);
    rolled_once(d);
}

#[test]
fn a_second_ctrl_c_aborts_at_once() {
    let dir = setup("resume-int2");
    let d = dir.path();
    let child = start_until_h2_stopped(d);
    let t = Instant::now();
    sigint(&child);
    std::thread::sleep(Duration::from_millis(200));
    sigint(&child);
    let out: Outcome = child.wait_with_output().unwrap().into();
    assert_eq!(out.code, 99, "{}\n{}", out.stdout, out.stderr);
    // The 2 s task did not run to its end.
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(state(d)["status"], "interrupted");
    resume(d);
    rolled_once(d);
}

#[test]
fn resume_without_a_previous_run_fails() {
    let dir = setup("resume-none");
    let out: Outcome = roller(dir.path(), &["--resume"]).output().unwrap().into();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("no run to resume"), "{}", out.stderr);
}

#[test]
fn check_mode_keeps_no_state() {
    let dir = setup("resume-check");
    let out: Outcome = roller(dir.path(), &["--check"]).output().unwrap().into();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!dir.path().join(".roller-state").exists());
}

/// On a terminal (a pty from util-linux's `script`), Ctrl-C typed once (the terminal's
/// SIGINT to its foreground group) reaches roller alone: the task under way finishes on h2
/// (its `sleep` is not killed), then the run stops. Without roller's relay the terminal's
/// SIGINT would kill the command too and fail the task.
#[test]
fn ctrl_c_on_a_terminal_lets_the_command_under_way_finish() {
    use std::io::{Read, Write};
    let dir = setup("resume-tty");
    let d = dir.path();
    let line = format!(
        "cd {} && exec {} playbook -i hosts.yml roll.yml",
        d.display(),
        roller_bin().display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .envs(isolated_env(d, &[("NO_COLOR", "1")]))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script(1)");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = stdout.read_to_end(&mut all);
        String::from_utf8_lossy(&all).into_owned()
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while !host_log(d, "h2").contains("stop") {
        assert!(Instant::now() < deadline, "h2 never stopped");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\x03").expect("type Ctrl-C");
    stdin.flush().unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    let screen = reader.join().unwrap();
    assert_eq!(status.code(), Some(99), "{screen}");
    let after = screen
        .split("stopping after the current task")
        .nth(1)
        .unwrap_or_else(|| panic!("no stop notice:\n{screen}"));
    assert!(after.contains("changed: [h2]"), "{screen}");
    assert!(!screen.contains("FAILED"), "{screen}");
    assert_eq!(host_log(d, "h3"), "");
    assert_eq!(state(d)["in_flight"]["hosts"]["h2"]["task"], "after work");
    resume(d);
    rolled_once(d);
}

#[test]
fn sigterm_aborts_writes_the_reports_and_the_state() {
    let dir = setup("resume-term");
    let d = dir.path();
    let junit = d.join("report.xml");
    let child = roller(d, &["--junit", junit.to_str().unwrap()])
        .spawn()
        .expect("start roller");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !host_log(d, "h2").contains("stop") {
        assert!(Instant::now() < deadline, "h2 never stopped");
        std::thread::sleep(Duration::from_millis(50));
    }
    let t = Instant::now();
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let out: Outcome = child.wait_with_output().unwrap().into();
    assert_eq!(out.code, 143, "{}\n{}", out.stdout, out.stderr);
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    assert!(
        out.stderr.contains("terminated (SIGTERM)"),
        "{}",
        out.stderr
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<testcase classname="h1" name="start""#),
        "{xml}"
    );
    assert_eq!(state(d)["status"], "interrupted");
    resume(d);
    rolled_once(d);
}
