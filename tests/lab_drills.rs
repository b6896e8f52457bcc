//! Issue 9's resilience drills: one test per drill, each inducing one fault in the lab
//! (docs/lab.md "Faults") during a roll with roller's bundled playbooks/rolling_update.yml,
//! or feeding roller a broken playbook, and asserting what the operator gets: where the
//! roll stops, which hosts were touched (from the lab's own event records, not from
//! roller), the exit code (ansible-playbook's), and the message. docs/drills.md explains
//! each drill from the operator's side. The lab drills need root and skip without it.
//!
//! Kept short: small timeouts (reboot_timeout, Kafka waits, a 1 s outage), a lab per drill
//! (`lab up` takes 2 to 3 s; a shared lab would have to be repaired between drills).

mod lab_support;
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lab_support::{Lab, kadmin, lab_command, run_lab, running_as_root, wait_until};
use support::conformance::parse;
use support::{Outcome, TempDir, isolated_env, repo_root, roller_bin, venv};

const BROKERS: [&str; 3] = ["broker1.lab.test", "broker2.lab.test", "broker3.lab.test"];

/// The bundled roll's variables for a lab without Kafka: the plain health check only.
const NO_KAFKA: &[&str] = &[
    "-e",
    "rolling_update_kafka_health=false",
    "-e",
    "rolling_update_controller_last=false",
];

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// roller's bundled rolling update over the lab's brokers with EXTRA arguments.
fn bundled_roll_command(extra: &[&str]) -> Command {
    let mut cmd = Command::new(roller_bin());
    cmd.args(["playbook", "-i", "inventories/lab/hosts.yml"])
        .arg("playbooks/rolling_update.yml")
        .args(extra)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs the bundled roll to its end: what it printed, and how long it took.
fn bundled_roll(extra: &[&str]) -> (Outcome, Duration) {
    let started = Instant::now();
    let out: Outcome = bundled_roll_command(extra).output().unwrap().into();
    (out, started.elapsed())
}

/// The same, with roller's resume state in STATE_DIR (the drill's own).
fn bundled_roll_with_state(state_dir: &str, extra: &[&str]) -> (Outcome, Duration) {
    let started = Instant::now();
    let out: Outcome = bundled_roll_command(extra)
        .env("ROLLER_STATE_DIR", state_dir)
        .output()
        .unwrap()
        .into();
    (out, started.elapsed())
}

fn show(o: &Outcome) -> String {
    format!(
        "exit {}\n{}\n--- stderr ---\n{}",
        o.code, o.stdout, o.stderr
    )
}

/// No panic, whatever happened. Prints the failures, for the drill's record.
fn no_panic(o: &Outcome) {
    for line in o.stdout.lines().filter(|l| l.starts_with("fatal: ")) {
        eprintln!("  {line}");
    }
    assert!(
        !o.stderr.contains("panicked") && !o.stdout.contains("panicked"),
        "roller panicked:\n{}",
        show(o)
    );
}

/// The lab's records of HOST since SINCE (ms): power and service events.
fn events_since(lab: &Lab, host: &str, since: u64) -> Vec<String> {
    lab.changes(host)
        .into_iter()
        .filter(|(at, _, _)| *at >= since)
        .map(|(_, e, d)| format!("{e} {d}").trim().to_string())
        .collect()
}

/// HOST was left alone since SINCE: no event, same boot, service running.
fn untouched(lab: &Lab, host: &str, since: u64, boot_id: &str, out: &Outcome) {
    assert_eq!(
        events_since(lab, host, since),
        Vec::<String>::new(),
        "{host} was touched:\n{}",
        show(out)
    );
    assert_eq!(lab.boot_id(host), boot_id, "{host} rebooted");
    assert_eq!(
        lab.ssh_ok(host, "systemctl is-active confluent-server"),
        "active"
    );
}

fn rolled(lab: &Lab, host: &str, since: u64, boot_id: &str) {
    let events = events_since(lab, host, since);
    assert!(
        events.iter().any(|e| e.starts_with("service-stopped"))
            && events.iter().any(|e| e.starts_with("boot")),
        "{host} was not rolled: {events:?}"
    );
    assert_ne!(lab.boot_id(host), boot_id, "{host} not rebooted");
}

/// `lab up` (after the machine-wide lab lock, which other lab tests may hold for minutes),
/// and when the drill itself started.
fn lab_up(args: &[&str]) -> (Lab, Instant) {
    let lab = Lab::up(args);
    eprintln!("lab up in {:.1} s", lab.up_took.as_secs_f64());
    (lab, Instant::now())
}

/// `lab down`, which must leave nothing behind; prints how long the drill took.
fn lab_down(lab: &mut Lab, started: Instant) {
    eprintln!(
        "drill took {:.1} s (lab up to lab down)",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(lab.down(), "", "lab down left things behind");
}

fn boots(lab: &Lab) -> Vec<String> {
    BROKERS.iter().map(|h| lab.boot_id(h)).collect()
}

/// Whether COMMAND (a pgrep -f pattern) runs on HOST, seen inside the host without SSH.
fn runs_on(host: &str, pattern: &str) -> bool {
    lab_command(&["exec", host, "pgrep", "-f", pattern])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The brokers a Kafka client sees (the lab's own client, `roller-lab-kafka metadata`).
fn live_brokers() -> Vec<i64> {
    let dir = lab_support::lab_dir().join("kafka");
    let out = Command::new(dir.join("roller-lab-kafka"))
        .arg("metadata")
        .arg(lab_support::read_trimmed(&dir.join("bootstrap")))
        .output()
        .unwrap();
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    seen.get("brokers")
        .and_then(|b| b.as_array())
        .map(|b| b.iter().filter_map(|v| v.as_i64()).collect())
        .unwrap_or_default()
}

/// Drill: the health check fails after host 2 of 3. The roll halts at host 2 (exit 2) and
/// host 3 is never touched. Once broker 2 is healthy again, `--resume` continues at broker
/// 2's failed health check (broker 1 is not touched again, broker 2 is not stopped again)
/// and rolls broker 3: exit 0.
#[test]
fn drill_health_check_fails_after_host_2() {
    if !running_as_root("drill_health_check_fails_after_host_2") {
        return;
    }
    let scratch = TempDir::new("drill-health-resume");
    let state = scratch.path().join("state");
    let state = state.to_str().unwrap();
    let (mut lab, started) = lab_up(&["--outage", "1", "--no-kdc"]);
    let before = boots(&lab);
    // broker2's next start never rejoins the in-sync replicas.
    run_lab(&["unhealthy", BROKERS[1]]);
    let t0 = now_ms();
    let roll_args = ["-e", "rolling_update_kafka_healthy_timeout=5"];
    let (out, took) = bundled_roll_with_state(state, &roll_args);
    eprintln!("halted after {:.1} s", took.as_secs_f64());
    no_panic(&out);
    assert_eq!(out.code, 2, "{}", show(&out));
    assert!(
        out.stdout.contains("Kafka cluster unhealthy"),
        "{}",
        show(&out)
    );
    assert!(
        out.stdout.contains("brokers not registered: 2"),
        "{}",
        show(&out)
    );
    rolled(&lab, BROKERS[0], t0, &before[0]);
    rolled(&lab, BROKERS[1], t0, &before[1]);
    untouched(&lab, BROKERS[2], t0, &before[2], &out);
    let recap = parse(&out.stdout).recap.join("\n");
    assert!(
        recap.contains("broker2.lab.test") && recap.contains("failed=1"),
        "{recap}"
    );
    // broker3's batch never started: it ran no task, so it is not in the recap.
    assert!(!recap.contains("broker3.lab.test"), "{recap}");

    // The operator brings broker 2 back in sync, then resumes the same roll.
    run_lab(&["heal", BROKERS[1], "unhealthy"]);
    let t1 = now_ms();
    let broker2_boot = lab.boot_id(BROKERS[1]);
    let mut resume_args = roll_args.to_vec();
    resume_args.push("--resume");
    let (out, took) = bundled_roll_with_state(state, &resume_args);
    eprintln!("resumed roll: {:.1} s", took.as_secs_f64());
    no_panic(&out);
    assert_eq!(out.code, 0, "{}", show(&out));
    assert!(
        out.stderr.contains("in flight: broker2.lab.test"),
        "{}",
        show(&out)
    );
    // broker 1 completed before the halt: nothing happened to it since.
    assert_eq!(
        events_since(&lab, BROKERS[0], t1),
        Vec::<String>::new(),
        "broker1 touched by the resumed run:\n{}",
        show(&out)
    );
    // broker 2 continued at its health check: neither stopped nor rebooted again.
    let again = events_since(&lab, BROKERS[1], t1);
    assert!(
        !again
            .iter()
            .any(|e| e.starts_with("service-stopped") || e.starts_with("boot")),
        "broker2 rolled again: {again:?}\n{}",
        show(&out)
    );
    assert_eq!(lab.boot_id(BROKERS[1]), broker2_boot);
    rolled(&lab, BROKERS[2], t1, &before[2]);
    // Over both runs: one outage and one reboot per broker, one broker down at a time.
    for host in BROKERS {
        assert_eq!(lab.service_outages(host).len(), 1, "{host}");
    }
    lab.assert_one_service_down_at_a_time(&BROKERS);
    lab_down(&mut lab, started);
}

/// Drill: the cluster is already unhealthy before the roll. Nothing is stopped; the
/// Kafka gate refuses the first broker and names the partitions.
#[test]
fn drill_cluster_already_unhealthy() {
    if !running_as_root("drill_cluster_already_unhealthy") {
        return;
    }
    let (mut lab, started) = lab_up(&["--outage", "1", "--no-kdc"]);
    let before = boots(&lab);
    // broker3 restarted under the unhealthy fault: running, but out of the ISRs.
    run_lab(&["unhealthy", BROKERS[2]]);
    lab.ssh_ok(BROKERS[2], "systemctl restart confluent-server");
    assert!(
        wait_until(Duration::from_secs(10), || live_brokers() == [1, 2]),
        "broker 3 still in the cluster: {:?}",
        live_brokers()
    );
    let t0 = now_ms();
    let (out, took) = bundled_roll(&["-e", "rolling_update_kafka_gate_timeout=2"]);
    eprintln!("refused after {:.1} s", took.as_secs_f64());
    no_panic(&out);
    assert_eq!(out.code, 2, "{}", show(&out));
    assert!(
        out.stdout.contains("Broker 1 must not be restarted now"),
        "{}",
        show(&out)
    );
    assert!(
        out.stdout.contains("lab.events-"),
        "partitions named:\n{}",
        show(&out)
    );
    for (host, boot) in BROKERS.iter().zip(&before) {
        untouched(&lab, host, t0, boot, &out);
    }
    assert!(
        !out.stdout.contains("TASK [rolling_update : Stop"),
        "{}",
        show(&out)
    );
    lab_down(&mut lab, started);
}

/// Drill: a host never returns from its reboot. The reboot's timeout is honoured, the
/// roll halts there (exit 2), the other hosts are untouched.
#[test]
fn drill_host_never_returns_from_reboot() {
    if !running_as_root("drill_host_never_returns_from_reboot") {
        return;
    }
    let (mut lab, started) = lab_up(&["--outage", "1", "--no-kafka", "--no-kdc"]);
    let before = boots(&lab);
    run_lab(&["hang-reboot", BROKERS[0]]);
    let t0 = now_ms();
    let mut args = NO_KAFKA.to_vec();
    args.extend(["-e", "rolling_update_reboot_timeout=10"]);
    let (out, took) = bundled_roll(&args);
    eprintln!(
        "halted after {:.1} s (reboot_timeout 10 s)",
        took.as_secs_f64()
    );
    no_panic(&out);
    assert_eq!(out.code, 2, "{}", show(&out));
    assert!(
        took >= Duration::from_secs(10) && took < Duration::from_secs(40),
        "reboot_timeout=10 not honoured: {took:?}\n{}",
        show(&out)
    );
    assert!(
        out.stdout.contains("fatal: [broker1.lab.test]"),
        "{}",
        show(&out)
    );
    assert!(
        events_since(&lab, BROKERS[0], t0).contains(&"hang".to_string()),
        "{:?}",
        lab.events(BROKERS[0])
    );
    untouched(&lab, BROKERS[1], t0, &before[1], &out);
    untouched(&lab, BROKERS[2], t0, &before[2], &out);
    lab_down(&mut lab, started);
}

/// Drill: sshd is killed while a task runs on the host. The host is unreachable, roller
/// exits 4 (as ansible-playbook), and no other host is touched (serial roll).
#[test]
fn drill_sshd_killed_during_a_task() {
    if !running_as_root("drill_sshd_killed_during_a_task") {
        return;
    }
    let (mut lab, started) = lab_up(&["--outage", "1", "--no-kafka", "--no-kdc"]);
    let before = boots(&lab);
    let t0 = now_ms();
    let mut args = NO_KAFKA.to_vec();
    args.extend([
        "-e",
        "rolling_update_command='sleep 7.5'",
        "-e",
        "rolling_update_reboot=false",
    ]);
    let child = bundled_roll_command(&args).spawn().unwrap();
    // The update command runs on broker1: kill its sshd and sessions under it.
    assert!(
        wait_until(Duration::from_secs(30), || runs_on(BROKERS[0], "sleep 7.5")),
        "the update never started on broker1"
    );
    run_lab(&["kill-sshd", BROKERS[0], "--for", "30"]);
    let killed = Instant::now();
    let out: Outcome = child.wait_with_output().unwrap().into();
    eprintln!(
        "roller ended {:.1} s after sshd was killed",
        killed.elapsed().as_secs_f64()
    );
    no_panic(&out);
    assert_eq!(out.code, 4, "{}", show(&out));
    assert!(
        out.stdout
            .contains("fatal: [broker1.lab.test]: UNREACHABLE!"),
        "{}",
        show(&out)
    );
    untouched(&lab, BROKERS[1], t0, &before[1], &out);
    untouched(&lab, BROKERS[2], t0, &before[2], &out);
    lab_down(&mut lab, started);
}

/// Drill: 200 ms latency on one host (every packet it sends waits 200 ms; the lab's
/// stand-in for netem). The roll completes; each host's time is in roller's metrics file
/// (`roller_host_duration_seconds`) and each reboot's in its result (`elapsed`, with -v).
#[test]
fn drill_latency_on_one_host() {
    if !running_as_root("drill_latency_on_one_host") {
        return;
    }
    let (mut lab, started) = lab_up(&["--outage", "1", "--no-kafka", "--no-kdc"]);
    let before = boots(&lab);
    run_lab(&["delay", BROKERS[1], "200ms", "--for", "300"]);
    let t0 = now_ms();
    let scratch = TempDir::new("drill-latency");
    let metrics = scratch.path().join("roll.prom");
    let metrics_arg = format!("--metrics-file={}", metrics.display());
    let mut args = NO_KAFKA.to_vec();
    args.extend(["-v", &metrics_arg]);
    let (out, took) = bundled_roll(&args);
    eprintln!("roll with 200 ms on broker2: {:.1} s", took.as_secs_f64());
    no_panic(&out);
    assert_eq!(out.code, 0, "{}", show(&out));
    for (host, boot) in BROKERS.iter().zip(&before) {
        rolled(&lab, host, t0, boot);
    }
    lab.assert_one_service_down_at_a_time(&BROKERS);
    // Per host: the time its turn took (from the lab's records: service stopped to
    // started) and the reboot's own `elapsed` as roller reports it.
    for host in BROKERS {
        let (from, to) = lab.service_outages(host)[0];
        let line = out
            .stdout
            .lines()
            .find(|l| {
                l.starts_with(&format!("changed: [{host}] => {{")) && l.contains("\"rebooted\"")
            })
            .unwrap_or_else(|| panic!("no reboot result for {host}:\n{}", out.stdout));
        let elapsed: serde_json::Value =
            serde_json::from_str(line.split_once(" => ").unwrap().1).unwrap();
        eprintln!(
            "{host}: service down {:.1} s, reboot elapsed {} s",
            (to - from) as f64 / 1000.0,
            elapsed["elapsed"]
        );
        assert!(elapsed["elapsed"].is_u64(), "{line}");
    }
    // The per-host timings roller reports: each host's wall time in the metrics file.
    let text = std::fs::read_to_string(&metrics).expect("the metrics file");
    for host in BROKERS {
        let prefix = format!("roller_host_duration_seconds{{host=\"{host}\"}} ");
        let seconds: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no duration for {host} in the metrics:\n{text}"));
        eprintln!("{host}: {seconds:.1} s in roller's metrics");
        assert!(seconds > 0.0, "{host}: {seconds}");
    }
    lab_down(&mut lab, started);
}

/// Drill: the link is cut while roller waits for the rebooted host to come back. The wait
/// times out (reboot_timeout) and the roll halts; the host itself came back behind the cut.
#[test]
fn drill_link_cut_during_wait_for_connection() {
    if !running_as_root("drill_link_cut_during_wait_for_connection") {
        return;
    }
    let (mut lab, started) = lab_up(&["--outage", "1", "--no-kafka", "--no-kdc"]);
    let before = boots(&lab);
    let t0 = now_ms();
    let mut args = NO_KAFKA.to_vec();
    args.extend(["-e", "rolling_update_reboot_timeout=10"]);
    let child = bundled_roll_command(&args).spawn().unwrap();
    // The moment broker1 goes down for its reboot, pull its cable.
    assert!(
        wait_until(Duration::from_secs(30), || events_since(
            &lab, BROKERS[0], t0
        )
        .iter()
        .any(|e| e.starts_with("down"))),
        "broker1 never went down"
    );
    run_lab(&["cut", BROKERS[0], "--for", "60"]);
    let out: Outcome = child.wait_with_output().unwrap().into();
    let took = Duration::from_millis(now_ms() - t0);
    eprintln!(
        "halted after {:.1} s (reboot_timeout 10 s)",
        took.as_secs_f64()
    );
    no_panic(&out);
    assert_eq!(out.code, 2, "{}", show(&out));
    assert!(
        out.stdout.contains("fatal: [broker1.lab.test]"),
        "{}",
        show(&out)
    );
    assert!(took < Duration::from_secs(45), "{took:?}");
    untouched(&lab, BROKERS[1], t0, &before[1], &out);
    untouched(&lab, BROKERS[2], t0, &before[2], &out);
    // Behind the cut the host booted again: healed, it answers with a new boot.
    run_lab(&["heal", BROKERS[0], "cut"]);
    assert!(wait_until(Duration::from_secs(10), || lab
        .ssh(BROKERS[0], "true")
        .status
        .success()));
    assert_ne!(
        lab.ssh_ok(BROKERS[0], "cat /proc/sys/kernel/random/boot_id"),
        before[0]
    );
    lab_down(&mut lab, started);
}

/// A broken playbook, run by both tools over the local connection.
fn both_tools(scratch: &TempDir, playbook: &Path) -> (Outcome, Outcome) {
    let env = isolated_env(scratch.path(), &[("NO_COLOR", "1")]);
    let args = [
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        "ansible_python_interpreter=/usr/bin/python3",
    ];
    let run = |mut cmd: Command| -> Outcome {
        cmd.args(args)
            .arg(playbook)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(scratch.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
            .into()
    };
    let ansible = run(Command::new(venv().join("bin/ansible-playbook")));
    let mut roller = Command::new(roller_bin());
    roller.arg("playbook");
    (ansible, run(roller))
}

/// Drill: malformed YAML, an undefined variable, an unknown module, a bad module argument.
/// Each is reported at its file:line:col with ansible-playbook's exit code; no panic.
#[test]
fn drill_broken_playbooks() {
    let scratch = TempDir::new("drill-broken");
    let header = "- hosts: localhost\n  gather_facts: false\n  tasks:\n";
    let cases: [(&str, String, i32, &str); 4] = [
        (
            "malformed_yaml",
            format!(
                "{header}    - name: unterminated\n      debug:\n        msg: \"hi\n      when: [\n"
            ),
            4,
            ":6:",
        ),
        (
            "undefined_variable",
            format!(
                "{header}    - name: undefined\n      debug:\n        msg: \"{{{{ no_such_variable }}}}\"\n"
            ),
            2,
            ":4:7",
        ),
        (
            "unknown_module",
            format!("{header}    - name: unknown\n      no_such_module:\n        x: 1\n"),
            4,
            ":4:7",
        ),
        (
            "bad_module_argument",
            format!(
                "{header}    - name: bad argument\n      file:\n        path: {}/x\n        state: sideways\n",
                scratch.path().display()
            ),
            2,
            ":4:7",
        ),
    ];
    for (name, text, code, at) in cases {
        let playbook = scratch.path().join(format!("{name}.yml"));
        std::fs::write(&playbook, text).unwrap();
        let (ansible, roller) = both_tools(&scratch, &playbook);
        no_panic(&roller);
        assert_eq!(
            ansible.code,
            code,
            "{name}: ansible-playbook\n{}",
            show(&ansible)
        );
        assert_eq!(
            roller.code,
            ansible.code,
            "{name}: exit code\n{}",
            show(&roller)
        );
        let origin = format!("Origin: {}{at}", playbook.display());
        let printed = format!("{}{}", roller.stdout, roller.stderr);
        assert!(
            printed.contains(&origin),
            "{name}: no {origin}\n{}",
            show(&roller)
        );
        eprintln!(
            "{name}: exit {} (ansible-playbook {}); {}",
            roller.code,
            ansible.code,
            printed
                .lines()
                .find(|l| l.starts_with("[ERROR]"))
                .unwrap_or_default()
        );
    }
}

/// Runs PLAYBOOK with TOOL over INVENTORY without a terminal (nobody to answer ssh's
/// host key question), in its own Ansible home (no ssh master from an earlier run).
fn run_detached(
    tool: &str,
    inventory: &Path,
    playbook: &Path,
    extra_env: &[(&str, &str)],
) -> Outcome {
    let scratch = TempDir::new("drill-hostkey-run");
    let env = isolated_env(scratch.path(), extra_env);
    let mut cmd = Command::new("setsid");
    match tool {
        "ansible" => cmd.arg(venv().join("bin/ansible-playbook")),
        _ => cmd.arg(roller_bin()).arg("playbook"),
    };
    cmd.arg("-i")
        .arg(inventory)
        .arg(playbook)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(scratch.path())
        .stdin(Stdio::null())
        .output()
        .unwrap()
        .into()
}

/// (label, more ssh_common_args, environment, expected exit code)
type HostKeyCase = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    i32,
);

/// Drill: a host whose key is not in known_hosts. Refused (unreachable, exit 4) while host
/// key checking is on; accepted when it is off (ANSIBLE_HOST_KEY_CHECKING=False) or when
/// the ssh arguments say StrictHostKeyChecking=no, as with ansible-playbook.
#[test]
fn drill_unknown_host_key() {
    if !running_as_root("drill_unknown_host_key") {
        return;
    }
    let (mut lab, started) = lab_up(&["--no-kafka", "--no-kdc", "--hosts", "1"]);
    let scratch = TempDir::new("drill-hostkey");
    let playbook = scratch.path().join("hostname.yml");
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: hostname\n",
    )
    .unwrap();
    let key = lab_support::lab_dir().join("ssh/id_ed25519");
    let cases: [HostKeyCase; 3] = [
        ("checking on", "", &[], 4),
        (
            "ANSIBLE_HOST_KEY_CHECKING=False",
            "",
            &[("ANSIBLE_HOST_KEY_CHECKING", "False")],
            0,
        ),
        (
            "StrictHostKeyChecking=no in ssh_common_args",
            " -o StrictHostKeyChecking=no",
            &[],
            0,
        ),
    ];
    for (label, more_args, env, code) in cases {
        for tool in ["roller", "ansible"] {
            // An empty known_hosts for each run: accepting a key adds it there.
            let known_hosts = scratch.path().join(format!("known_hosts-{tool}"));
            std::fs::write(&known_hosts, "").unwrap();
            let inventory = scratch.path().join("hosts.yml");
            std::fs::write(
                &inventory,
                format!(
                    "all:\n  hosts:\n    {}:\n      ansible_host: {}\n      ansible_user: root\n\
                     \x20     ansible_ssh_private_key_file: {}\n\
                     \x20     ansible_ssh_common_args: \"-o UserKnownHostsFile={} -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes{more_args}\"\n\
                     \x20     ansible_python_interpreter: /usr/bin/python3\n",
                    BROKERS[0],
                    lab.addr(BROKERS[0]),
                    key.display(),
                    known_hosts.display()
                ),
            )
            .unwrap();
            let out = run_detached(tool, &inventory, &playbook, env);
            eprintln!("{label}: {tool} exit {}", out.code);
            if tool == "roller" {
                no_panic(&out);
            }
            assert_eq!(out.code, code, "{label}: {tool}\n{}", show(&out));
            if code == 4 {
                assert!(
                    out.stdout.contains("Host key verification failed"),
                    "{label}: {tool}\n{}",
                    show(&out)
                );
            }
        }
    }
    lab_down(&mut lab, started);
}

/// Drill: 20 hosts, forks 20, one host's command hangs. The task's `timeout:` fires on
/// that host only (its remote command is killed); the 19 others finish the play. The lab
/// has at most 9 hosts: the 20 inventory hosts are aliases over the lab's 3 brokers (20
/// SSH masters, 6 or 7 per sshd).
#[test]
fn drill_one_of_twenty_hosts_hangs() {
    if !running_as_root("drill_one_of_twenty_hosts_hangs") {
        return;
    }
    let (mut lab, started) = lab_up(&["--no-kafka", "--no-kdc"]);
    let scratch = TempDir::new("drill-twenty");
    let lab_inventory =
        std::fs::read_to_string(repo_root().join("inventories/lab/hosts.yml")).unwrap();
    let common_args = lab_inventory
        .lines()
        .find_map(|l| l.trim().strip_prefix("ansible_ssh_common_args: "))
        .expect("the lab inventory's ssh arguments")
        .to_string();
    let mut inventory = format!(
        "all:\n  vars:\n    ansible_user: root\n    ansible_ssh_private_key_file: {}\n\
         \x20   ansible_ssh_common_args: {common_args}\n    ansible_python_interpreter: /usr/bin/python3\n  hosts:\n",
        lab_support::lab_dir().join("ssh/id_ed25519").display()
    );
    for i in 1..=20 {
        let addr = lab.addr(BROKERS[(i - 1) % 3]);
        inventory.push_str(&format!("    h{i:02}:\n      ansible_host: {addr}\n"));
    }
    let inventory_path = scratch.path().join("hosts.yml");
    std::fs::write(&inventory_path, inventory).unwrap();
    let playbook = scratch.path().join("hang.yml");
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  tasks:\n\
         \x20   - name: Work\n      command: \"sleep {{ 120 if inventory_hostname == 'h07' else 1 }}\"\n\
         \x20     timeout: 8\n\
         \x20   - name: After\n      command: \"true\"\n",
    )
    .unwrap();
    let env = isolated_env(scratch.path(), &[("NO_COLOR", "1")]);
    let run = |mut cmd: Command| -> (Outcome, Duration) {
        let started = Instant::now();
        let out: Outcome = cmd
            .arg("-i")
            .arg(&inventory_path)
            .args(["-f", "20"])
            .arg(&playbook)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(scratch.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
            .into();
        (out, started.elapsed())
    };
    let mut roller = Command::new(roller_bin());
    roller.arg("playbook");
    let (out, took) = run(roller);
    eprintln!("roller: {:.1} s", took.as_secs_f64());
    no_panic(&out);
    assert_eq!(out.code, 2, "{}", show(&out));
    assert!(took < Duration::from_secs(40), "{took:?}\n{}", show(&out));
    let parsed = parse(&out.stdout);
    for line in &parsed.recap {
        let host = line.split_whitespace().next().unwrap_or_default();
        if host == "h07" {
            assert!(line.contains("ok=0") && line.contains("failed=1"), "{line}");
        } else {
            assert!(line.contains("ok=2") && line.contains("failed=0"), "{line}");
        }
    }
    assert_eq!(parsed.recap.len(), 20, "{}", show(&out));
    assert!(
        out.stdout
            .contains("fatal: [h07]: FAILED! => {\"changed\": false, \"msg\": \"Task failed: Timed out after 8 second(s).\""),
        "{}",
        show(&out)
    );
    assert_eq!(out.stdout.matches("FAILED!").count(), 1, "{}", show(&out));
    // roller killed the hung command on its host (ansible-playbook leaves it running).
    assert!(
        wait_until(Duration::from_secs(5), || !runs_on(BROKERS[0], "sleep 120")),
        "the hung command still runs on h07's host"
    );
    // The same recap as ansible-playbook's.
    let (ansible, ansible_took) = run(Command::new(venv().join("bin/ansible-playbook")));
    eprintln!("ansible-playbook: {:.1} s", ansible_took.as_secs_f64());
    assert_eq!(ansible.code, out.code, "{}", show(&ansible));
    assert_eq!(parse(&ansible.stdout).recap, parsed.recap);
    lab_down(&mut lab, started);
}

const KEYTAB: &str = "/etc/security/keytabs/kafka_broker.keytab";

/// `roller keytab provision -i <the lab's inventory> EXTRA...`, its state in STATE_DIR.
fn provision(state_dir: &Path, extra: &[&str]) -> Outcome {
    let out: Outcome = Command::new(roller_bin())
        .args(["keytab", "provision", "-i", "inventories/lab/hosts.yml"])
        .args(extra)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env("ROLLER_STATE_DIR", state_dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
        .into();
    no_panic(&out);
    assert_eq!(out.code, 0, "{}", show(&out));
    out
}

/// The recap's `changed=` of HOST.
fn changed(out: &Outcome, host: &str) -> u32 {
    parse(&out.stdout)
        .recap
        .iter()
        .find(|l| l.starts_with(host))
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("changed="))
        })
        .unwrap_or_else(|| panic!("{host} not in the recap:\n{}", show(out)))
        .parse()
        .unwrap()
}

/// The keytab's kvnos as `klist -k` on the host lists them (one entry per enctype).
fn klist_kvnos(lab: &Lab, host: &str) -> Vec<u32> {
    let mut kvnos: Vec<u32> = lab
        .ssh_ok(host, &format!("klist -k {KEYTAB}"))
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    kvnos.dedup();
    kvnos
}

/// `inode mtime(ns) owner group mode sha256` of the keytab on HOST.
fn keytab_file(lab: &Lab, host: &str) -> String {
    lab.ssh_ok(
        host,
        &format!("echo $(stat -c '%i %.9Y %U %G %a' {KEYTAB}) $(sha256sum < {KEYTAB})"),
    )
}

fn kinit_works(lab: &Lab, host: &str) -> bool {
    lab.ssh(
        host,
        &format!(
            "sudo -u cp-kafka env KRB5CCNAME=MEMORY:t kinit -k -t {KEYTAB} kafka/{host}@LAB.TEST"
        ),
    )
    .status
    .success()
}

/// Drills: keytab provisioning run twice, then a stale keytab twice over (the principal
/// re-created at the KDC: same kvno, other keys; then its key changed: a newer kvno). One
/// lab with one broker and the KDC for all of it (each step leaves the keytab right).
/// Second run: changed=0, kvno unchanged (klist -k), the file untouched, kinit works.
/// Stale: `--check` names it and leaves the file as it is (inode, mtime, content); the run
/// replaces it and kinit works again.
#[test]
fn drill_keytab_run_twice_and_stale() {
    if !running_as_root("drill_keytab_run_twice_and_stale") {
        return;
    }
    let scratch = TempDir::new("drill-keytab");
    let state = scratch.path();
    let (mut lab, started) = lab_up(&["--no-kafka", "--hosts", "1"]);
    let host = BROKERS[0];
    let principal = format!("kafka/{host}@LAB.TEST");

    // Run twice.
    let first = provision(state, &[]);
    assert_eq!(changed(&first, host), 2, "{}", show(&first));
    let kvnos = klist_kvnos(&lab, host);
    let file = keytab_file(&lab, host);
    assert!(!kvnos.is_empty() && kinit_works(&lab, host), "{kvnos:?}");
    let t = Instant::now();
    let second = provision(state, &[]);
    eprintln!(
        "second run: changed={} in {:.2} s",
        changed(&second, host),
        t.elapsed().as_secs_f64()
    );
    assert_eq!(changed(&second, host), 0, "{}", show(&second));
    assert_eq!(klist_kvnos(&lab, host), kvnos, "kvno changed");
    assert_eq!(keytab_file(&lab, host), file, "the keytab was rewritten");
    assert!(kinit_works(&lab, host), "kinit after the second run");

    // Stale, twice: (KDC change, the reason roller must give).
    let kvno = kvnos[0];
    let cases = [
        (
            format!("delprinc -force {principal}\naddprinc -randkey {principal}"),
            format!("keys differ from the KDC's at kvno {kvno} (principal re-created?)"),
        ),
        (
            format!("cpw -randkey {principal}"),
            format!("kvno {kvno} vs KDC {}", kvno + 1),
        ),
    ];
    for (behind_our_back, reason) in cases {
        for query in behind_our_back.lines() {
            kadmin(query);
        }
        assert!(!kinit_works(&lab, host), "kinit with a stale keytab worked");
        let stale = keytab_file(&lab, host);
        let check = provision(state, &["--check"]);
        let announced = format!("would replace {host}:{KEYTAB} ({reason})");
        assert!(check.stdout.contains(&announced), "{}", show(&check));
        assert_eq!(keytab_file(&lab, host), stale, "--check touched the keytab");
        let t = Instant::now();
        let fix = provision(state, &["-v"]);
        eprintln!(
            "stale keytab ({reason}): --check announced it, replaced in {:.2} s",
            t.elapsed().as_secs_f64()
        );
        assert_eq!(changed(&fix, host), 1, "{}", show(&fix));
        assert!(fix.stdout.contains(&reason), "{}", show(&fix));
        assert_ne!(keytab_file(&lab, host), stale);
        assert!(kinit_works(&lab, host), "kinit after the replacement");
    }
    assert_eq!(klist_kvnos(&lab, host), [kvno + 1]);
    assert_eq!(changed(&provision(state, &[]), host), 0);
    lab_down(&mut lab, started);
}
