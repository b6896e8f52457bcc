//! Malformed inventories: roller stops with `file:line:column: what is wrong` and exit
//! code 1 where ansible-inventory (told to fail on unparsable sources) fails too, and no
//! input makes roller panic.

mod support;

use std::path::PathBuf;

use roller::inventory::sources::parse_sources;
use roller::inventory::{Inventory, Selector, VarsResolver};
use roller::output::json::{UnsafeStrings, to_python_json};
use roller::output::yaml_emit::to_yaml;
use roller::vars::HashBehaviour;
use roller::vars::Value;
use support::generator::Rng;
use support::{Job, TempDir, isolated_env, repo_root, run_ansible_batch, run_roller};

fn errors_dir() -> PathBuf {
    repo_root().join("tests/fixtures/inventory/errors")
}

/// (fixture, line:column the error must point at, words the message must contain)
const CASES: &[(&str, &str, &str)] = &[
    (
        "hosts_list.yml",
        "4:7",
        "Invalid \"hosts\" entry for \"web\" group",
    ),
    ("tab_indent.yml", "4:2", "tabs"),
    ("unclosed_flow.yml", "5:1", "flow sequence"),
    ("loop.yml", "5:9", "recursive dependency loop"),
    ("unknown_section.ini", "3:1", "unknown type: servers"),
    (
        "undefined_child.ini",
        "3:1",
        "undefined group 'missing_group'",
    ),
    ("unclosed_quote.ini", "2:1", "No closing quotation"),
    ("bad_range.ini", "2:1", "equal-length"),
    ("bad_hostvar.ini", "2:1", "Expected key=value"),
    ("bad_group_vars", "2:1", "flow sequence"),
];

#[test]
fn malformed_inventories_name_file_line_and_column() {
    let scratch = TempDir::new("errors");
    let env = isolated_env(
        scratch.path(),
        &[("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "True")],
    );
    let jobs: Vec<Job> = CASES
        .iter()
        .map(|(f, _, _)| Job {
            name: f.to_string(),
            args: vec![
                "-i".into(),
                errors_dir().join(f).to_string_lossy().into_owned(),
                "--list".into(),
            ],
            cwd: scratch.path().to_path_buf(),
        })
        .collect();
    let reference = run_ansible_batch(scratch.path(), &jobs, &env);
    let mut problems = Vec::new();
    for ((file, position, words), (job, want)) in CASES.iter().zip(jobs.iter().zip(&reference)) {
        let roller_job = Job {
            args: std::iter::once("inventory".to_string())
                .chain(job.args.clone())
                .collect(),
            ..job.clone()
        };
        let got = run_roller(&roller_job, &env);
        let error_line = got
            .stderr
            .lines()
            .find(|l| l.starts_with("ERROR: "))
            .unwrap_or("");
        let mut located = errors_dir().join(file);
        if *file == "bad_group_vars" {
            located = located.join("group_vars/web.yml");
        }
        let expected_prefix = format!("ERROR: {}:{position}: ", located.display());
        if got.code != 1 {
            problems.push(format!("{file}: exit code {} (want 1)", got.code));
        }
        if !error_line.starts_with(&expected_prefix) || !error_line.contains(words) {
            problems.push(format!(
                "{file}: error {error_line:?}, want prefix {expected_prefix:?} and {words:?}"
            ));
        }
        if got.stderr.contains("panicked") {
            problems.push(format!("{file}: panicked: {}", got.stderr));
        }
        if want.code == 0 {
            problems.push(format!(
                "{file}: ansible-inventory accepted it; the fixture is not malformed"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn vault_values_are_refused_with_the_variable_name() {
    let scratch = TempDir::new("vault");
    let env = isolated_env(scratch.path(), &[]);
    let file = errors_dir().join("vault.yml");
    let job = Job {
        name: "vault".into(),
        args: vec![
            "inventory".into(),
            "-i".into(),
            file.to_string_lossy().into_owned(),
            "--list".into(),
        ],
        cwd: scratch.path().to_path_buf(),
    };
    let got = run_roller(&job, &env);
    assert_eq!(got.code, 1, "{}", got.stderr);
    assert!(
        got.stderr.contains(&format!("{}:4:", file.display())),
        "{}",
        got.stderr
    );
    assert!(
        got.stderr.contains("'db_password'") && got.stderr.contains("Vault"),
        "{}",
        got.stderr
    );
}

#[test]
fn command_line_misuse_exits_like_ansible() {
    let scratch = TempDir::new("cli");
    let env = isolated_env(scratch.path(), &[]);
    let inv = repo_root()
        .join("tests/fixtures/inventory/ini_full/inventory.ini")
        .to_string_lossy()
        .into_owned();
    let run = |args: &[&str]| {
        run_roller(
            &Job {
                name: "cli".into(),
                args: args.iter().map(|s| s.to_string()).collect(),
                cwd: scratch.path().to_path_buf(),
            },
            &env,
        )
    };
    assert_eq!(
        run(&["inventory", "-i", &inv]).code,
        2,
        "no action is a usage error"
    );
    assert_eq!(
        run(&["inventory", "-i", &inv, "--host", "kafka_broker"]).code,
        5
    );
    assert_eq!(run(&["inventory", "-i", &inv, "--graph", "nope"]).code, 5);
    let missing = run(&["inventory", "-i", "/nonexistent/inventory.yml", "--list"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("/nonexistent/inventory.yml: inventory source not found"),
        "{}",
        missing.stderr
    );
    assert_eq!(
        run(&[
            "inventory",
            "-i",
            &inv,
            "--list",
            "--limit",
            "kafka_broker[99]"
        ])
        .code,
        1
    );
}

/// Byte-level mutations of real inventories must give a result or an error, never a panic.
#[test]
fn mutated_inventories_never_panic() {
    let scratch = TempDir::new("mutate");
    let mut seeds: Vec<PathBuf> = Vec::new();
    for dir in [
        "tests/fixtures/inventory/yaml_nested",
        "tests/fixtures/inventory/ini_full",
        "tests/fixtures/inventory/priority",
    ] {
        for e in std::fs::read_dir(repo_root().join(dir)).expect("fixture dir") {
            seeds.push(e.expect("entry").path());
        }
    }
    let corpus = repo_root().join("../shared/corpus/cp-ansible/inventories");
    for name in ["kerberos_kraft.yml", "hosts_example.yml", "mtls_kraft.yml"] {
        seeds.push(corpus.join(name));
    }
    let pieces: &[&[u8]] = &[
        b"\t",
        b"[",
        b"]",
        b":",
        b"- ",
        b"{",
        b"}",
        b"'",
        b"\"",
        b"!unsafe ",
        b"!vault ",
        b"&a ",
        b"*a",
        b"<<: ",
        b"\n  ",
        b"#",
        b"=",
        b"[0:",
        b"\xff",
        b"\0",
        b"---\n",
        b"? ",
        b"|",
        b">",
        b"%YAML 1.1\n",
        b"!!binary ",
    ];
    let mut rng = Rng::new(7);
    let file = scratch.path().join("mutant.yml");
    let ini_file = scratch.path().join("mutant");
    for round in 0..1500 {
        let seed = &seeds[rng.below(seeds.len())];
        let mut bytes = std::fs::read(seed).expect("read seed");
        for _ in 0..1 + rng.below(4) {
            if bytes.is_empty() {
                break;
            }
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => {
                    let end = (at + 1 + rng.below(8)).min(bytes.len());
                    bytes.drain(at..end);
                }
                1 => {
                    let piece = pieces[rng.below(pieces.len())];
                    bytes.splice(at..at, piece.iter().copied());
                }
                _ => {
                    let other = bytes[rng.below(bytes.len())];
                    bytes[at] = other;
                }
            }
        }
        let target = if round % 3 == 0 { &ini_file } else { &file };
        std::fs::write(target, &bytes).expect("write mutant");
        let mut inv = Inventory::new(if round % 2 == 0 {
            HashBehaviour::Replace
        } else {
            HashBehaviour::Merge
        });
        // The result does not matter; returning at all does.
        let sources = [target.to_string_lossy().into_owned()];
        if parse_sources(&mut inv, &sources).is_ok() {
            let resolver = VarsResolver::new(&inv, &sources, Some(scratch.path()));
            for h in inv.host_ids() {
                if let Ok(vars) = resolver.host_vars(h) {
                    let _ = to_python_json(&Value::Map(vars.clone()), UnsafeStrings::Wrapped);
                    let _ = to_yaml(&Value::Map(vars));
                }
            }
            let mut selector = Selector::new(&inv);
            let _ = selector.hosts("all:!g1[0]:&~b.*");
        }
    }
}
