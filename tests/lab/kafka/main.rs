//! roller-lab-kafka: the lab's Kafka cluster (dev-only, built with `--features lab`).
//!
//!   roller-lab-kafka serve --brokers N|--broker-ids ID,... --dir DIR [--catch-up-ms MS]
//!   roller-lab-kafka ctl SOCKET start|stop|heal BROKER [unhealthy]
//!   roller-lab-kafka metadata BOOTSTRAP_SERVERS
//!
//! `serve` runs librdkafka's mock cluster with brokers 1..N (or the ids given; the mock's
//! active controller is always broker 0) on loopback, writes
//! DIR/bootstrap and answers control commands on DIR/control.sock; the lab hosts'
//! confluent-server units send them. `metadata` prints what a Kafka client sees.
//! How broker state shows in metadata, and where the mock falls short: docs/lab.md.

mod cluster;
mod control;
mod metadata;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("ctl") if args.len() >= 3 => {
            control::send(&PathBuf::from(&args[1]), &args[2..].join(" "))
                .map(|reply| println!("{reply}"))
        }
        Some("metadata") if args.len() == 2 => metadata::print(&args[1]),
        _ => Err(
            "usage: roller-lab-kafka serve|ctl|metadata ... (see tests/lab/kafka/main.rs)".into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roller-lab-kafka: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &[String]) -> Result<(), String> {
    let mut ids: Vec<i32> = (1..=3).collect();
    let mut dir = None;
    let mut catch_up = Duration::from_millis(1000);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--brokers" => {
                let n: i32 = value.parse().map_err(|_| "--brokers takes a number")?;
                ids = (1..=n).collect();
            }
            "--broker-ids" => {
                ids = value
                    .split(',')
                    .map(|id| id.trim().parse())
                    .collect::<Result<_, _>>()
                    .map_err(|_| "--broker-ids takes numbers separated by commas")?;
            }
            "--dir" => dir = Some(PathBuf::from(value)),
            "--catch-up-ms" => {
                catch_up = Duration::from_millis(
                    value.parse().map_err(|_| "--catch-up-ms takes a number")?,
                )
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    let dir = dir.ok_or("--dir is required")?;
    let cluster = cluster::Cluster::start(&ids, catch_up, dir.join("state.json"))?;
    control::serve(&dir, cluster)
}
