//! `roller roll`: the bundled rolling update from inside the binary, with the flags of
//! `roller playbook` after the group. The lab tests (lab_kafka_health) run it for real.

mod support;

use std::path::Path;
use std::process::Command;

use support::{TempDir, repo_root, roller_bin};

fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, base, out);
        } else {
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            out.push((rel, std::fs::read(&p).unwrap()));
        }
    }
}

#[test]
fn the_binary_carries_every_bundled_playbook_file_unchanged() {
    let base = repo_root().join("playbooks");
    let mut on_disk = Vec::new();
    walk(&base, &base, &mut on_disk);
    on_disk.sort();
    let mut embedded: Vec<(String, Vec<u8>)> = roller::cli::bundled::FILES
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_vec()))
        .collect();
    embedded.sort();
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&embedded), names(&on_disk));
    assert_eq!(embedded, on_disk);
}

fn run(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(roller_bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn roll_runs_the_bundled_playbook_over_the_group_with_the_flags_given() {
    let scratch = TempDir::new("roll-command");
    let inv = scratch.path().join("hosts.yml");
    std::fs::write(
        &inv,
        "zookeeper:\n  hosts:\n    z1:\n    z2:\nkafka_broker:\n  hosts:\n    b1:\n    b2:\n",
    )
    .unwrap();
    let inv = inv.to_string_lossy().into_owned();
    let (code, rolled, err) = run(
        &["roll", "-i", &inv, "zookeeper", "--list-tasks", "-l", "z2"],
        scratch.path(),
    );
    assert_eq!(code, 0, "{err}");
    let playbook = repo_root().join("playbooks/rolling_update.yml");
    let (code, direct, err) = run(
        &[
            "playbook",
            "-i",
            &inv,
            &playbook.to_string_lossy(),
            "-e",
            "rolling_update_group=zookeeper",
            "--list-tasks",
            "-l",
            "z2",
        ],
        scratch.path(),
    );
    assert_eq!(code, 0, "{err}");
    // The same run but for where the playbook lives.
    let body = |s: &str| s.lines().skip(2).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&rolled), body(&direct));
    assert!(rolled.contains("Roll order of zookeeper"), "{rolled}");
    assert!(
        rolled.contains("Stop {{ rolling_update_service }}"),
        "{rolled}"
    );
    // The private copy is gone after the run.
    let copy = rolled
        .lines()
        .find_map(|l| l.strip_prefix("playbook: "))
        .unwrap();
    assert!(!Path::new(copy).exists(), "{copy} left behind");
}

#[test]
fn roll_without_a_group_is_a_usage_error() {
    let scratch = TempDir::new("roll-usage");
    let (code, _, err) = run(&["roll", "-i", "x,"], scratch.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("<GROUP>"), "{err}");
}
