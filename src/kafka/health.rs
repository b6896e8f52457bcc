//! Health evaluation and the can-roll gate on a metadata [`Snapshot`].
//!
//! An ISR member that is not a live (registered) broker counts as out of sync: a broker that
//! just died can linger in the ISR until the controller shrinks it (replica.lag.time.max.ms),
//! and librdkafka's mock cluster (the lab) never shrinks the ISR at all.

use std::collections::{BTreeSet, HashMap};

use super::metadata::{Partition, Snapshot};

/// At most this many partitions are listed in a report.
pub const MAX_OFFENDING: usize = 20;

/// `min.insync.replicas` per topic, with the default for topics not described.
#[derive(Debug, Clone, Default)]
pub struct MinIsr {
    pub per_topic: HashMap<String, usize>,
    pub default: usize,
}

impl MinIsr {
    pub fn of(&self, topic: &str) -> usize {
        self.per_topic.get(topic).copied().unwrap_or(self.default)
    }
}

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub brokers: Vec<i32>,
    pub expected_brokers: Vec<i32>,
    pub missing_brokers: Vec<i32>,
    pub total: usize,
    pub under_replicated: usize,
    pub offline: usize,
    pub under_min_isr: usize,
    /// The first [`MAX_OFFENDING`] partitions that are under-replicated or offline.
    pub offending: Vec<Partition>,
}

impl Report {
    pub fn healthy(&self) -> bool {
        self.missing_brokers.is_empty() && self.under_replicated == 0 && self.offline == 0
    }

    /// One line for the operator.
    pub fn summary(&self) -> String {
        if self.healthy() {
            return format!(
                "Kafka cluster healthy: {} brokers registered, {} partitions fully in sync",
                self.brokers.len(),
                self.total
            );
        }
        let mut parts = Vec::new();
        if !self.missing_brokers.is_empty() {
            parts.push(format!(
                "brokers not registered: {}",
                ids(&self.missing_brokers)
            ));
        }
        if self.under_replicated > 0 || self.offline > 0 {
            parts.push(format!(
                "{} of {} partitions under-replicated, {} offline, {} under min.insync.replicas \
                 ({})",
                self.under_replicated,
                self.total,
                self.offline,
                self.under_min_isr,
                names(&self.offending, self.under_replicated.max(self.offline))
            ));
        }
        format!(
            "Kafka cluster unhealthy: {}. Bring the missing brokers back (check their \
             confluent-server service and logs) and wait until every replica is in sync \
             before stopping another broker.",
            parts.join("; ")
        )
    }
}

/// The in-sync replicas that are live brokers.
pub fn live_isr(p: &Partition, live: &BTreeSet<i32>) -> Vec<i32> {
    p.isr.iter().copied().filter(|b| live.contains(b)).collect()
}

/// Evaluate a snapshot against the brokers expected (empty: no expectation).
pub fn evaluate(snap: &Snapshot, expected: &[i32], min_isr: &MinIsr) -> Report {
    let live: BTreeSet<i32> = snap.brokers.iter().copied().collect();
    let mut report = Report {
        brokers: snap.brokers.clone(),
        expected_brokers: expected.to_vec(),
        missing_brokers: expected
            .iter()
            .copied()
            .filter(|b| !live.contains(b))
            .collect(),
        total: snap.partitions.len(),
        ..Report::default()
    };
    for p in &snap.partitions {
        let isr = live_isr(p, &live);
        let under = isr.len() < p.replicas.len();
        let offline = p.leader < 0 || !live.contains(&p.leader) || isr.is_empty();
        if isr.len() < min_isr.of(&p.topic) {
            report.under_min_isr += 1;
        }
        report.under_replicated += usize::from(under);
        report.offline += usize::from(offline);
        if (under || offline) && report.offending.len() < MAX_OFFENDING {
            report.offending.push(p.clone());
        }
    }
    report
}

/// Strimzi's rule for restarting `broker`: for every partition with a replica on it whose
/// topic has more replicas than min.insync.replicas, refuse if the live ISR is already
/// below min.insync.replicas, or equals it with the broker in it. Returns the partitions
/// that forbid the restart (all of them; callers bound what they show).
pub fn can_roll_blockers(snap: &Snapshot, broker: i32, min_isr: &MinIsr) -> Vec<Partition> {
    let live: BTreeSet<i32> = snap.brokers.iter().copied().collect();
    snap.partitions
        .iter()
        .filter(|p| p.replicas.contains(&broker))
        .filter(|p| {
            let min = min_isr.of(&p.topic);
            if p.replicas.len() <= min {
                return false;
            }
            let isr = live_isr(p, &live);
            isr.len() < min || (isr.len() == min && isr.contains(&broker))
        })
        .cloned()
        .collect()
}

fn ids(list: &[i32]) -> String {
    list.iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `topic-0, topic-3, ...` naming the listed partitions, with how many more there are.
pub fn names(list: &[Partition], total: usize) -> String {
    let mut s = list
        .iter()
        .map(|p| format!("{}-{}", p.topic, p.partition))
        .collect::<Vec<_>>()
        .join(", ");
    if total > list.len() {
        s.push_str(&format!(" and {} more", total - list.len()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(partition: i32, leader: i32, replicas: &[i32], isr: &[i32]) -> Partition {
        Partition {
            topic: "t".into(),
            partition,
            leader,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
        }
    }

    fn min2() -> MinIsr {
        MinIsr {
            per_topic: HashMap::new(),
            default: 2,
        }
    }

    fn cluster(brokers: &[i32], partitions: Vec<Partition>) -> Snapshot {
        Snapshot {
            brokers: brokers.to_vec(),
            partitions,
            controller_id: None,
        }
    }

    #[test]
    fn all_in_sync_is_healthy() {
        let s = cluster(
            &[1, 2, 3],
            vec![
                part(0, 1, &[1, 2, 3], &[1, 2, 3]),
                part(1, 2, &[2, 3, 1], &[2, 3, 1]),
            ],
        );
        let r = evaluate(&s, &[1, 2, 3], &min2());
        assert!(r.healthy(), "{r:?}");
        assert_eq!(
            (r.total, r.under_replicated, r.offline, r.under_min_isr),
            (2, 0, 0, 0)
        );
        assert!(r.summary().contains("healthy"));
    }

    #[test]
    fn isr_member_that_is_not_a_live_broker_is_out_of_sync() {
        // The lab's mock: broker 3 down, still listed in every ISR.
        let s = cluster(&[1, 2], vec![part(0, 1, &[1, 2, 3], &[1, 2, 3])]);
        let r = evaluate(&s, &[1, 2, 3], &min2());
        assert!(!r.healthy());
        assert_eq!(r.missing_brokers, [3]);
        assert_eq!((r.under_replicated, r.offline, r.under_min_isr), (1, 0, 0));
        assert_eq!(r.offending.len(), 1);
        assert!(r.summary().contains("t-0"), "{}", r.summary());
        assert!(r.summary().contains("brokers not registered: 3"));
    }

    #[test]
    fn shrunk_isr_and_leaderless_partitions() {
        let s = cluster(
            &[1, 2, 3],
            vec![part(0, 1, &[1, 2, 3], &[1]), part(1, -1, &[2, 3, 1], &[])],
        );
        let r = evaluate(&s, &[], &min2());
        assert_eq!((r.under_replicated, r.offline, r.under_min_isr), (2, 1, 2));
        assert!(r.missing_brokers.is_empty());
    }

    #[test]
    fn per_topic_min_isr_wins_over_the_default() {
        let mut min = min2();
        min.per_topic.insert("t".into(), 3);
        let s = cluster(&[1, 2, 3], vec![part(0, 1, &[1, 2, 3], &[1, 2])]);
        assert_eq!(evaluate(&s, &[], &min).under_min_isr, 1);
        assert_eq!(evaluate(&s, &[], &min2()).under_min_isr, 0);
    }

    #[test]
    fn offending_list_is_bounded() {
        let parts = (0..50).map(|i| part(i, 1, &[1, 2], &[1])).collect();
        let r = evaluate(&cluster(&[1, 2], parts), &[], &min2());
        assert_eq!(r.under_replicated, 50);
        assert_eq!(r.offending.len(), MAX_OFFENDING);
        assert!(r.summary().contains("and 30 more"), "{}", r.summary());
    }

    #[test]
    fn gate_allows_when_all_in_sync() {
        let s = cluster(&[1, 2, 3], vec![part(0, 1, &[1, 2, 3], &[1, 2, 3])]);
        assert!(can_roll_blockers(&s, 1, &min2()).is_empty());
    }

    #[test]
    fn gate_refuses_a_second_broker_while_one_is_down() {
        // Broker 3 is down (absent from the broker list, still in the mock's ISR).
        let s = cluster(
            &[1, 2],
            vec![
                part(0, 1, &[1, 2, 3], &[1, 2, 3]),
                part(1, 2, &[2, 3, 1], &[2, 3, 1]),
            ],
        );
        assert_eq!(can_roll_blockers(&s, 1, &min2()).len(), 2);
        assert_eq!(can_roll_blockers(&s, 2, &min2()).len(), 2);
        // Restarting the broker that is already down changes nothing for the ISR.
        assert!(can_roll_blockers(&s, 3, &min2()).is_empty());
    }

    #[test]
    fn gate_refuses_when_already_under_min_isr_even_if_broker_out_of_isr() {
        let s = cluster(&[1, 2, 3], vec![part(0, 2, &[1, 2, 3], &[2])]);
        assert_eq!(can_roll_blockers(&s, 1, &min2()).len(), 1);
    }

    #[test]
    fn gate_ignores_partitions_without_the_broker_or_without_spare_replicas() {
        let s = cluster(
            &[1, 2],
            vec![part(0, 2, &[2, 3, 4], &[2]), part(1, 1, &[1, 2], &[1, 2])],
        );
        // Partition 0 has no replica on 1; partition 1 has replicas == min ISR.
        assert!(can_roll_blockers(&s, 1, &min2()).is_empty());
    }
}
