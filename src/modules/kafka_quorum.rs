//! `kafka_quorum` (roller's own, runs on the controller): may a KRaft controller (a quorum
//! voter) restart now? Only while the other voters that answer still form a majority.
//! Read-only; with `wait`, polls until it may. docs/kafka.md ("KRaft controllers").

use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::args::{check_known, get, string};
use super::kafka_health::parse_wait;
use super::kafka_vars::{TaskVars, quoted};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::kafka::quorum::{QuorumVerdict, Voter, listener_answers, may_restart};
use crate::vars::{Map, Value};

pub struct KafkaQuorum;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const DEFAULT_PORT: u16 = 9093;

fn expr(cx: &ModuleContext<'_>, e: &str) -> Result<Value, ModuleError> {
    TaskVars(cx)
        .expr(e)
        .map_err(|err| ModuleError::new(format!("kafka_quorum: {e}: {err}")))
}

/// A voter's controller listener: `ansible_host` (the address roller reaches the host
/// at) or the host name, and `kafka_controller_port` (cp-ansible's, default 9093).
fn endpoint(cx: &ModuleContext<'_>, host: &str) -> Result<(String, u16), ModuleError> {
    let h = quoted(host);
    let address = match expr(cx, &format!("hostvars[{h}].ansible_host | default(none)"))? {
        Value::Str(s) | Value::Unsafe(s) => s,
        _ => host.to_string(),
    };
    let port = match expr(
        cx,
        &format!("hostvars[{h}].kafka_controller_port | default(none)"),
    )? {
        Value::Null => Some(DEFAULT_PORT),
        Value::Int(p) => u16::try_from(p).ok(),
        Value::Str(s) | Value::Unsafe(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ModuleError::new(format!("kafka_controller_port of {host}: not a port")))?;
    Ok((address, port))
}

async fn probe(endpoints: &[(String, String, u16)]) -> Vec<Voter> {
    let mut probes = Vec::new();
    for (host, address, port) in endpoints.iter().cloned() {
        probes.push(tokio::task::spawn_blocking(move || Voter {
            reachable: listener_answers(&address, port, CONNECT_TIMEOUT),
            host,
        }));
    }
    let mut voters = Vec::new();
    for (p, (host, _, _)) in probes.into_iter().zip(endpoints) {
        voters.push(p.await.unwrap_or(Voter {
            host: host.clone(),
            reachable: false,
        }));
    }
    voters
}

fn outcome(voter: &str, voters: &[Voter], v: &QuorumVerdict, checks: u32, start: Instant) -> Map {
    let names = |f: &dyn Fn(&Voter) -> bool| {
        Value::List(
            voters
                .iter()
                .filter(|x| f(x))
                .map(|x| Value::Str(x.host.clone()))
                .collect(),
        )
    };
    result([
        ("changed", Value::Bool(false)),
        ("can_roll", Value::Bool(v.allowed)),
        ("voter", Value::Str(voter.to_string())),
        ("voters", names(&|_| true)),
        ("unreachable", names(&|x| !x.reachable)),
        ("majority", Value::Int(v.majority as i64)),
        ("others_reachable", Value::Int(v.others_reachable as i64)),
        ("checks", Value::Int(i64::from(checks))),
        (
            "elapsed",
            Value::Float((start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0),
        ),
    ])
}

fn refusal(voter: &str, v: &QuorumVerdict) -> String {
    format!(
        "KRaft controller {voter} must not be restarted now: without it {} of the other \
         voters answer, and the quorum needs {} (unreachable: {}). Bring the unreachable \
         controllers back first; the roll stopped before anything was stopped.",
        v.others_reachable,
        v.majority,
        if v.unreachable.is_empty() {
            "none".to_string()
        } else {
            v.unreachable.join(", ")
        }
    )
}

#[async_trait]
impl Module for KafkaQuorum {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, &["voter", "voters", "wait"])?;
        let voter = match string(args, "voter")? {
            Some(v) => v,
            None => match expr(cx, "inventory_hostname")? {
                Value::Str(s) | Value::Unsafe(s) => s,
                _ => return Err(ModuleError::new("kafka_quorum: voter is required")),
            },
        };
        let voters_value = match get(args, "voters") {
            Some(v) => v.clone(),
            None => expr(cx, "groups['kafka_controller'] | default([])")?,
        };
        let hosts: Vec<String> = match &voters_value {
            Value::List(items) => items
                .iter()
                .filter_map(|h| h.as_str().map(String::from))
                .collect(),
            _ => return Err(ModuleError::new("voters: a list of inventory host names")),
        };
        if !hosts.contains(&voter) {
            return Err(ModuleError::new(format!(
                "kafka_quorum: {voter} is not one of the voters ({}); the voters are the \
                 kafka_controller group's hosts unless `voters` names them",
                hosts.join(", ")
            )));
        }
        let mut endpoints = Vec::new();
        for h in &hosts {
            let (address, port) = endpoint(cx, h)?;
            endpoints.push((h.clone(), address, port));
        }
        let wait = parse_wait(args)?;
        let start = Instant::now();
        let deadline = wait.as_ref().map(|w| start + w.timeout);
        let interval = wait.as_ref().map_or(Duration::ZERO, |w| w.interval);
        let mut checks = 0;
        loop {
            checks += 1;
            let voters = probe(&endpoints).await;
            let verdict = may_restart(&voters, &voter);
            let last = deadline.is_none_or(|d| Instant::now() + interval >= d);
            if verdict.allowed || last {
                let out = outcome(&voter, &voters, &verdict, checks, start);
                if verdict.allowed {
                    return Ok(Plan::Done(out));
                }
                let mut err = ModuleError::new(refusal(&voter, &verdict));
                err.result = out;
                return Err(err);
            }
            tokio::time::sleep(interval).await;
        }
    }
}
