//! Which host holds cluster leadership, so that a roll can take it last: Kafka's active
//! controller in ZooKeeper mode (the Metadata response's ControllerId, matched to the
//! hosts' `broker_id`), ZooKeeper's leader (`srvr`). Reading the variables (`plan`) is
//! separate from asking the cluster (`find`), which is the only part that waits.

use std::sync::Arc;
use std::time::Duration;

use super::config::ClientSettings;
use super::cp_ansible::{BROKER_GROUP, InventoryVars, Overrides, client_settings};
use super::metadata;
use super::roll_order::{ZkMode, zookeeper_mode};
use crate::vars::Value;

const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const ZOOKEEPER_TIMEOUT: Duration = Duration::from_secs(2);

/// The leader among the hosts, or none, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leader {
    pub host: Option<String>,
    pub reason: String,
    pub controller_id: Option<i32>,
}

impl Leader {
    fn none(reason: impl Into<String>) -> Leader {
        Leader {
            host: None,
            reason: reason.into(),
            controller_id: None,
        }
    }
}

/// What to ask, from the inventory.
pub enum Plan {
    Controller {
        settings: ClientSettings,
        /// Each host and its `broker_id`.
        brokers: Vec<(String, Option<i64>)>,
    },
    ZooKeeper {
        /// Host, address, client port.
        servers: Vec<(String, String, u16)>,
    },
    Known(Leader),
}

/// The group whose leadership matters for these hosts: the first of kafka_broker,
/// zookeeper, kafka_controller that holds them all.
pub fn group_of(vars: &dyn InventoryVars, hosts: &[String]) -> Result<Option<String>, String> {
    for g in [BROKER_GROUP, "zookeeper", "kafka_controller"] {
        let members = vars.group(g).map_err(|e| e.to_string())?;
        if !hosts.is_empty() && hosts.iter().all(|h| members.contains(h)) {
            return Ok(Some(g.to_string()));
        }
    }
    Ok(None)
}

fn text(v: Option<Value>) -> Option<String> {
    v.and_then(|v| v.as_str().map(String::from))
}

fn int(v: Option<Value>) -> Option<i64> {
    match v? {
        Value::Int(i) => Some(i),
        Value::Str(s) | Value::Unsafe(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub fn plan(
    vars: &dyn InventoryVars,
    group: &str,
    hosts: &[String],
    overrides: &Overrides,
) -> Result<Plan, String> {
    let var = |h: &str, n: &str| vars.host_var(h, n).map_err(|e| e.to_string());
    match group {
        BROKER_GROUP => {
            if !vars
                .group("kafka_controller")
                .map_err(|e| e.to_string())?
                .is_empty()
            {
                return Ok(Plan::Known(Leader::none(
                    "KRaft: the active controller is a kafka_controller host, not a broker; \
                     inventory order kept",
                )));
            }
            let settings = client_settings(vars, overrides).map_err(|e| e.to_string())?;
            let mut brokers = Vec::new();
            for h in hosts {
                brokers.push((h.clone(), int(var(h, "broker_id")?)));
            }
            Ok(Plan::Controller { settings, brokers })
        }
        "zookeeper" => {
            let mut servers = Vec::new();
            for h in hosts {
                let address = text(var(h, "ansible_host")?).unwrap_or_else(|| h.clone());
                let port = match var(h, "zookeeper_client_port")? {
                    None => 2181,
                    v => int(v)
                        .and_then(|p| u16::try_from(p).ok())
                        .ok_or_else(|| format!("zookeeper_client_port of {h}: not a port"))?,
                };
                servers.push((h.clone(), address, port));
            }
            Ok(Plan::ZooKeeper { servers })
        }
        "kafka_controller" => Ok(Plan::Known(Leader::none(
            "the KRaft quorum leader is not known to roller (librdkafka has no \
             DescribeQuorum); inventory order kept",
        ))),
        other => Ok(Plan::Known(Leader::none(format!(
            "{other} has no leader; inventory order kept"
        )))),
    }
}

pub async fn find(plan: Plan) -> Result<Leader, String> {
    match plan {
        Plan::Known(l) => Ok(l),
        Plan::Controller { settings, brokers } => active_controller(settings, brokers).await,
        Plan::ZooKeeper { servers } => Ok(zookeeper_leader(servers).await),
    }
}

async fn active_controller(
    settings: ClientSettings,
    brokers: Vec<(String, Option<i64>)>,
) -> Result<Leader, String> {
    let admin = Arc::new(metadata::admin(&settings).map_err(|e| e.to_string())?);
    let bootstrap = settings.bootstrap_servers.clone();
    let snap = tokio::task::spawn_blocking(move || metadata::fetch(&admin, REQUEST_TIMEOUT))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| {
            format!(
                "cannot read the cluster's metadata from {bootstrap}: {e}; check the Kafka \
                 client settings (kafka_client_config module), or roll in inventory order \
                 with -e rolling_update_controller_last=false"
            )
        })?;
    let Some(id) = snap.controller_id else {
        return Ok(Leader::none(
            "the cluster named no controller; inventory order kept",
        ));
    };
    Ok(
        match brokers.iter().find(|(_, b)| *b == Some(i64::from(id))) {
            Some((h, _)) => Leader {
                host: Some(h.clone()),
                reason: format!("{h} (broker {id}) is the active controller: rolled last"),
                controller_id: Some(id),
            },
            None => Leader {
                host: None,
                reason: format!(
                    "the active controller (broker {id}) is not among the hosts (by \
                     broker_id); inventory order kept"
                ),
                controller_id: Some(id),
            },
        },
    )
}

async fn zookeeper_leader(servers: Vec<(String, String, u16)>) -> Leader {
    let mut queries = Vec::new();
    for (host, address, port) in servers {
        queries.push(tokio::task::spawn_blocking(move || {
            (host, zookeeper_mode(&address, port, ZOOKEEPER_TIMEOUT))
        }));
    }
    let mut problems = Vec::new();
    let mut leader = None;
    for q in queries {
        match q.await {
            Ok((host, Ok(ZkMode::Leader))) => leader = Some(host),
            Ok((_, Ok(_))) => {}
            Ok((host, Err(e))) => problems.push(format!("{host}: {e}")),
            Err(e) => problems.push(e.to_string()),
        }
    }
    match leader {
        Some(h) => Leader {
            reason: format!("{h} is the ZooKeeper leader (srvr): rolled last"),
            host: Some(h),
            controller_id: None,
        },
        None if problems.is_empty() => {
            Leader::none("no ZooKeeper server is the leader; inventory order kept")
        }
        None => Leader::none(format!(
            "the ZooKeeper leader is unknown ({}); inventory order kept",
            problems.join("; ")
        )),
    }
}
