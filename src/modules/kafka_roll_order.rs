//! `kafka_roll_order` (roller's own, runs on the controller): the hosts of a rolling play
//! with the one holding cluster leadership last: for kafka_broker in ZooKeeper mode the
//! active controller (the Metadata response's ControllerId), for zookeeper the leader
//! (`srvr`). It changes nothing. docs/kafka.md ("Roll order").

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::args::{check_known, get, string};
use super::kafka_vars::{TaskVars, quoted, settings};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::kafka::metadata;
use crate::kafka::roll_order::{ZkMode, with_last, zookeeper_mode};
use crate::vars::{Map, Value};

pub struct KafkaRollOrder;

const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const ZOOKEEPER_TIMEOUT: Duration = Duration::from_secs(2);

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::List(items) => items
            .iter()
            .filter_map(|h| h.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

fn host_var(cx: &ModuleContext<'_>, host: &str, name: &str) -> Result<Value, ModuleError> {
    TaskVars(cx)
        .expr(&format!(
            "hostvars[{}][{}] | default(none)",
            quoted(host),
            quoted(name)
        ))
        .map_err(|e| ModuleError::new(format!("kafka_roll_order: {name} of {host}: {e}")))
}

/// Which host leads, and why (or why none is known).
struct Leader {
    host: Option<String>,
    reason: String,
    controller_id: Option<i32>,
}

async fn kafka_controller(
    cx: &ModuleContext<'_>,
    args: &Map,
    hosts: &[String],
) -> Result<Leader, ModuleError> {
    let controllers = TaskVars(cx)
        .expr("groups['kafka_controller'] | default([])")
        .map_err(ModuleError::new)?;
    if !strings(&controllers).is_empty() {
        return Ok(Leader {
            host: None,
            reason: "KRaft: the active controller is a kafka_controller host, not a broker; \
                     inventory order kept"
                .into(),
            controller_id: None,
        });
    }
    let settings = settings(cx, args)?;
    let admin = Arc::new(metadata::admin(&settings).map_err(|e| ModuleError::new(e.to_string()))?);
    let snap = tokio::task::spawn_blocking(move || metadata::fetch(&admin, REQUEST_TIMEOUT))
        .await
        .map_err(|e| ModuleError::new(e.to_string()))?
        .map_err(|e| {
            ModuleError::new(format!(
                "kafka_roll_order: cannot read the cluster's metadata from {}: {e}; check the \
                 Kafka client settings (kafka_client_config module), or roll in inventory \
                 order with -e rolling_update_controller_last=false",
                settings.bootstrap_servers
            ))
        })?;
    let Some(id) = snap.controller_id else {
        return Ok(Leader {
            host: None,
            reason: "the cluster named no controller; inventory order kept".into(),
            controller_id: None,
        });
    };
    for h in hosts {
        let broker = host_var(cx, h, "broker_id")?;
        let matches = match &broker {
            Value::Int(b) => *b == i64::from(id),
            Value::Str(s) | Value::Unsafe(s) => s.trim() == id.to_string(),
            _ => false,
        };
        if matches {
            return Ok(Leader {
                host: Some(h.clone()),
                reason: format!("{h} (broker {id}) is the active controller: rolled last"),
                controller_id: Some(id),
            });
        }
    }
    Ok(Leader {
        host: None,
        reason: format!(
            "the active controller (broker {id}) is not among the hosts (by broker_id); \
             inventory order kept"
        ),
        controller_id: Some(id),
    })
}

async fn zookeeper_leader(cx: &ModuleContext<'_>, hosts: &[String]) -> Result<Leader, ModuleError> {
    let mut queries = Vec::new();
    for h in hosts {
        let address = match host_var(cx, h, "ansible_host")? {
            Value::Str(s) | Value::Unsafe(s) => s,
            _ => h.clone(),
        };
        let port = match host_var(cx, h, "zookeeper_client_port")? {
            Value::Int(p) => u16::try_from(p).ok(),
            Value::Str(s) | Value::Unsafe(s) => s.trim().parse().ok(),
            _ => Some(2181),
        }
        .ok_or_else(|| ModuleError::new(format!("zookeeper_client_port of {h}: not a port")))?;
        let host = h.clone();
        queries.push(tokio::task::spawn_blocking(move || {
            (host, zookeeper_mode(&address, port, ZOOKEEPER_TIMEOUT))
        }));
    }
    let mut problems = Vec::new();
    let mut leader = None;
    for q in queries {
        let (host, mode) = q.await.map_err(|e| ModuleError::new(e.to_string()))?;
        match mode {
            Ok(ZkMode::Leader) => leader = Some(host),
            Ok(_) => {}
            Err(e) => problems.push(format!("{host}: {e}")),
        }
    }
    Ok(match leader {
        Some(h) => Leader {
            reason: format!("{h} is the ZooKeeper leader (srvr): rolled last"),
            host: Some(h),
            controller_id: None,
        },
        None => Leader {
            host: None,
            reason: if problems.is_empty() {
                "no ZooKeeper server is the leader; inventory order kept".into()
            } else {
                format!(
                    "the ZooKeeper leader is unknown ({}); inventory order kept",
                    problems.join("; ")
                )
            },
            controller_id: None,
        },
    })
}

#[async_trait]
impl Module for KafkaRollOrder {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(
            args,
            &["hosts", "group", "bootstrap_servers", "listener", "config"],
        )?;
        let hosts = match get(args, "hosts") {
            Some(v @ Value::List(_)) => strings(v),
            Some(_) => return Err(ModuleError::new("hosts: a list of inventory host names")),
            None => strings(
                &TaskVars(cx)
                    .expr("ansible_play_hosts")
                    .map_err(ModuleError::new)?,
            ),
        };
        let group = string(args, "group")?.unwrap_or_else(|| "kafka_broker".into());
        let leader = match group.as_str() {
            "kafka_broker" => kafka_controller(cx, args, &hosts).await?,
            "zookeeper" => zookeeper_leader(cx, &hosts).await?,
            "kafka_controller" => Leader {
                host: None,
                reason: "the KRaft quorum leader is not known to roller (librdkafka has no \
                         DescribeQuorum); inventory order kept"
                    .into(),
                controller_id: None,
            },
            other => Leader {
                host: None,
                reason: format!("{other} has no leader; inventory order kept"),
                controller_id: None,
            },
        };
        let ordered = with_last(&hosts, leader.host.as_deref());
        Ok(Plan::Done(result([
            ("changed", Value::Bool(false)),
            (
                "hosts",
                Value::List(ordered.into_iter().map(Value::Str).collect()),
            ),
            ("last", leader.host.map_or(Value::Null, Value::Str)),
            (
                "controller_id",
                leader
                    .controller_id
                    .map_or(Value::Null, |id| Value::Int(i64::from(id))),
            ),
            ("msg", Value::Str(leader.reason)),
        ])))
    }
}
