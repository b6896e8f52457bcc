//! `kafka_client_config` (roller's own, runs on the controller): the Kafka client
//! configuration roller derives from the inventory (src/kafka/cp_ansible.rs), with secrets
//! masked. It connects to nothing: operators use it to see which listener, security
//! protocol and credentials `kafka_health` will use before a roll.

use async_trait::async_trait;

use super::args::check_known;
use super::kafka_vars::settings;
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::vars::{Key, Map, Value};

pub struct KafkaClientConfig;

#[async_trait]
impl Module for KafkaClientConfig {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &["bootstrap_servers", "listener", "config"])?;
        let settings = settings(cx, args)?;
        let text = |v: Option<&str>| v.map_or(Value::Null, |s| Value::Str(s.to_string()));
        let mut config = Map::new();
        for (k, v) in settings.redacted() {
            config.insert(Key::from(k), Value::Str(v));
        }
        Ok(Plan::Done(result([
            ("changed", Value::Bool(false)),
            (
                "bootstrap_servers",
                Value::Str(settings.bootstrap_servers.clone()),
            ),
            ("listener", text(settings.listener.as_deref())),
            (
                "security_protocol",
                text(settings.property("security.protocol")),
            ),
            ("sasl_mechanism", text(settings.property("sasl.mechanisms"))),
            ("config", Value::Map(config)),
        ])))
    }
}
