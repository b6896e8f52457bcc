//! Issue 5's acceptance tests: a real team's rolling server update playbook
//! (tests/fixtures/lab/issue5_rolling_update.yml, unmodified, with a `confluent.kafka_broker`
//! role providing `health_check.yml`), and roller's bundled playbooks/rolling_update.yml,
//! against the lab's brokers, with ansible-playbook and with roller. Both must roll every
//! broker in turn (stopped, updated, rebooted into a new boot, started), never with two
//! brokers' services down at once, and print the same results and PLAY RECAP. `--check`
//! first, with both tools: nothing may change on any host, and the recaps (changed counts)
//! must be equal.
//!
//! The two tools run at the same time on one lab of six brokers, each on its own three
//! (`--limit`): ansible-playbook on broker1..3, roller on broker4..6, whose names are mapped
//! back before the outputs are compared. The playbooks have no Kafka checks here (the lab
//! runs no Kafka), so nothing one roll does is seen by the other, and the test takes the
//! time of the slower tool instead of both (the team playbook waits 30 s after each reboot).
//! Needs root (the lab); skips without it.

mod lab_support;
mod support;

use std::process::Command;

use lab_support::{Lab, running_as_root};
use serde_json::Value as Json;
use support::conformance::{compare_runs_normalized, parse, strip_keys};
use support::{Outcome, TempDir, isolated_env, repo_root, roller_bin, venv};

const ANSIBLE_BROKERS: [&str; 3] = ["broker1.lab.test", "broker2.lab.test", "broker3.lab.test"];
const ROLLER_BROKERS: [&str; 3] = ["broker4.lab.test", "broker5.lab.test", "broker6.lab.test"];
/// The team's playbook, unmodified.
const TEAM_PLAYBOOK: &[&str] = &["tests/fixtures/lab/issue5_rolling_update.yml"];
/// roller's bundled rolling update, with the lab's OS update command.
/// The Kafka checks and the controller-last order are roller's own (on by default under
/// roller; this lab has no Kafka): off, the two tools run the same tasks.
const BUNDLED_PLAYBOOK: &[&str] = &[
    "playbooks/rolling_update.yml",
    "-e",
    "rolling_update_command='/sbin/huk-server-update --batch --force --no-reboot'",
    "-e",
    "rolling_update_kafka_health=false",
    "-e",
    "rolling_update_controller_last=false",
];

#[derive(Clone, Copy)]
enum Tool {
    Ansible,
    Roller,
}

impl Tool {
    fn brokers(self) -> [&'static str; 3] {
        match self {
            Tool::Ansible => ANSIBLE_BROKERS,
            Tool::Roller => ROLLER_BROKERS,
        }
    }
}

fn run(tool: Tool, playbook: &[&str], check: bool, env: &[(String, String)]) -> Outcome {
    let mut cmd = match tool {
        Tool::Ansible => Command::new(venv().join("bin/ansible-playbook")),
        Tool::Roller => {
            let mut c = Command::new(roller_bin());
            c.arg("playbook");
            c
        }
    };
    cmd.args(["-i", "inventories/lab/hosts.yml"])
        .args(["--limit", &tool.brokers().join(",")])
        .args(playbook);
    if check {
        cmd.arg("--check");
    }
    let out = cmd
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(repo_root())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the playbook");
    out.into()
}

fn succeeded(what: &str, o: &Outcome) {
    assert_eq!(
        o.code, 0,
        "{what} failed:\n{}\n--- stderr ---\n{}",
        o.stdout, o.stderr
    );
}

/// What a host looks like, for "nothing changed": its boot, its service, its update log.
fn host_facts(lab: &Lab, host: &str) -> (String, String, bool) {
    (
        lab.boot_id(host),
        lab.ssh_ok(host, "systemctl is-active confluent-server"),
        lab.host_dir(host).join("state/os-updates.log").exists(),
    )
}

/// --check with TOOL changes nothing on its hosts; returns its output.
fn preview(lab: &Lab, tool: Tool, playbook: &[&str], env: &[(String, String)]) -> Outcome {
    let before: Vec<_> = tool.brokers().iter().map(|h| host_facts(lab, h)).collect();
    let out = run(tool, playbook, true, env);
    succeeded("--check", &out);
    let after: Vec<_> = tool.brokers().iter().map(|h| host_facts(lab, h)).collect();
    assert_eq!(before, after, "--check changed a host:\n{}", out.stdout);
    out
}

/// The real run with TOOL on its brokers: every one rolled, one at a time.
fn roll(lab: &Lab, tool: Tool, playbook: &[&str], env: &[(String, String)]) -> Outcome {
    let brokers = tool.brokers();
    let before: Vec<String> = brokers.iter().map(|h| lab.boot_id(h)).collect();
    let started = std::time::Instant::now();
    let out = run(tool, playbook, false, env);
    eprintln!(
        "{} {}: {:.1} s",
        match tool {
            Tool::Ansible => "ansible-playbook",
            Tool::Roller => "roller",
        },
        playbook[0],
        started.elapsed().as_secs_f64()
    );
    succeeded("the rolling update", &out);
    for (host, old) in brokers.iter().zip(&before) {
        assert_ne!(&lab.boot_id(host), old, "{host} was not rebooted");
        let updates = std::fs::read_to_string(lab.host_dir(host).join("state/os-updates.log"))
            .unwrap_or_default();
        assert!(
            updates.contains("huk-server-update") && updates.contains("--no-reboot"),
            "{host}: the update did not run: {updates:?}"
        );
        assert!(
            updates.contains(&format!("boot_id={old}")),
            "{host}: the update did not run before the reboot: {updates:?}"
        );
        assert_eq!(
            lab.ssh_ok(host, "systemctl is-active confluent-server"),
            "active"
        );
        assert_eq!(
            lab.service_outages(host).len(),
            1,
            "{host}: {:?}",
            lab.events(host)
        );
    }
    lab.assert_one_service_down_at_a_time(&brokers);
    out
}

/// Runs F for both tools at once; returns (ansible-playbook's, roller's) with roller's
/// host names mapped to ansible-playbook's.
fn both_at_once(f: impl Fn(Tool) -> Outcome + Sync) -> (Outcome, Outcome) {
    let (ansible, mut roller) = std::thread::scope(|s| {
        let ansible = s.spawn(|| f(Tool::Ansible));
        let roller = s.spawn(|| f(Tool::Roller));
        (ansible.join().unwrap(), roller.join().unwrap())
    });
    for (r, a) in ROLLER_BROKERS.iter().zip(ANSIBLE_BROKERS) {
        roller.stdout = roller.stdout.replace(r, a);
    }
    (ansible, roller)
}

/// The reboot's `elapsed` differs from run to run.
fn normalize(v: &mut Json) {
    strip_keys(v, &["elapsed"]);
}

/// --check with both tools (nothing changes, equal recaps), then the real roll with both
/// (every broker rolled one at a time, equal results), on one lab.
fn rolls_like_ansible_playbook(label: &str, playbook: &[&str]) {
    let scratch = TempDir::new(label);
    let env = isolated_env(scratch.path(), &[("NO_COLOR", "1")]);
    let mut lab = Lab::up(&["--no-kafka", "--outage", "1", "--hosts", "6"]);

    let (ansible_check, roller_check) = both_at_once(|tool| preview(&lab, tool, playbook, &env));
    assert_eq!(
        parse(&ansible_check.stdout).recap,
        parse(&roller_check.stdout).recap,
        "--check recaps differ:\n{}\n---\n{}",
        ansible_check.stdout,
        roller_check.stdout
    );

    let (ansible, roller) = both_at_once(|tool| roll(&lab, tool, playbook, &env));
    if let Some(diff) = compare_runs_normalized(&ansible, &roller, &normalize) {
        panic!(
            "roller's run differs from ansible-playbook's:\n{diff}\n\nroller's output:\n{}",
            roller.stdout
        );
    }
    assert_eq!(lab.down(), "", "lab down left things behind");
}

#[test]
fn the_teams_rolling_update_runs_unmodified_like_ansible_playbook() {
    if !running_as_root("the_teams_rolling_update_runs_unmodified_like_ansible_playbook") {
        return;
    }
    rolls_like_ansible_playbook("team-rolling-update", TEAM_PLAYBOOK);
}

#[test]
fn the_bundled_rolling_update_rolls_like_ansible_playbook() {
    if !running_as_root("the_bundled_rolling_update_rolls_like_ansible_playbook") {
        return;
    }
    rolls_like_ansible_playbook("bundled-rolling-update", BUNDLED_PLAYBOOK);
}
