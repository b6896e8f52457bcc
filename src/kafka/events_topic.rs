//! `--events-topic`: roller's run events (the JSON lines of `--json-events`) produced to a
//! Kafka topic, for audit trails and dashboards. Delivery happens in librdkafka's
//! background thread; a run never waits on it except for a bounded flush at the end, and
//! an unreachable cluster never stops a roll: undelivered events are counted and reported.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};

use super::config::ClientSettings;

#[derive(Default)]
struct Counts {
    delivered: AtomicUsize,
    failed: AtomicUsize,
}

struct Reports(Arc<Counts>);

impl ClientContext for Reports {}

impl ProducerContext for Reports {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        let counter = match result {
            Ok(_) => &self.0.delivered,
            Err(_) => &self.0.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// What became of the events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    pub delivered: usize,
    /// Rejected by librdkafka at once, failed, or still queued after the final flush.
    pub undelivered: usize,
}

pub struct EventsTopic {
    producer: ThreadedProducer<Reports>,
    topic: String,
    /// The run's id: every event of a run has it as its key, so a run stays in order in
    /// one partition.
    key: String,
    counts: Arc<Counts>,
    sent: usize,
}

impl EventsTopic {
    pub fn new(settings: &ClientSettings, topic: &str, run_id: &str) -> Result<Self, String> {
        let counts = Arc::new(Counts::default());
        let mut config = settings.client_config();
        // Audit events: the broker acknowledges them durably, and a retry does not
        // duplicate them.
        config.set("enable.idempotence", "true");
        config.set("message.timeout.ms", "30000");
        let producer = config
            .create_with_context(Reports(Arc::clone(&counts)))
            .map_err(|e| format!("cannot create a Kafka producer for --events-topic: {e}"))?;
        Ok(EventsTopic {
            producer,
            topic: topic.to_string(),
            key: run_id.to_string(),
            counts,
            sent: 0,
        })
    }

    /// Queues one event (a JSON object, one line); never blocks. An event librdkafka
    /// refuses (queue full) is counted as undelivered.
    pub fn send(&mut self, line: &str) {
        self.sent += 1;
        let record = BaseRecord::to(&self.topic).key(&self.key).payload(line);
        let _ = self.producer.send(record);
    }

    /// Waits up to TIMEOUT for the queued events to be acknowledged.
    pub fn finish(self, timeout: Duration) -> Delivery {
        let _ = self.producer.flush(timeout);
        let delivered = self.counts.delivered.load(Ordering::Relaxed);
        Delivery {
            sent: self.sent,
            delivered,
            undelivered: self.sent.saturating_sub(delivered),
        }
    }
}
