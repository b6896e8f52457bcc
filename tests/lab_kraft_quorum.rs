//! The KRaft controllers' gate in the bundled rolling update (`roller roll
//! kafka_controller`): with one controller down, restarting another would leave the
//! quorum without a majority; the roll stops before anything is stopped.

mod lab_support;
mod support;

use std::process::Command;

use lab_support::{Lab, running_as_root};
use support::{repo_root, roller_bin};

const HOSTS: [&str; 3] = [
    "controller1.lab.test",
    "controller2.lab.test",
    "controller3.lab.test",
];

fn roll(extra: &[&str]) -> (i32, String) {
    let out = Command::new(roller_bin())
        .args([
            "roll",
            "-i",
            "inventories/lab/hosts.yml",
            "kafka_controller",
        ])
        .args(["-e", "rolling_update_kafka_gate_timeout=1"])
        .args(extra)
        .current_dir(repo_root())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_controller_is_not_restarted_while_the_quorum_would_lose_its_majority() {
    if !running_as_root("a_controller_is_not_restarted_while_the_quorum_would_lose_its_majority") {
        return;
    }
    let mut lab = Lab::up(&["--controllers", "--no-kafka", "--no-kdc"]);
    // All voters up: the preview's gate allows each in turn.
    let (code, out) = roll(&["--check"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.matches("TASK [rolling_update : KRaft quorum keeps its majority without")
            .count(),
        3,
        "{out}"
    );

    lab.ssh_ok(HOSTS[2], "systemctl stop confluent-kcontroller");
    let boots: Vec<String> = HOSTS.iter().map(|h| lab.boot_id(h)).collect();
    let (code, out) = roll(&[]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "KRaft controller controller1.lab.test must not be restarted now: without it 1 \
             of the other voters answer, and the quorum needs 2 (unreachable: \
             controller3.lab.test)"
        ),
        "{out}"
    );
    assert!(!out.contains("TASK [rolling_update : Stop"), "{out}");
    for (h, boot) in HOSTS.iter().zip(&boots) {
        assert_eq!(&lab.boot_id(h), boot, "{h} rebooted");
    }
    assert_eq!(
        lab.ssh_ok(HOSTS[0], "systemctl is-active confluent-kcontroller"),
        "active"
    );
    assert_eq!(lab.down(), "", "lab down left things behind");
}
