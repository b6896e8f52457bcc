//! roller: an Ansible-compatible orchestrator for rolling maintenance of Kafka / Confluent
//! clusters. The binary is a thin wrapper around [`cli::run`].

pub mod cli;
pub mod config;
pub mod connection;
pub mod exec;
pub mod inventory;
pub mod kafka;
pub mod kerberos;
pub mod modules;
pub mod output;
pub mod playbook;
pub mod template;
pub mod vars;
pub mod yaml;
