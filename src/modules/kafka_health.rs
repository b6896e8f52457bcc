//! `kafka_health` (roller's own, runs on the controller): the Kafka cluster's health from
//! a Metadata request (registered brokers, under-replicated / offline / under-min-ISR
//! partitions), optionally waiting for it, and the can-roll gate for one broker.
//! The rules are in src/kafka/health.rs; docs/kafka.md documents the module.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::args::{check_known, get, integer};
use super::kafka_vars::{TaskVars, quoted, settings};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::kafka::cp_ansible::InventoryVars;
use crate::kafka::health::{MAX_OFFENDING, MinIsr, Report, can_roll_blockers, evaluate, names};
use crate::kafka::metadata::{self, Partition, Snapshot};
use crate::vars::{Map, Value};

const KNOWN: &[&str] = &[
    "bootstrap_servers",
    "listener",
    "expected_brokers",
    "config",
    "min_insync_replicas",
    "wait",
    "can_roll",
];

/// Each Metadata request's timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long DescribeConfigs may take before the default min.insync.replicas is used (a
/// real cluster answers in milliseconds).
const DESCRIBE_TIMEOUT: Duration = Duration::from_secs(1);

pub struct KafkaHealth;

/// How long a finished check waits for DescribeConfigs before reporting with the default.
const DESCRIBE_GRACE: Duration = Duration::from_millis(50);

/// DescribeConfigs for the topics' min.insync.replicas, running beside the metadata polls:
/// librdkafka's mock cluster (the lab) never answers it, and a health check must not wait.
enum Describe {
    NotStarted,
    Running(tokio::task::JoinHandle<HashMap<String, usize>>),
    /// Answered for at least one topic.
    Described,
    Unanswered,
}

impl Describe {
    fn start(admin: &Arc<metadata::Admin>, snap: &Snapshot) -> Describe {
        let mut topics: Vec<String> = snap.partitions.iter().map(|p| p.topic.clone()).collect();
        topics.dedup();
        let admin = Arc::clone(admin);
        Describe::Running(tokio::spawn(async move {
            metadata::min_insync_replicas(&admin, &topics, DESCRIBE_TIMEOUT).await
        }))
    }

    /// Takes the answer into MIN if it comes within GRACE.
    async fn settle(&mut self, min: &mut MinIsr, grace: Duration) {
        let Describe::Running(handle) = self else {
            return;
        };
        match tokio::time::timeout(grace, handle).await {
            Err(_) => {}
            Ok(Ok(per_topic)) if !per_topic.is_empty() => {
                min.per_topic = per_topic;
                *self = Describe::Described;
            }
            Ok(_) => *self = Describe::Unanswered,
        }
    }

    fn source(&self) -> &'static str {
        match self {
            Describe::Described => "DescribeConfigs",
            _ => "default",
        }
    }
}

pub(super) struct Wait {
    pub(super) timeout: Duration,
    pub(super) interval: Duration,
    pub(super) stable_checks: u32,
}

fn seconds(v: &Value, key: &str) -> Result<f64, ModuleError> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(s) | Value::Unsafe(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
    .ok_or_else(|| ModuleError::new(format!("wait.{key} must be a number of seconds")))
}

pub(super) fn parse_wait(args: &Map) -> Result<Option<Wait>, ModuleError> {
    let Some(v) = get(args, "wait") else {
        return Ok(None);
    };
    let Value::Map(w) = v else {
        return Err(ModuleError::new(
            "wait must be a dict: {timeout, interval, stable_checks}",
        ));
    };
    check_known(w, &["timeout", "interval", "stable_checks"])?;
    let timeout = match get(w, "timeout") {
        Some(t) => seconds(t, "timeout")?,
        None => return Err(ModuleError::new("wait.timeout is required")),
    };
    let interval = get(w, "interval")
        .map(|i| seconds(i, "interval"))
        .transpose()?
        .unwrap_or(0.5)
        .max(0.05);
    let stable_checks = integer(w, "stable_checks")?.unwrap_or(1).max(1) as u32;
    Ok(Some(Wait {
        timeout: Duration::from_secs_f64(timeout),
        interval: Duration::from_secs_f64(interval),
        stable_checks,
    }))
}

fn expr(cx: &ModuleContext<'_>, e: &str) -> Result<Value, ModuleError> {
    TaskVars(cx)
        .expr(e)
        .map_err(|err| ModuleError::new(format!("kafka_health: {e}: {err}")))
}

fn broker_hosts(cx: &ModuleContext<'_>) -> Result<Vec<String>, ModuleError> {
    TaskVars(cx)
        .broker_hosts()
        .map_err(|e| ModuleError::new(e.to_string()))
}

fn as_id(v: &Value) -> Option<i32> {
    match v {
        Value::Int(i) => i32::try_from(*i).ok(),
        Value::Str(s) | Value::Unsafe(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The brokers expected: ids, or only how many when the inventory has no `broker_id`s.
enum Expected {
    Ids(Vec<i32>),
    Count(usize),
}

fn expected(cx: &ModuleContext<'_>, args: &Map) -> Result<Expected, ModuleError> {
    match get(args, "expected_brokers") {
        Some(Value::List(items)) => items
            .iter()
            .map(|v| as_id(v).ok_or_else(|| ModuleError::new("expected_brokers: not a broker id")))
            .collect::<Result<Vec<_>, _>>()
            .map(Expected::Ids),
        Some(v) => as_id(v)
            .filter(|n| *n >= 0)
            .map(|n| Expected::Count(n as usize))
            .ok_or_else(|| ModuleError::new("expected_brokers: a count or a list of broker ids")),
        None => {
            let hosts = broker_hosts(cx)?;
            let mut ids = Vec::new();
            for h in &hosts {
                let id = expr(
                    cx,
                    &format!("hostvars[{}].broker_id | default(none)", quoted(h)),
                )?;
                match as_id(&id) {
                    Some(id) => ids.push(id),
                    None => return Ok(Expected::Count(hosts.len())),
                }
            }
            ids.sort_unstable();
            Ok(Expected::Ids(ids))
        }
    }
}

fn int_list(ids: &[i32]) -> Value {
    Value::List(ids.iter().map(|i| Value::Int(i64::from(*i))).collect())
}

fn partition_value(p: &Partition) -> Value {
    Value::Map(result([
        ("topic", Value::Str(p.topic.clone())),
        ("partition", Value::Int(i64::from(p.partition))),
        ("leader", Value::Int(i64::from(p.leader))),
        ("replicas", int_list(&p.replicas)),
        ("isr", int_list(&p.isr)),
    ]))
}

/// One check's verdict.
struct Check {
    report: Report,
    count_short: Option<(usize, usize)>,
    /// For `can_roll`: the partitions that forbid the restart.
    blockers: Option<Vec<Partition>>,
    controller_id: Option<i32>,
}

impl Check {
    fn ok(&self) -> bool {
        match &self.blockers {
            Some(b) => b.is_empty(),
            None => self.report.healthy() && self.count_short.is_none(),
        }
    }
}

fn check(snap: &Snapshot, expected: &Expected, min_isr: &MinIsr, can_roll: Option<i32>) -> Check {
    let ids: &[i32] = match expected {
        Expected::Ids(ids) => ids,
        Expected::Count(_) => &[],
    };
    let report = evaluate(snap, ids, min_isr);
    let count_short = match expected {
        Expected::Count(n) if snap.brokers.len() < *n => Some((snap.brokers.len(), *n)),
        _ => None,
    };
    let blockers = can_roll.map(|b| can_roll_blockers(snap, b, min_isr));
    Check {
        report,
        count_short,
        blockers,
        controller_id: snap.controller_id,
    }
}

fn message(c: &Check, can_roll: Option<i32>) -> String {
    let mut msg = c.report.summary();
    if let Some((seen, want)) = c.count_short {
        msg = format!("Kafka cluster unhealthy: {seen} of {want} brokers registered. {msg}");
    }
    if let (Some(broker), Some(blockers)) = (can_roll, &c.blockers) {
        msg = if blockers.is_empty() {
            format!(
                "Broker {broker} can be restarted: no partition would fall below min.insync.replicas. {msg}"
            )
        } else {
            let shown = &blockers[..blockers.len().min(MAX_OFFENDING)];
            format!(
                "Broker {broker} must not be restarted now: {} partitions would fall below \
                 min.insync.replicas without it ({}). Wait until their replicas are back in \
                 sync (bring missing brokers back) before restarting it. {msg}",
                blockers.len(),
                names(shown, blockers.len())
            )
        };
    }
    msg
}

fn outcome(
    c: &Check,
    can_roll: Option<i32>,
    min_isr: &MinIsr,
    elapsed: Duration,
    checks: u32,
) -> Map {
    let r = &c.report;
    let expected = match (&r.expected_brokers, c.count_short) {
        (ids, _) if !ids.is_empty() => int_list(ids),
        (_, Some((_, n))) => Value::Int(n as i64),
        _ => int_list(&[]),
    };
    let mut out = result([
        ("changed", Value::Bool(false)),
        (
            "healthy",
            Value::Bool(r.healthy() && c.count_short.is_none()),
        ),
        ("brokers", int_list(&r.brokers)),
        ("expected_brokers", expected),
        ("missing_brokers", int_list(&r.missing_brokers)),
        (
            "controller_id",
            c.controller_id
                .map_or(Value::Null, |id| Value::Int(i64::from(id))),
        ),
        (
            "partitions",
            Value::Map(result([
                ("total", Value::Int(r.total as i64)),
                ("under_replicated", Value::Int(r.under_replicated as i64)),
                ("offline", Value::Int(r.offline as i64)),
                ("under_min_isr", Value::Int(r.under_min_isr as i64)),
            ])),
        ),
        (
            "offending",
            Value::List(r.offending.iter().map(partition_value).collect()),
        ),
        (
            "min_insync_replicas_default",
            Value::Int(min_isr.default as i64),
        ),
        (
            "elapsed",
            Value::Float((elapsed.as_secs_f64() * 1000.0).round() / 1000.0),
        ),
        ("checks", Value::Int(i64::from(checks))),
        ("msg", Value::Str(message(c, can_roll))),
    ]);
    if let (Some(broker), Some(blockers)) = (can_roll, &c.blockers) {
        out.insert("can_roll".into(), Value::Bool(blockers.is_empty()));
        out.insert("broker".into(), Value::Int(i64::from(broker)));
        out.insert(
            "blocking".into(),
            Value::List(
                blockers
                    .iter()
                    .take(MAX_OFFENDING)
                    .map(partition_value)
                    .collect(),
            ),
        );
    }
    out
}

async fn fetch(admin: &Arc<metadata::Admin>) -> Result<Snapshot, String> {
    let admin = Arc::clone(admin);
    tokio::task::spawn_blocking(move || metadata::fetch(&admin, REQUEST_TIMEOUT))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

#[async_trait]
impl Module for KafkaHealth {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, KNOWN)?;
        let wait = parse_wait(args)?;
        let can_roll = match get(args, "can_roll") {
            None => None,
            Some(v) => Some(as_id(v).ok_or_else(|| ModuleError::new("can_roll: a broker id"))?),
        };
        let default_min = integer(args, "min_insync_replicas")?.unwrap_or(2).max(1) as usize;
        let expected = expected(cx, args)?;
        let settings = settings(cx, args)?;
        let admin =
            Arc::new(metadata::admin(&settings).map_err(|e| ModuleError::new(e.to_string()))?);

        let start = Instant::now();
        let deadline = wait.as_ref().map(|w| start + w.timeout);
        let (interval, stable) = wait
            .as_ref()
            .map_or((Duration::ZERO, 1), |w| (w.interval, w.stable_checks));
        let mut min = MinIsr {
            per_topic: HashMap::new(),
            default: default_min,
        };
        let mut describe = Describe::NotStarted;
        let mut clean = 0;
        let mut checks = 0;
        loop {
            checks += 1;
            let snap = fetch(&admin).await;
            let last = deadline.is_none_or(|d| Instant::now() + interval >= d);
            let snap = match snap {
                Ok(s) => s,
                Err(e) if last => {
                    return Err(ModuleError::new(format!(
                        "kafka_health: cannot read the cluster's metadata from {}: {e}",
                        settings.bootstrap_servers
                    ))
                    .with("healthy", Value::Bool(false)));
                }
                Err(_) => {
                    clean = 0;
                    tokio::time::sleep(interval).await;
                    continue;
                }
            };
            if let Describe::NotStarted = describe {
                describe = Describe::start(&admin, &snap);
            }
            // The gate depends on min.insync.replicas: wait for DescribeConfigs' answer.
            // The health verdict does not (only the under_min_isr count does).
            if can_roll.is_some() {
                describe.settle(&mut min, DESCRIBE_TIMEOUT * 2).await;
            }
            let c = check(&snap, &expected, &min, can_roll);
            let done = if c.ok() {
                clean += 1;
                clean >= stable
            } else {
                clean = 0;
                false
            };
            if done || last {
                describe.settle(&mut min, DESCRIBE_GRACE).await;
                let c = check(&snap, &expected, &min, can_roll);
                let mut out = outcome(&c, can_roll, &min, start.elapsed(), checks);
                out.insert(
                    "min_insync_replicas_source".into(),
                    Value::Str(describe.source().into()),
                );
                if done {
                    return Ok(Plan::Done(out));
                }
                let mut err = ModuleError::new(message(&c, can_roll));
                out.shift_remove(&crate::vars::Key::from("msg"));
                err.result = out;
                return Err(err);
            }
            tokio::time::sleep(interval).await;
        }
    }
}
