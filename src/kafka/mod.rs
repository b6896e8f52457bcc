//! Kafka-aware checks from the controller (the jumphost), over the Kafka protocol with
//! librdkafka: the client configuration, a metadata snapshot of the cluster, and the health
//! evaluation and roll gate on it. docs/kafka.md describes the rules.

pub mod config;
pub mod cp_ansible;
pub mod events_topic;
pub mod health;
pub mod metadata;
pub mod quorum;
pub mod roll_order;
