//! The bundled rolling update rolls the leader last: over the lab's zookeeper hosts, a
//! real ZooKeeper ensemble (Debian's zookeeper, tests/lab/host/service), roller asks each
//! server `srvr` and moves the leader to the end. The leader is first moved away from the
//! last inventory host, so that the inventory order alone cannot pass the test. Over the
//! brokers, the active controller (the Metadata response's ControllerId, which librdkafka's
//! mock always gives as broker 0: `lab up --active-controller 2` makes broker 2's id 0).

mod lab_support;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use lab_support::{Lab, running_as_root, wait_until};
use support::{repo_root, roller_bin};

const HOSTS: [&str; 3] = [
    "zookeeper1.lab.test",
    "zookeeper2.lab.test",
    "zookeeper3.lab.test",
];

/// The server's mode as ZooKeeper's `stat` command reports it (the test's own reading,
/// not roller's `srvr` client).
fn mode(lab: &Lab, host: &str) -> Option<String> {
    let addr = format!("{}:2181", lab.addr(host));
    let mut s = TcpStream::connect_timeout(&addr.parse().ok()?, Duration::from_millis(500)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    s.write_all(b"stat").ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    answer
        .lines()
        .find_map(|l| l.strip_prefix("Mode: "))
        .map(String::from)
}

fn leader(lab: &Lab) -> Option<&'static str> {
    HOSTS
        .iter()
        .copied()
        .find(|h| mode(lab, h).as_deref() == Some("leader"))
}

/// The hosts in the order the rolling play stopped them (check mode).
fn roll_order(out: &str) -> Vec<String> {
    let mut order = Vec::new();
    let mut in_stop = false;
    for line in out.lines() {
        if line.starts_with("TASK [") {
            in_stop = line.contains("Stop confluent-zookeeper");
        } else if in_stop && let Some(rest) = line.split_once(": [").map(|(_, r)| r) {
            order.push(rest.split(']').next().unwrap_or("").to_string());
        }
    }
    order
}

#[test]
fn the_zookeeper_leader_is_rolled_last() {
    if !running_as_root("the_zookeeper_leader_is_rolled_last") {
        return;
    }
    let mut lab = Lab::up(&["--zookeeper", "--no-kafka", "--no-kdc"]);
    assert!(
        wait_until(Duration::from_secs(30), || leader(&lab).is_some()),
        "the ensemble elected no leader"
    );
    // Move leadership off the last host: stop the leader until another host leads.
    let mut stopped = Vec::new();
    while let Some(l) = leader(&lab).filter(|l| *l == HOSTS[2]) {
        lab.ssh_ok(l, "systemctl stop confluent-zookeeper");
        stopped.push(l);
        assert!(
            wait_until(Duration::from_secs(30), || leader(&lab)
                .is_some_and(|n| n != l)),
            "no new leader after stopping {l}"
        );
    }
    let expected_last = leader(&lab).expect("a leader");
    assert_ne!(expected_last, HOSTS[2]);

    let out = Command::new(roller_bin())
        .args(["playbook", "-i", "inventories/lab/hosts.yml"])
        .arg("playbooks/rolling_update.yml")
        .args(["--check", "-e", "rolling_update_group=zookeeper"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{expected_last} is the ZooKeeper leader (srvr): rolled last"
        )),
        "{stdout}"
    );
    let order = roll_order(&stdout);
    let mut expected: Vec<String> = HOSTS
        .iter()
        .filter(|h| **h != expected_last)
        .map(|h| h.to_string())
        .collect();
    expected.push(expected_last.to_string());
    assert_eq!(order, expected, "{stdout}");
    // Check mode: the servers still run as before (none stopped by the preview).
    assert_eq!(leader(&lab), Some(expected_last));
    assert_eq!(lab.down(), "", "lab down left things behind");
}

#[test]
fn the_active_controller_is_rolled_last() {
    if !running_as_root("the_active_controller_is_rolled_last") {
        return;
    }
    let mut lab = Lab::up(&["--active-controller", "2", "--no-kdc", "--outage", "1"]);
    let brokers = ["broker1.lab.test", "broker2.lab.test", "broker3.lab.test"];
    let out = Command::new(roller_bin())
        .args(["roll", "-i", "inventories/lab/hosts.yml", "kafka_broker"])
        .args([
            "-e",
            "rolling_update_command='/sbin/huk-server-update --batch --force --no-reboot'",
        ])
        .current_dir(repo_root())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "roll order: broker1.lab.test, broker3.lab.test, broker2.lab.test: \
             broker2.lab.test (broker 0) is the active controller: rolled last"
        ),
        "{stdout}"
    );
    // What the hosts went through, from the lab's records: each broker's service went
    // down once, one at a time, the controller's last.
    let outages: Vec<(u64, u64)> = brokers
        .iter()
        .map(|h| {
            let o = lab.service_outages(h);
            assert_eq!(o.len(), 1, "{h} stopped once: {o:?}");
            o[0]
        })
        .collect();
    lab.assert_one_service_down_at_a_time(&brokers);
    assert!(
        outages[0].1 < outages[2].0 && outages[2].1 < outages[1].0,
        "stopped in the order broker1, broker3, broker2: {outages:?}"
    );
    assert_eq!(lab.down(), "", "lab down left things behind");
}
