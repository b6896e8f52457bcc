//! roller rolls the lab's brokers with the same playbook ansible-playbook rolls them with
//! (tests/lab_hosts.rs): over SSH, with the systemd and reboot modules, one host at a time,
//! each back with a new boot_id before the next goes down, and the same PLAY RECAP as
//! ansible-playbook prints for it. Needs root; skips without it.

mod lab_support;

use lab_support::{Lab, repo_root, running_as_root};
use std::process::Command;

const BROKERS: [&str; 3] = ["broker1.lab.test", "broker2.lab.test", "broker3.lab.test"];

/// ansible-playbook's recap for this playbook on the lab: stop and update change, the
/// reboot changes, the unit is already started by the boot.
const RECAP_COUNTS: &str =
    " : ok=6    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0";

fn roll(check: bool) -> (String, bool) {
    let mut args = vec![
        "playbook",
        "-i",
        "inventories/lab/hosts.yml",
        "tests/fixtures/lab/rolling_reboot.yml",
    ];
    if check {
        args.push("--check");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_roller"))
        .args(&args)
        .env("NO_COLOR", "1")
        .current_dir(repo_root())
        .output()
        .expect("run roller");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text, out.status.success())
}

#[test]
fn roller_rolls_the_brokers_one_at_a_time() {
    if !running_as_root("roller_rolls_the_brokers_one_at_a_time") {
        return;
    }
    let mut lab = Lab::up(&["--no-kafka", "--outage", "1"]);
    let before: Vec<String> = BROKERS.iter().map(|h| lab.boot_id(h)).collect();

    // --check first: nothing may change on any host.
    let (preview, ok) = roll(true);
    assert!(ok, "roller --check failed:\n{preview}");
    for (host, old) in BROKERS.iter().zip(&before) {
        assert_eq!(
            &lab.boot_id(host),
            old,
            "--check rebooted {host}:\n{preview}"
        );
        assert_eq!(
            lab.ssh_ok(host, "systemctl is-active confluent-server"),
            "active"
        );
        assert!(
            !lab.host_dir(host).join("state/os-updates.log").exists(),
            "--check ran the update on {host}"
        );
    }

    let (stdout, ok) = roll(false);
    if !ok {
        let events: Vec<_> = BROKERS.iter().map(|h| (h, lab.events(h))).collect();
        panic!("roller failed:\n{stdout}\npower events: {events:?}");
    }
    let mut outages = Vec::new();
    for (host, old) in BROKERS.iter().zip(&before) {
        let new = lab.boot_id(host);
        assert_ne!(&new, old, "{host} was not rebooted");
        assert!(
            stdout.contains(&format!("boot_id={new}")),
            "{host}: {stdout}"
        );
        assert!(
            stdout.contains(&format!("{host:<26}{RECAP_COUNTS}")),
            "recap for {host} differs from ansible-playbook's:\n{stdout}"
        );
        assert_eq!(
            lab.ssh_ok(host, "systemctl is-active confluent-server"),
            "active"
        );
        let events = lab.events(host);
        let shutdown = events
            .iter()
            .find(|e| e.1 == "shutdown")
            .unwrap_or_else(|| panic!("{host} never shut down: {events:?}"));
        let back = events
            .iter()
            .find(|e| e.1 == "up" && e.0 > shutdown.0)
            .unwrap_or_else(|| panic!("{host} never came back: {events:?}"));
        outages.push((host, shutdown.0, back.0));
    }
    for (i, a) in outages.iter().enumerate() {
        for b in &outages[i + 1..] {
            assert!(
                a.2 < b.1 || b.2 < a.1,
                "{} and {} were down at once: {outages:?}",
                a.0,
                b.0
            );
        }
    }
    assert_eq!(lab.down(), "", "lab down left things behind");
}
