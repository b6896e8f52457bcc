//! The Kafka cluster the lab models, kept in step with librdkafka's mock cluster.
//!
//! The mock serves the Kafka protocol but reports every replica as in sync and never moves
//! leaders by itself. This model does what Kafka's controller would: a stopped broker leaves
//! the in-sync replicas and its partitions get a new leader; a started broker catches up for
//! a while before it is back in sync and regains the leadership it prefers. In the mock, a
//! broker out of sync is down (absent from metadata's broker list, its port closed), since
//! the mock cannot list it as a live broker outside the ISR. See docs/lab.md.

use rdkafka::ClientConfig;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, DefaultProducerContext, Producer};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub const TOPIC: &str = "lab.events";
const PARTITIONS: i32 = 6;
const MIN_INSYNC_REPLICAS: usize = 2;

#[derive(Clone, Copy, PartialEq, Debug)]
enum BrokerState {
    InSync,
    Stopped,
    CatchingUp {
        until: Instant,
    },
    /// Started under the `unhealthy` fault: runs, never catches up until healed.
    Unhealthy,
}

struct Partition {
    id: i32,
    replicas: Vec<i32>,
    leader: Option<i32>,
}

pub struct Cluster {
    mock: MockCluster<'static, DefaultProducerContext>,
    brokers: BTreeMap<i32, BrokerState>,
    partitions: Vec<Partition>,
    catch_up: Duration,
    state_file: PathBuf,
    bootstrap_servers: String,
}

impl Cluster {
    /// A cluster of brokers with these ids. librdkafka's mock always names broker 0 as the
    /// active controller (its Metadata ControllerId), so a lab that wants a controller among
    /// its brokers gives one of them id 0.
    pub fn start(ids: &[i32], catch_up: Duration, state_file: PathBuf) -> Result<Cluster, String> {
        let mock = mock_with_ids(ids)?;
        let brokers = ids.len() as i32;
        let replication = brokers.min(3);
        mock.create_topic(TOPIC, PARTITIONS, replication)
            .map_err(|e| format!("create topic: {e}"))?;
        // The mock assigns replicas itself; read them back the way a client sees them.
        let seen = crate::metadata::fetch(&mock.bootstrap_servers())?;
        // The mock's own list still names brokers it was told to remove.
        let bootstrap_servers = seen
            .brokers()
            .iter()
            .map(|b| format!("{}:{}", b.host(), b.port()))
            .collect::<Vec<_>>()
            .join(",");
        let topic = seen
            .topics()
            .iter()
            .find(|t| t.name() == TOPIC)
            .ok_or("topic not in metadata")?;
        let partitions = topic
            .partitions()
            .iter()
            .map(|p| Partition {
                id: p.id(),
                replicas: p.replicas().to_vec(),
                leader: None,
            })
            .collect();
        let mut cluster = Cluster {
            mock,
            brokers: ids.iter().map(|id| (*id, BrokerState::InSync)).collect(),
            partitions,
            catch_up,
            state_file,
            bootstrap_servers,
        };
        // Preferred leaders, as after a clean start of Kafka.
        for i in 0..cluster.partitions.len() {
            let preferred = cluster.partitions[i].replicas[0];
            cluster.set_leader(i, Some(preferred))?;
        }
        cluster.write_state()?;
        Ok(cluster)
    }

    pub fn bootstrap_servers(&self) -> String {
        self.bootstrap_servers.clone()
    }

    /// Applies one control command and says what became of the broker.
    pub fn command(&mut self, line: &str) -> Result<String, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let broker: i32 = words
            .get(1)
            .and_then(|b| b.parse().ok())
            .ok_or("expected: VERB BROKER")?;
        let state = *self
            .brokers
            .get(&broker)
            .ok_or(format!("no broker {broker}"))?;
        match (words[0], state) {
            ("stop", BrokerState::Stopped) => {}
            ("stop", _) => self.stop(broker)?,
            ("start", BrokerState::Stopped) => {
                let next = if words.get(2) == Some(&"unhealthy") {
                    BrokerState::Unhealthy
                } else {
                    BrokerState::CatchingUp {
                        until: Instant::now() + self.catch_up,
                    }
                };
                self.brokers.insert(broker, next);
            }
            ("start", _) => {}
            ("heal", BrokerState::Unhealthy) => {
                self.brokers.insert(
                    broker,
                    BrokerState::CatchingUp {
                        until: Instant::now() + self.catch_up,
                    },
                );
            }
            ("heal", _) => {}
            (verb, _) => return Err(format!("unknown command {verb}")),
        }
        self.write_state()?;
        Ok(format!("broker {broker} {:?}", self.brokers[&broker]))
    }

    /// Brings brokers whose catch-up time is over back in sync.
    pub fn tick(&mut self) -> Result<(), String> {
        let now = Instant::now();
        let caught_up: Vec<i32> = self
            .brokers
            .iter()
            .filter(|(_, s)| matches!(s, BrokerState::CatchingUp { until } if *until <= now))
            .map(|(id, _)| *id)
            .collect();
        for broker in caught_up {
            self.mock
                .broker_up(broker)
                .map_err(|e| format!("broker up: {e}"))?;
            self.brokers.insert(broker, BrokerState::InSync);
            // Preferred leader election, as auto.leader.rebalance would do.
            for i in 0..self.partitions.len() {
                if self.partitions[i].replicas[0] == broker {
                    self.set_leader(i, Some(broker))?;
                }
            }
            self.write_state()?;
            self.event(&format!("in-sync {broker}"))?;
        }
        Ok(())
    }

    /// Appends `MILLISECONDS EVENT` to the `events` file beside state.json, as the hosts'
    /// event logs do: when a broker came back in sync, for benchmarks (tests/bench/run).
    fn event(&self, what: &str) -> Result<(), String> {
        use std::io::Write;
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_millis();
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.state_file.with_file_name("events"))
            .and_then(|mut f| writeln!(f, "{ms} {what}"))
            .map_err(|e| e.to_string())
    }

    fn stop(&mut self, broker: i32) -> Result<(), String> {
        self.brokers.insert(broker, BrokerState::Stopped);
        self.mock
            .broker_down(broker)
            .map_err(|e| format!("broker down: {e}"))?;
        for i in 0..self.partitions.len() {
            let p = &self.partitions[i];
            if p.leader == Some(broker) || p.leader.is_none() {
                let next = self.isr(p).first().copied();
                self.set_leader(i, next)?;
            }
        }
        Ok(())
    }

    fn isr(&self, p: &Partition) -> Vec<i32> {
        p.replicas
            .iter()
            .copied()
            .filter(|b| self.brokers[b] == BrokerState::InSync)
            .collect()
    }

    fn set_leader(&mut self, index: usize, leader: Option<i32>) -> Result<(), String> {
        let p = &mut self.partitions[index];
        self.mock
            .partition_leader(TOPIC, p.id, leader)
            .map_err(|e| format!("set leader: {e}"))?;
        p.leader = leader;
        Ok(())
    }

    /// The modelled state (what real Kafka's metadata would say), for tests and people.
    fn write_state(&self) -> Result<(), String> {
        let brokers: serde_json::Map<String, serde_json::Value> = self
            .brokers
            .iter()
            .map(|(id, s)| {
                let name = match s {
                    BrokerState::InSync => "in-sync",
                    BrokerState::Stopped => "stopped",
                    BrokerState::CatchingUp { .. } => "catching-up",
                    BrokerState::Unhealthy => "unhealthy",
                };
                (id.to_string(), name.into())
            })
            .collect();
        let partitions: Vec<serde_json::Value> = self
            .partitions
            .iter()
            .map(|p| {
                serde_json::json!({
                    "topic": TOPIC, "partition": p.id, "leader": p.leader,
                    "replicas": p.replicas, "isr": self.isr(p),
                })
            })
            .collect();
        let state = serde_json::json!({
            "bootstrap_servers": self.bootstrap_servers(),
            "min_insync_replicas": MIN_INSYNC_REPLICAS,
            "brokers": brokers,
            "partitions": partitions,
        });
        let tmp = self.state_file.with_extension("tmp");
        std::fs::write(&tmp, format!("{state:#}\n")).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &self.state_file).map_err(|e| e.to_string())
    }
}

/// librdkafka's mock cluster with brokers named IDS: the mock starts with brokers 1..N,
/// then the ids it lacks are added and the ones not asked for decommissioned. The client
/// that owns the mock lives as long as the process (the lab's Kafka is the whole process).
fn mock_with_ids(ids: &[i32]) -> Result<MockCluster<'static, DefaultProducerContext>, String> {
    let n = ids.len() as i32;
    let owner: BaseProducer = ClientConfig::new()
        .set("test.mock.num.brokers", n.to_string())
        .set("log_level", "0")
        .create()
        .map_err(|e| format!("mock cluster: {e}"))?;
    let owner: &'static BaseProducer = Box::leak(Box::new(owner));
    let mock = owner
        .client()
        .mock_cluster()
        .ok_or("mock cluster: the client has none")?;
    // SAFETY: the pointer is the mock cluster of a client that is never dropped.
    let raw =
        unsafe { rdkafka::bindings::rd_kafka_handle_mock_cluster(owner.client().native_ptr()) };
    for id in ids.iter().filter(|id| !(1..=n).contains(*id)) {
        // SAFETY: as above; the call only queues a command to the mock's own thread.
        let err = unsafe { rdkafka::bindings::rd_kafka_mock_broker_add(raw, *id) };
        if err != rdkafka::bindings::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            return Err(format!("mock cluster: cannot add broker {id}: {err:?}"));
        }
    }
    for id in (1..=n).filter(|id| !ids.contains(id)) {
        // SAFETY: as above.
        let err = unsafe { rdkafka::bindings::rd_kafka_mock_broker_decommission(raw, id) };
        if err != rdkafka::bindings::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            return Err(format!("mock cluster: cannot remove broker {id}: {err:?}"));
        }
    }
    Ok(mock)
}
