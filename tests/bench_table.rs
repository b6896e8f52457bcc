//! The benchmark's table printer (tests/bench/table.py) on a results file of made-up
//! numbers. The benchmark itself (tests/bench/run) is never part of the suite: it takes
//! many minutes and its numbers are measurements, not assertions.

use std::process::Command;

#[test]
fn the_table_has_every_measure_with_its_goal_and_verdict() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .arg(format!("{root}/tests/bench/table.py"))
        .arg(format!("{root}/tests/bench/sample_results.tsv"))
        .output()
        .expect("run python3 tests/bench/table.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(rows.len(), 7, "{table}");
    assert_eq!(rows[0], "| measure | Ansible | roller | goal | result |");
    // Medians: 200 ms / 3 ms.
    assert!(
        rows[1].contains("| 200.0 ms | 3.00 ms |") && rows[1].contains("67× — **met**"),
        "{table}"
    );
    // 7.7 % above the physical waits is over the 5 % goal.
    assert!(rows[2].ends_with("| **not met** |"), "{table}");
    assert!(rows[4].contains("n/a"), "{table}");
    // A measure that was not run says so instead of a verdict.
    assert!(rows[6].ends_with("| not run |"), "{table}");
    assert!(table.contains("- machine: Example CPU, 2 cores"), "{table}");
    assert!(
        table.contains("- command: tests/bench/run --runs 3"),
        "{table}"
    );
    assert!(
        !table.contains("made-up"),
        "comments are not printed:\n{table}"
    );
}
