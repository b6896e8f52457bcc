//! The lab's Kafka: each broker host's confluent-server unit drives its broker in the
//! mock cluster, and what a Kafka client sees follows, as docs/lab.md describes. Needs root.

mod lab_support;

use lab_support::{Lab, lab_dir, read_trimmed, run_lab, running_as_root, wait_until};
use serde_json::Value;
use std::process::Command;
use std::time::Duration;

/// A Metadata request to the lab's cluster, through librdkafka (the Kafka protocol).
fn metadata() -> Value {
    let dir = lab_dir().join("kafka");
    let out = Command::new(dir.join("roller-lab-kafka"))
        .arg("metadata")
        .arg(read_trimmed(&dir.join("bootstrap")))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn live_brokers(seen: &Value) -> Vec<i64> {
    seen["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_i64().unwrap())
        .collect()
}

fn leaders(seen: &Value) -> Vec<i64> {
    seen["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["leader"].as_i64().unwrap())
        .collect()
}

/// The in-sync replicas the lab models (what Kafka would report; the mock reports all).
fn modelled_isr() -> Vec<Vec<i64>> {
    let state: Value =
        serde_json::from_str(&read_trimmed(&lab_dir().join("kafka/state.json"))).unwrap();
    state["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["isr"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_i64().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn confluent_server_unit_drives_its_broker() {
    if !running_as_root("confluent_server_unit_drives_its_broker") {
        return;
    }
    let mut lab = Lab::up(&[]);
    let seen = metadata();
    assert_eq!(live_brokers(&seen), [1, 2, 3]);
    for p in seen["partitions"].as_array().unwrap() {
        assert_eq!(
            p["replicas"].as_array().unwrap().len(),
            3,
            "replication factor 3: {p}"
        );
    }
    let led_by_1 = leaders(&seen).iter().filter(|l| **l == 1).count();
    assert!(led_by_1 > 0, "broker 1 is a preferred leader: {seen}");

    lab.ssh_ok("broker1.lab.test", "systemctl stop confluent-server");
    let seen = metadata();
    assert_eq!(
        live_brokers(&seen),
        [2, 3],
        "a stopped broker leaves the cluster"
    );
    assert!(
        !leaders(&seen).contains(&1),
        "leadership moved away: {seen}"
    );
    assert!(
        modelled_isr()
            .iter()
            .all(|isr| !isr.contains(&1) && isr.len() == 2)
    );

    lab.ssh_ok("broker1.lab.test", "systemctl start confluent-server");
    // Catching up (1 s by default): still out of the in-sync replicas.
    assert_eq!(live_brokers(&metadata()), [2, 3]);
    assert!(wait_until(Duration::from_secs(5), || live_brokers(
        &metadata()
    ) == [1, 2, 3]));
    assert_eq!(
        leaders(&metadata()).iter().filter(|l| **l == 1).count(),
        led_by_1,
        "preferred leaders again"
    );
    assert!(modelled_isr().iter().all(|isr| isr.len() == 3));

    // A broker that goes down with its host leaves the cluster too, and returns after boot.
    lab.ssh_ok("broker2.lab.test", "reboot");
    assert!(wait_until(Duration::from_secs(5), || !live_brokers(
        &metadata()
    )
    .contains(&2)));
    assert!(wait_until(Duration::from_secs(20), || live_brokers(
        &metadata()
    ) == [1, 2, 3]));

    assert_eq!(lab.down(), "", "lab down left things behind");
}

#[test]
fn unhealthy_broker_stays_out_of_sync_after_start() {
    if !running_as_root("unhealthy_broker_stays_out_of_sync_after_start") {
        return;
    }
    let mut lab = Lab::up(&[]);
    let host = "broker3.lab.test";
    run_lab(&["unhealthy", host]);
    lab.ssh_ok(host, "systemctl restart confluent-server");
    std::thread::sleep(Duration::from_secs(3)); // well past the catch-up time
    assert_eq!(
        lab.ssh_ok(host, "systemctl is-active confluent-server"),
        "active"
    );
    assert_eq!(
        live_brokers(&metadata()),
        [1, 2],
        "the broker never rejoined"
    );
    assert!(modelled_isr().iter().all(|isr| !isr.contains(&3)));

    run_lab(&["heal", host, "unhealthy"]);
    assert!(wait_until(Duration::from_secs(5), || live_brokers(
        &metadata()
    ) == [1, 2, 3]));
    assert_eq!(lab.down(), "", "lab down left things behind");
}
