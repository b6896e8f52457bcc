//! `kafka_roll_order` (roller's own, runs on the controller): the hosts of a rolling play
//! with the one holding cluster leadership last (src/kafka/leader.rs). It changes nothing.
//! The engine does the same for a play with `roller_order: leader_last`. docs/kafka.md
//! ("Roll order").

use async_trait::async_trait;

use super::args::{check_known, get, string};
use super::kafka_vars::{TemplateVars, overrides};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::kafka::leader;
use crate::kafka::roll_order::with_last;
use crate::vars::{Map, Value};

pub struct KafkaRollOrder;

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::List(items) => items
            .iter()
            .filter_map(|h| h.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

#[async_trait]
impl Module for KafkaRollOrder {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(
            args,
            &["hosts", "group", "bootstrap_servers", "listener", "config"],
        )?;
        let vars = TemplateVars::of(cx);
        let hosts = match get(args, "hosts") {
            Some(v @ Value::List(_)) => strings(v),
            Some(_) => return Err(ModuleError::new("hosts: a list of inventory host names")),
            None => strings(&vars.expr("ansible_play_hosts").map_err(ModuleError::new)?),
        };
        let group = string(args, "group")?.unwrap_or_else(|| "kafka_broker".into());
        let plan = leader::plan(&vars, &group, &hosts, &overrides(args)?)
            .map_err(|e| ModuleError::new(format!("kafka_roll_order: {e}")))?;
        let found = leader::find(plan)
            .await
            .map_err(|e| ModuleError::new(format!("kafka_roll_order: {e}")))?;
        let ordered = with_last(&hosts, found.host.as_deref());
        Ok(Plan::Done(result([
            ("changed", Value::Bool(false)),
            (
                "hosts",
                Value::List(ordered.into_iter().map(Value::Str).collect()),
            ),
            ("last", found.host.map_or(Value::Null, Value::Str)),
            (
                "controller_id",
                found
                    .controller_id
                    .map_or(Value::Null, |id| Value::Int(i64::from(id))),
            ),
            ("msg", Value::Str(found.reason)),
        ])))
    }
}
