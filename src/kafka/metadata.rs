//! A snapshot of what the cluster reports: live (registered) brokers and every partition's
//! leader, replicas and in-sync replicas, from one Metadata request.

use std::collections::HashMap;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;

/// One partition as the cluster reports it. `leader` is -1 when it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub topic: String,
    pub partition: i32,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
}

/// The cluster as one Metadata response shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Brokers in the response's broker list (registered and alive), sorted.
    pub brokers: Vec<i32>,
    pub partitions: Vec<Partition>,
    /// The response's ControllerId: in ZooKeeper mode the active controller; in KRaft
    /// mode an arbitrary broker (brokers are not controllers). None when unknown.
    pub controller_id: Option<i32>,
}

/// Why the cluster could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    #[error("cannot create a Kafka client: {0}")]
    Client(String),
    #[error("Metadata request failed: {0}")]
    Metadata(String),
}

pub type Admin = AdminClient<DefaultClientContext>;

pub fn admin(settings: &super::config::ClientSettings) -> Result<Admin, KafkaError> {
    settings
        .client_config()
        .create()
        .map_err(|e| KafkaError::Client(e.to_string()))
}

/// One Metadata request for all topics (blocking: call it off the async threads).
pub fn fetch(admin: &Admin, timeout: Duration) -> Result<Snapshot, KafkaError> {
    let md = admin
        .inner()
        .fetch_metadata(None, timeout)
        .map_err(|e| KafkaError::Metadata(e.to_string()))?;
    let mut brokers: Vec<i32> = md.brokers().iter().map(|b| b.id()).collect();
    brokers.sort_unstable();
    let mut partitions = Vec::new();
    for t in md.topics() {
        for p in t.partitions() {
            partitions.push(Partition {
                topic: t.name().to_string(),
                partition: p.id(),
                leader: p.leader(),
                replicas: p.replicas().to_vec(),
                isr: p.isr().to_vec(),
            });
        }
    }
    partitions.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
    // rdkafka's Metadata type does not carry the ControllerId; librdkafka keeps the last
    // response's, and with timeout 0 returns it without a request (-1: unknown).
    // SAFETY: the pointer is the live client's own handle, valid while `admin` is.
    let controller =
        unsafe { rdkafka::bindings::rd_kafka_controllerid(admin.inner().native_ptr(), 0) };
    Ok(Snapshot {
        brokers,
        partitions,
        controller_id: (controller >= 0).then_some(controller),
    })
}

/// Each topic's `min.insync.replicas` via DescribeConfigs, for the topics it answered for.
/// An empty map when the cluster does not answer (librdkafka's mock cluster, ACLs).
pub async fn min_insync_replicas(
    admin: &Admin,
    topics: &[String],
    timeout: Duration,
) -> HashMap<String, usize> {
    let specs: Vec<ResourceSpecifier> = topics
        .iter()
        .map(|t| ResourceSpecifier::Topic(t.as_str()))
        .collect();
    let opts = AdminOptions::new().request_timeout(Some(timeout));
    let answer = tokio::time::timeout(
        timeout + Duration::from_millis(500),
        admin.describe_configs(specs.iter(), &opts),
    )
    .await;
    let mut out = HashMap::new();
    if let Ok(Ok(results)) = answer {
        for (topic, r) in topics.iter().zip(results) {
            let value = r
                .ok()
                .and_then(|c| c.get("min.insync.replicas").and_then(|e| e.value.clone()));
            if let Some(n) = value.and_then(|v| v.parse().ok()) {
                out.insert(topic.clone(), n);
            }
        }
    }
    out
}
