//! The lab (tests/lab/lab) from the tests' side: a guard that brings a lab up and always
//! takes it down again, even when the test fails, and helpers to look at its hosts.
//!
//! The lab uses machine-wide names (bridge, network namespaces, 198.18.0.0/24), so only one
//! lab runs at a time on a machine: every lab test holds a machine-wide file lock for the
//! lifetime of its lab, which serializes lab tests across threads, test binaries and
//! worktrees.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn lab_script() -> PathBuf {
    repo_root().join("tests/lab/lab")
}

pub fn lab_dir() -> PathBuf {
    repo_root().join(".lab")
}

/// Lab tests need root (namespaces, mounts, tc). Prints why a test is skipped otherwise.
pub fn running_as_root(test: &str) -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|uids| uids.split_whitespace().nth(1))
        == Some("0");
    if !root {
        eprintln!("SKIPPED {test}: the lab needs root (CI runs as root)");
    }
    root
}

/// Runs `tests/lab/lab ARGS...` and returns its output; panics with its stderr on failure.
pub fn run_lab(args: &[&str]) -> Output {
    let out = lab_command(args).output().expect("run tests/lab/lab");
    assert!(
        out.status.success(),
        "lab {} failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn lab_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(lab_script());
    cmd.args(args).current_dir(repo_root());
    // With `--features lab` (tests/run builds all features) cargo has built the Kafka
    // stand-in already; otherwise `lab up` builds it.
    if let Some(bin) = option_env!("CARGO_BIN_EXE_roller-lab-kafka") {
        cmd.env("LAB_KAFKA_BIN", bin);
    }
    cmd
}

/// A running lab. Dropping it takes the lab down.
pub struct Lab {
    _lock: File,
    pub up_took: Duration,
    down: bool,
}

impl Lab {
    /// `lab up ARGS...` under the machine-wide lab lock.
    pub fn up(args: &[&str]) -> Lab {
        let lock = File::create("/run/lock/roller-lab.test.lock").expect("create lab lock");
        lock.lock().expect("take lab lock");
        let mut lab_args = vec!["up"];
        lab_args.extend_from_slice(args);
        let started = Instant::now();
        let out = lab_command(&lab_args).output().expect("run lab up");
        let up_took = started.elapsed();
        let lab = Lab {
            _lock: lock,
            up_took,
            down: false,
        };
        assert!(
            out.status.success(),
            "lab up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        lab
    }

    /// `lab down`, then what the lab left on the machine (empty when it cleaned up). The
    /// lab lock is held until the guard is dropped.
    pub fn down(&mut self) -> String {
        self.down = true;
        run_lab(&["down"]);
        String::from_utf8_lossy(&run_lab(&["leftovers"]).stdout).into_owned()
    }

    pub fn host_dir(&self, host: &str) -> PathBuf {
        lab_dir().join("hosts").join(host)
    }

    pub fn boot_id(&self, host: &str) -> String {
        read_trimmed(&self.host_dir(host).join("boot_id"))
    }

    pub fn addr(&self, host: &str) -> String {
        read_trimmed(&self.host_dir(host).join("addr"))
    }

    /// The host's power events: (milliseconds since the epoch, event, detail).
    pub fn events(&self, host: &str) -> Vec<(u64, String, String)> {
        read_trimmed(&self.host_dir(host).join("events"))
            .lines()
            .map(|line| {
                let mut fields = line.splitn(3, ' ');
                let at = fields.next().unwrap().parse().expect("event time");
                let event = fields.next().unwrap_or_default().to_string();
                (at, event, fields.next().unwrap_or_default().to_string())
            })
            .collect()
    }

    /// HOST's events without the lab's records of read-only systemctl runs (`is-active`,
    /// `is-enabled`, `show`, `status`, `list-*`, `cat`): health checks do not touch a host.
    pub fn changes(&self, host: &str) -> Vec<(u64, String, String)> {
        const READ_ONLY: &[&str] = &[
            "is-active",
            "is-enabled",
            "is-failed",
            "show",
            "status",
            "list-units",
            "list-unit-files",
            "cat",
        ];
        let events = self.events(host);
        let mut read_only = std::collections::HashSet::new();
        for (_, event, detail) in &events {
            let mut words = detail.split_whitespace();
            let id = words.next().unwrap_or("");
            if event == "systemctl-begin"
                && words
                    .find(|w| !w.starts_with('-'))
                    .is_some_and(|verb| READ_ONLY.contains(&verb))
            {
                read_only.insert(id.to_string());
            }
        }
        events
            .into_iter()
            .filter(|(_, event, detail)| {
                !(event.starts_with("systemctl-")
                    && read_only.contains(detail.split_whitespace().next().unwrap_or("")))
            })
            .collect()
    }

    /// When HOST's Confluent service was down: from each `service-stopped` event to the
    /// next `service-started` (or now, if it never came back), in ms since the epoch.
    pub fn service_outages(&self, host: &str) -> Vec<(u64, u64)> {
        let mut outages = Vec::new();
        let mut down_since = None;
        for (at, event, _) in self.events(host) {
            match (event.as_str(), down_since) {
                ("service-stopped", None) => down_since = Some(at),
                ("service-started", Some(since)) => {
                    outages.push((since, at));
                    down_since = None;
                }
                _ => {}
            }
        }
        if let Some(since) = down_since {
            outages.push((since, u64::MAX));
        }
        outages
    }

    /// Panics when two of HOSTS had their service down at the same time.
    pub fn assert_one_service_down_at_a_time(&self, hosts: &[&str]) {
        let all: Vec<(&str, (u64, u64))> = hosts
            .iter()
            .flat_map(|h| self.service_outages(h).into_iter().map(move |o| (*h, o)))
            .collect();
        for (i, (a, (a_from, a_to))) in all.iter().enumerate() {
            for (b, (b_from, b_to)) in &all[i + 1..] {
                assert!(
                    a == b || a_to < b_from || b_to < a_from,
                    "{a} and {b} had their service down at once: {all:?}"
                );
            }
        }
    }

    /// Runs COMMAND on HOST over SSH with the lab's key and known_hosts (strict checking).
    pub fn ssh(&self, host: &str, command: &str) -> Output {
        lab_command(&["ssh", host, "-o", "ConnectTimeout=3", command])
            .output()
            .expect("run lab ssh")
    }

    /// Like `ssh`, but the command must succeed; returns its trimmed stdout.
    pub fn ssh_ok(&self, host: &str, command: &str) -> String {
        let out = self.ssh(host, command);
        assert!(
            out.status.success(),
            "{host}: `{command}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if !self.down {
            let _ = lab_command(&["down"]).status();
        }
    }
}

/// kadmin on the jumphost as the lab's admin with its keytab, for QUERY.
fn kadmin_command(query: &str) -> Command {
    let kdc = lab_dir().join("kdc");
    let mut cmd = Command::new("kadmin");
    cmd.env("KRB5_CONFIG", kdc.join("krb5.conf"))
        .args(["-p", "lab/admin@LAB.TEST", "-k", "-t"])
        .arg(kdc.join("admin.keytab"))
        .args(["-s", "127.0.0.1:17749", "-q", query]);
    cmd
}

/// kadmin as the lab's admin (a test's own view of the KDC, behind roller's back):
/// QUERY's stdout; panics when kadmin reports an error.
pub fn kadmin(query: &str) -> String {
    let out = kadmin_command(query).output().expect("run kadmin");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("No policy specified"))
        .collect();
    assert!(errors.is_empty(), "kadmin -q {query:?} failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// kadmin with INPUT on stdin (answers to its password prompts, so that a password is
/// never in an argv); panics when kadmin writes anything to stderr.
pub fn kadmin_stdin(query: &str, input: &str) {
    use std::io::Write;
    let mut child = kadmin_command(query)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kadmin");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.trim().is_empty(), "kadmin -q {query:?}: {stderr}");
}

pub fn read_trimmed(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .trim()
        .to_string()
}

/// Polls CHECK every 100 ms until it holds or TIMEOUT passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
