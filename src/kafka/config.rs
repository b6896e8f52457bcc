//! The client configuration: bootstrap servers plus librdkafka properties passed through.

use rdkafka::ClientConfig;

/// What a client needs to reach the cluster.
#[derive(Debug, Clone, Default)]
pub struct ClientSettings {
    pub bootstrap_servers: String,
    /// librdkafka properties (`security.protocol`, `ssl.ca.location`, ...), as given.
    pub properties: Vec<(String, String)>,
}

impl ClientSettings {
    /// librdkafka's configuration. Its own logging stays quiet: failures reach the caller
    /// as errors, and a property value (a password) must never reach a log.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap_servers);
        config.set("log_level", "0");
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        config
    }
}

/// Bootstrap servers from broker host names: `host:port,host:port`.
pub fn bootstrap_from_hosts(hosts: &[String], port: u16) -> String {
    hosts
        .iter()
        .map(|h| format!("{h}:{port}"))
        .collect::<Vec<_>>()
        .join(",")
}
