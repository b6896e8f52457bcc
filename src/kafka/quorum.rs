//! The KRaft controllers' gate: a voter may restart only while the others still form a
//! majority of the quorum. roller sees a voter as present when its controller listener
//! accepts a TCP connection; whether it has caught up with the leader's log needs
//! DescribeQuorum, which librdkafka lacks (docs/kafka.md, "KRaft controllers").

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// One voter and whether its controller listener answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    pub host: String,
    pub reachable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumVerdict {
    /// Votes needed for a majority of all voters.
    pub majority: usize,
    /// Voters other than the candidate that answered.
    pub others_reachable: usize,
    pub unreachable: Vec<String>,
    pub allowed: bool,
}

/// Whether CANDIDATE may go down: the other voters that answer must still be a majority.
pub fn may_restart(voters: &[Voter], candidate: &str) -> QuorumVerdict {
    let majority = voters.len() / 2 + 1;
    let others_reachable = voters
        .iter()
        .filter(|v| v.host != candidate && v.reachable)
        .count();
    QuorumVerdict {
        majority,
        others_reachable,
        unreachable: voters
            .iter()
            .filter(|v| !v.reachable)
            .map(|v| v.host.clone())
            .collect(),
        allowed: others_reachable >= majority,
    }
}

/// Whether ADDRESS:PORT accepts a TCP connection within TIMEOUT (blocking).
pub fn listener_answers(address: &str, port: u16, timeout: Duration) -> bool {
    let Ok(addrs) = (address, port).to_socket_addrs() else {
        return false;
    };
    addrs
        .into_iter()
        .any(|a| TcpStream::connect_timeout(&a, timeout).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voters(states: &[(&str, bool)]) -> Vec<Voter> {
        states
            .iter()
            .map(|(h, r)| Voter {
                host: h.to_string(),
                reachable: *r,
            })
            .collect()
    }

    #[test]
    fn three_voters_allow_one_restart_only_while_the_other_two_answer() {
        let all_up = voters(&[("c1", true), ("c2", true), ("c3", true)]);
        assert!(may_restart(&all_up, "c1").allowed);
        let c3_down = voters(&[("c1", true), ("c2", true), ("c3", false)]);
        let v = may_restart(&c3_down, "c1");
        assert_eq!((v.majority, v.others_reachable, v.allowed), (2, 1, false));
        assert_eq!(v.unreachable, vec!["c3".to_string()]);
        // Restarting the voter that is already down loses nothing more.
        assert!(may_restart(&c3_down, "c3").allowed);
    }

    #[test]
    fn five_voters_tolerate_one_down_while_a_second_restarts() {
        let one_down = voters(&[
            ("c1", true),
            ("c2", true),
            ("c3", true),
            ("c4", true),
            ("c5", false),
        ]);
        assert!(may_restart(&one_down, "c1").allowed);
        let two_down = voters(&[
            ("c1", true),
            ("c2", true),
            ("c3", true),
            ("c4", false),
            ("c5", false),
        ]);
        assert!(!may_restart(&two_down, "c1").allowed);
    }

    #[test]
    fn a_single_voter_can_never_restart_without_losing_the_quorum() {
        assert!(!may_restart(&voters(&[("c1", true)]), "c1").allowed);
    }
}
