//! The client configuration: bootstrap servers plus librdkafka properties.

use rdkafka::ClientConfig;

/// What a client needs to reach the cluster.
#[derive(Debug, Clone, Default)]
pub struct ClientSettings {
    pub bootstrap_servers: String,
    /// The cp-ansible listener the settings were derived for (none when given explicitly).
    pub listener: Option<String>,
    /// librdkafka properties (`security.protocol`, `ssl.ca.location`, ...); a later entry
    /// overrides an earlier one with the same key.
    pub properties: Vec<(String, String)>,
}

/// Shown instead of a secret property's value.
pub const MASK: &str = "********";

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

    /// The effective properties (the last value of each key, in first-seen order), with
    /// secrets masked: what may be shown to the operator.
    pub fn redacted(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (key, value) in &self.properties {
            let shown = if is_secret(key) {
                MASK.to_string()
            } else {
                value.clone()
            };
            match out.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = shown,
                None => out.push((key.clone(), shown)),
            }
        }
        out
    }

    /// The effective value of one property.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Properties whose values are credentials (librdkafka's `*.password`, `sasl.password`,
/// OAuth client secrets, inline PEM keys).
pub fn is_secret(key: &str) -> bool {
    key.contains("password") || key.contains("secret") || key.ends_with(".pem")
}
