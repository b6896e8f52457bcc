//! What a Kafka client sees: a Metadata request to the cluster, printed as JSON.

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::metadata::Metadata;
use std::time::Duration;

pub fn fetch(bootstrap_servers: &str) -> Result<Metadata, String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers)
        .set("log_level", "0")
        .create()
        .map_err(|e| format!("client: {e}"))?;
    consumer
        .fetch_metadata(None, Duration::from_secs(10))
        .map_err(|e| format!("metadata: {e}"))
}

pub fn print(bootstrap_servers: &str) -> Result<(), String> {
    let seen = fetch(bootstrap_servers)?;
    let brokers: Vec<i32> = seen.brokers().iter().map(|b| b.id()).collect();
    let partitions: Vec<serde_json::Value> = seen
        .topics()
        .iter()
        .flat_map(|t| {
            t.partitions().iter().map(|p| {
                serde_json::json!({
                    "topic": t.name(), "partition": p.id(), "leader": p.leader(),
                    "replicas": p.replicas(), "isr": p.isr(),
                })
            })
        })
        .collect();
    println!(
        "{:#}",
        serde_json::json!({ "brokers": brokers, "partitions": partitions })
    );
    Ok(())
}
