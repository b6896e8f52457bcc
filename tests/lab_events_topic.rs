//! `--events-topic`: a run's events reach a Kafka topic (the lab's Kafka, librdkafka's mock
//! cluster), the same lines as the `--json-events` file, in order, all keyed by the run.

mod lab_support;
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use lab_support::{Lab, running_as_root};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use support::{TempDir, repo_root, roller_bin};

const TOPIC: &str = "roller.events";

/// Every message on the topic (all its partitions; the mock auto-created it), read from
/// the beginning until COUNT arrived or 30 s passed.
fn consume(bootstrap: &str, count: usize) -> Vec<(String, String)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "lab-events-topic-test")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let metadata = consumer
        .fetch_metadata(Some(TOPIC), Duration::from_secs(10))
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for t in metadata.topics() {
        for p in t.partitions() {
            tpl.add_partition_offset(TOPIC, p.id(), Offset::Beginning)
                .unwrap();
        }
    }
    assert!(tpl.count() > 0, "the topic has no partitions");
    consumer.assign(&tpl).unwrap();
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < count && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let text =
                |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
            got.push((text(m.key()), text(m.payload())));
        }
    }
    got
}

#[test]
fn run_events_are_published_to_the_topic() {
    if !running_as_root("run_events_are_published_to_the_topic") {
        return;
    }
    let mut lab = Lab::up(&["--no-kdc"]);
    let scratch = TempDir::new("events-topic");
    let playbook = scratch.path().join("play.yml");
    std::fs::write(
        &playbook,
        "- hosts: kafka_broker\n  gather_facts: false\n  tasks:\n\
         \x20   - command: uname -n\n    - command: 'true'\n      no_log: true\n",
    )
    .unwrap();
    let events = scratch.path().join("events.jsonl");
    let out = Command::new(roller_bin())
        .args(["playbook", "-i", "inventories/lab/hosts.yml"])
        .arg(&playbook)
        .arg("--json-events")
        .arg(&events)
        .args(["--events-topic", TOPIC])
        .current_dir(repo_root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("not delivered"), "{stderr}");
    let lines: Vec<String> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert!(lines.len() > 10, "{lines:?}");
    let bootstrap =
        std::fs::read_to_string(lab_support::lab_dir().join("kafka/bootstrap")).unwrap();
    let got = consume(bootstrap.trim(), lines.len());
    let payloads: Vec<String> = got.iter().map(|(_, p)| p.clone()).collect();
    assert_eq!(payloads, lines);
    let key = &got[0].0;
    assert!(!key.is_empty());
    assert!(got.iter().all(|(k, _)| k == key), "one key per run");
    assert_eq!(lab.down(), "", "lab down left things behind");
}
