//! The order of a roll: the host whose restart moves cluster leadership (Kafka's active
//! controller, ZooKeeper's leader) goes last, so that leadership moves once instead of
//! after every restart. ZooKeeper's leader is read with its `srvr` command.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// HOSTS with LAST (when it is one of them) moved to the end; the others keep their order.
pub fn with_last(hosts: &[String], last: Option<&str>) -> Vec<String> {
    let mut ordered: Vec<String> = hosts
        .iter()
        .filter(|h| Some(h.as_str()) != last)
        .cloned()
        .collect();
    if let Some(l) = last.filter(|l| hosts.iter().any(|h| h == l)) {
        ordered.push(l.to_string());
    }
    ordered
}

/// A ZooKeeper server's role, from its `srvr` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZkMode {
    Leader,
    Follower,
    Standalone,
    Other(String),
}

/// The `Mode:` line of a `srvr` answer.
pub fn parse_srvr(answer: &str) -> Option<ZkMode> {
    let mode = answer
        .lines()
        .find_map(|l| l.trim().strip_prefix("Mode:"))?
        .trim();
    Some(match mode {
        "leader" => ZkMode::Leader,
        "follower" => ZkMode::Follower,
        "standalone" => ZkMode::Standalone,
        other => ZkMode::Other(other.to_string()),
    })
}

/// Asks one ZooKeeper server for its mode (`srvr`, one of ZooKeeper's four-letter
/// commands; `4lw.commands.whitelist` must allow it). Blocking, bounded by TIMEOUT.
pub fn zookeeper_mode(address: &str, port: u16, timeout: Duration) -> Result<ZkMode, String> {
    let addr = (address, port)
        .to_socket_addrs()
        .map_err(|e| format!("{address}: {e}"))?
        .next()
        .ok_or_else(|| format!("{address}: no address"))?;
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"srvr")
        .map_err(|e| format!("{addr}: {e}"))?;
    let mut answer = Vec::new();
    // The server closes the connection after answering; 64 KiB bounds a stranger.
    stream
        .take(64 * 1024)
        .read_to_end(&mut answer)
        .map_err(|e| format!("{addr}: {e}"))?;
    let text = String::from_utf8_lossy(&answer);
    parse_srvr(&text).ok_or_else(|| {
        if text.contains("is not executed because it is not in the whitelist") {
            format!("{addr}: srvr is not in 4lw.commands.whitelist")
        } else {
            format!("{addr}: no Mode in the answer to srvr")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_leader_goes_last_and_the_rest_keep_their_order() {
        let h = hosts(&["b1", "b2", "b3"]);
        assert_eq!(with_last(&h, Some("b1")), hosts(&["b2", "b3", "b1"]));
        assert_eq!(with_last(&h, Some("b3")), h);
        assert_eq!(with_last(&h, None), h);
        // Not one of the hosts (outside --limit): nothing moves.
        assert_eq!(with_last(&h, Some("b9")), h);
    }

    #[test]
    fn srvr_answers_are_read_for_their_mode() {
        let answer = "Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC\n\
                      Latency min/avg/max: 0/0.0/0\nReceived: 1\nSent: 0\nConnections: 1\n\
                      Outstanding: 0\nZxid: 0x100000000\nMode: leader\nNode count: 5\n";
        assert_eq!(parse_srvr(answer), Some(ZkMode::Leader));
        assert_eq!(parse_srvr("Mode: follower\n"), Some(ZkMode::Follower));
        assert_eq!(parse_srvr("Mode: standalone"), Some(ZkMode::Standalone));
        assert_eq!(
            parse_srvr("Mode: observer"),
            Some(ZkMode::Other("observer".into()))
        );
        assert_eq!(
            parse_srvr("srvr is not executed because it is not in the whitelist.\n"),
            None
        );
    }
}
