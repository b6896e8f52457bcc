//! Issue 8's resume acceptance test: roller's bundled rolling update (`roller roll`) of the
//! lab's three brokers, SIGKILLed twice (while broker2's service is down, just stopped; then while
//! broker3 runs its health check after the start) and resumed with `--resume` each time.
//! From the lab's own records (each host's service and power events, its OS update log):
//! every broker had exactly one service outage and exactly one reboot, never two brokers
//! down at once, and a completed broker is not touched by a resumed run.
//! Needs root (the lab); skips without it.

mod lab_support;
mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lab_support::{Lab, running_as_root, wait_until};
use serde_json::Value as Json;
use support::{Outcome, TempDir, isolated_env, repo_root, roller_bin};

const BROKERS: [&str; 3] = ["broker1.lab.test", "broker2.lab.test", "broker3.lab.test"];

fn roller(env: &[(String, String)], events: &Path, resume: bool, log: &Path) -> Command {
    // `roller roll`: the bundled playbook from inside the binary (the resume state must be
    // found by its identity). This lab has no Kafka: roller's Kafka checks and the
    // controller-last order are off.
    let mut c = Command::new(roller_bin());
    c.args([
        "roll",
        "-i",
        "inventories/lab/hosts.yml",
        "kafka_broker",
        "-e",
        "rolling_update_command='/sbin/huk-server-update --batch --force --no-reboot'",
        "-e",
        "rolling_update_kafka_health=false",
        "-e",
        "rolling_update_controller_last=false",
        "--json-events",
    ])
    .arg(events);
    if resume {
        c.arg("--resume");
    }
    let out = std::fs::File::create(log).unwrap();
    c.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out);
    c
}

fn events(path: &Path) -> Vec<Json> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// SIGKILL CHILD as soon as READY holds (polled every 20 ms, at most 5 minutes); returns
/// its pid.
fn kill_when(mut child: Child, what: &str, mut ready: impl FnMut() -> bool) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !ready() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("roller ended ({status}) before {what}");
        }
        assert!(Instant::now() < deadline, "no {what} in 5 minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL roller");
    let _ = child.wait();
    eprintln!("SIGKILL at: {what}");
    child.id()
}

/// Nothing of the killed roller PID is left: no runtime directory, no SSH master.
fn nothing_left_of(pid: u32) {
    let dir = std::env::temp_dir().join(format!("roller-{pid}"));
    assert!(!dir.exists(), "{} is left", dir.display());
    let ps = Command::new("ps").args(["-eo", "args"]).output().unwrap();
    let ps = String::from_utf8_lossy(&ps.stdout);
    assert!(
        !ps.contains(&dir.display().to_string()),
        "an ssh master of the killed roller is left:\n{ps}"
    );
}

/// The state file the SIGKILLed roller left (issue 9's drill "roller SIGKILLed mid-roll"):
/// whole JSON, still `running`, broker1 done in the rolling play, broker2 in flight there,
/// broker3 not reached; its lock is free (a dead roller's flock does not block `--resume`),
/// and no temporary file of the atomic rewrite is left beside it.
fn state_file_after_kill(dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let json: Vec<&String> = names.iter().filter(|n| n.ends_with(".json")).collect();
    assert_eq!(json.len(), 1, "state files: {names:?}");
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "a temporary state file is left: {names:?}"
    );
    let path = dir.join(json[0]);
    let text = std::fs::read_to_string(&path).unwrap();
    let state: Json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the state file does not parse ({e}):\n{text}"));
    assert_eq!(state["status"], "running", "{text}");
    let play = state["in_flight"]["play"]
        .as_u64()
        .expect("a play in flight");
    let hosts = state["in_flight"]["hosts"].as_object().unwrap();
    assert_eq!(hosts.keys().collect::<Vec<_>>(), [BROKERS[1]], "{text}");
    assert_eq!(
        state["completed"][play.to_string()],
        serde_json::json!([BROKERS[0]]),
        "{text}"
    );
    let lock = std::fs::File::open(path.with_extension("lock")).unwrap();
    assert!(lock.try_lock().is_ok(), "the killed roller's lock is held");
    drop(lock);
}

fn boots(lab: &Lab, host: &str) -> usize {
    lab.events(host)
        .iter()
        .filter(|(_, e, _)| e == "boot")
        .count()
}

fn updates(lab: &Lab, host: &str) -> usize {
    std::fs::read_to_string(lab.host_dir(host).join("state/os-updates.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("huk-server-update"))
        .count()
}

#[test]
fn sigkilled_roll_resumes_and_rolls_every_broker_exactly_once() {
    if !running_as_root("sigkilled_roll_resumes_and_rolls_every_broker_exactly_once") {
        return;
    }
    let scratch = TempDir::new("lab-resume");
    let env = isolated_env(scratch.path(), &[("NO_COLOR", "1")]);
    let mut lab = Lab::up(&["--no-kafka", "--outage", "1"]);
    let boots_before: Vec<usize> = BROKERS.iter().map(|h| boots(&lab, h)).collect();
    let started = Instant::now();

    // 1. Killed while broker2 is out of service: its Confluent service was just stopped.
    let ev1 = scratch.path().join("events1.jsonl");
    let child = roller(&env, &ev1, false, &scratch.path().join("run1.log"))
        .spawn()
        .unwrap();
    let killed1 = kill_when(child, "broker2's service stopped", || {
        !lab.service_outages(BROKERS[1]).is_empty()
    });
    assert_eq!(lab.service_outages(BROKERS[0]).len(), 1);
    assert!(lab.service_outages(BROKERS[2]).is_empty());
    let broker1_events = lab.changes(BROKERS[0]);
    state_file_after_kill(&scratch.path().join(".roller-state"));

    // 2. Resumed, and killed again during broker3's health check after its start.
    let ev2 = scratch.path().join("events2.jsonl");
    let child = roller(&env, &ev2, true, &scratch.path().join("run2.log"))
        .spawn()
        .unwrap();
    let killed2 = kill_when(child, "broker3's health check after the start", || {
        let ev = events(&ev2);
        let at = ev.iter().position(|e| {
            e["event"] == "task_start"
                && e["task"]
                    .as_str()
                    .is_some_and(|t| t.contains("Health check after broker3"))
        });
        at.is_some_and(|i| ev[i..].iter().any(|e| e["event"] == "host_start"))
    });
    let resumed = events(&ev2);
    let broker1_in = |ev: &[Json]| {
        ev.iter().any(|e| {
            e["host"] == BROKERS[0]
                || (e["event"] == "batch_start"
                    && e["hosts"]
                        .as_array()
                        .is_some_and(|h| h.iter().any(|h| h == BROKERS[0])))
        })
    };
    assert!(!broker1_in(&resumed), "the resumed run touched broker1");
    // broker2 continued where it was: it was not stopped again.
    assert_eq!(lab.service_outages(BROKERS[1]).len(), 1);

    // 3. Resumed to the end.
    let ev3 = scratch.path().join("events3.jsonl");
    let log3 = scratch.path().join("run3.log");
    let out: Outcome = roller(&env, &ev3, true, &log3).output().unwrap().into();
    let text = std::fs::read_to_string(&log3).unwrap_or_default();
    assert_eq!(out.code, 0, "the last resume failed:\n{text}");
    assert!(text.contains("in flight: broker3.lab.test"), "{text}");
    // The resumed runs ended the killed rollers' SSH masters and removed their files.
    nothing_left_of(killed1);
    nothing_left_of(killed2);
    eprintln!(
        "roll with two SIGKILLs and two resumes: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The lab's records: one outage and one reboot per broker, one broker down at a time,
    // the OS update before the reboot; broker1 untouched since the first run.
    for (h, before) in BROKERS.iter().zip(&boots_before) {
        assert_eq!(lab.service_outages(h).len(), 1, "{h}: {:?}", lab.events(h));
        assert_eq!(boots(&lab, h), before + 1, "{h}: {:?}", lab.events(h));
        assert!(updates(&lab, h) >= 1, "{h}: no OS update");
        assert!(
            wait_until(Duration::from_secs(5), || lab
                .ssh_ok(h, "systemctl is-active confluent-server")
                == "active"),
            "{h} not active"
        );
    }
    eprintln!(
        "OS updates per broker: {:?}",
        BROKERS.iter().map(|h| updates(&lab, h)).collect::<Vec<_>>()
    );
    assert_eq!(updates(&lab, BROKERS[0]), 1);
    assert_eq!(updates(&lab, BROKERS[2]), 1);
    lab.assert_one_service_down_at_a_time(&BROKERS);
    assert_eq!(
        lab.changes(BROKERS[0]),
        broker1_events,
        "broker1 touched after it completed"
    );
    let last = events(&ev3);
    assert!(!broker1_in(&last));
    assert!(
        last.iter().all(|e| e["host"] != BROKERS[1]),
        "broker2 ran again"
    );
    assert_eq!(lab.down(), "", "lab down left things behind");
}

/// Ctrl-C typed once on a terminal (a pty from `script`) while broker2 reboots: the reboot
/// task runs to its end over SSH (broker2 comes back in a new boot), nothing more starts,
/// exit 99; `--resume` continues broker2 after its reboot and rolls broker3. From the lab's
/// records: one outage and one reboot per broker, one broker down at a time.
#[test]
fn ctrl_c_during_a_reboot_lets_it_finish_then_resume_completes_the_roll() {
    use std::io::{Read, Write};
    if !running_as_root("ctrl_c_during_a_reboot_lets_it_finish_then_resume_completes_the_roll") {
        return;
    }
    let scratch = TempDir::new("lab-ctrl-c");
    let env = isolated_env(scratch.path(), &[("NO_COLOR", "1")]);
    let mut lab = Lab::up(&["--no-kafka", "--outage", "1"]);
    let boots_before: Vec<usize> = BROKERS.iter().map(|h| boots(&lab, h)).collect();
    let line = format!(
        "cd {} && exec {} roll -i inventories/lab/hosts.yml kafka_broker \
         -e \"rolling_update_command='/sbin/huk-server-update --batch --force --no-reboot'\" \
         -e rolling_update_kafka_health=false -e rolling_update_controller_last=false",
        repo_root().display(),
        roller_bin().display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
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
    let deadline = Instant::now() + Duration::from_secs(300);
    while !lab
        .events(BROKERS[1])
        .iter()
        .any(|(_, e, _)| e == "shutdown")
    {
        assert!(Instant::now() < deadline, "broker2 never rebooted");
        std::thread::sleep(Duration::from_millis(20));
    }
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
    assert!(after.contains("changed: [broker2.lab.test]"), "{screen}");
    assert!(
        !screen.contains("FAILED") && !screen.contains("UNREACHABLE"),
        "{screen}"
    );
    assert_eq!(
        boots(&lab, BROKERS[1]),
        boots_before[1] + 1,
        "broker2's reboot did not finish"
    );
    assert!(
        lab.service_outages(BROKERS[2]).is_empty(),
        "broker3 was touched"
    );

    let ev = scratch.path().join("events.jsonl");
    let log = scratch.path().join("resume.log");
    let out: Outcome = roller(&env, &ev, true, &log).output().unwrap().into();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(out.code, 0, "the resume failed:\n{text}");
    assert!(
        text.contains("broker2.lab.test (at: after rolling_update : Reboot)"),
        "{text}"
    );
    for (h, before) in BROKERS.iter().zip(&boots_before) {
        assert_eq!(lab.service_outages(h).len(), 1, "{h}: {:?}", lab.events(h));
        assert_eq!(boots(&lab, h), before + 1, "{h}: {:?}", lab.events(h));
        assert_eq!(updates(&lab, h), 1, "{h}");
    }
    lab.assert_one_service_down_at_a_time(&BROKERS);
    assert_eq!(lab.down(), "", "lab down left things behind");
}
