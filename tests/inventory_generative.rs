//! Generative differential test: random inventories (groups, nesting, variables at every
//! level, YAML 1.1 scalars, Python literals, vars files, patterns) read by roller and by
//! ansible-inventory. ROLLER_GEN_CASES and ROLLER_GEN_SEED change the draw.

mod support;

use support::generator::generate;
use support::{Job, TempDir, compare, isolated_env, run_ansible_batch};

fn cases() -> u64 {
    std::env::var("ROLLER_GEN_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(240)
}

fn seed() -> u64 {
    std::env::var("ROLLER_GEN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261125)
}

fn run(label: &str, hash_behaviour: &str, seeds: impl Iterator<Item = u64>) {
    let scratch = TempDir::new(label);
    // roller refuses an inventory file no parser accepts; Ansible only warns unless told not to.
    let env = isolated_env(
        scratch.path(),
        &[
            ("ANSIBLE_HASH_BEHAVIOUR", hash_behaviour),
            ("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "True"),
        ],
    );
    let mut jobs = Vec::new();
    for s in seeds {
        let dir = scratch.path().join(format!("case-{s}"));
        let case = generate(s, &dir);
        for variant in &case.variants {
            let mut args = Vec::new();
            for src in &case.sources {
                args.push("-i".to_string());
                args.push(src.clone());
            }
            args.extend(variant.iter().cloned());
            jobs.push(Job {
                name: format!("seed {s} ({})", dir.display()),
                args,
                cwd: dir.clone(),
            });
        }
    }
    let reference = run_ansible_batch(scratch.path(), &jobs, &env);
    // Most draws must be valid inventories, or the comparison says little.
    let ok = reference.iter().filter(|o| o.code == 0).count();
    eprintln!(
        "{label}: {} runs, {ok} accepted by ansible-inventory",
        jobs.len()
    );
    assert!(
        ok * 100 >= jobs.len() * 80,
        "only {ok} of {} generated runs were valid",
        jobs.len()
    );
    let roller_jobs: Vec<Job> = jobs
        .iter()
        .map(|j| Job {
            args: std::iter::once("inventory".to_string())
                .chain(j.args.clone())
                .collect(),
            ..j.clone()
        })
        .collect();
    let failures = compare(&roller_jobs, &reference, &env);
    if !failures.is_empty() && std::env::var_os("ROLLER_KEEP_CASES").is_some() {
        std::mem::forget(scratch);
    }
    assert!(
        failures.is_empty(),
        "{} of {} runs differ (seed base {}; ROLLER_KEEP_CASES=1 keeps the files):\n{}",
        failures.len(),
        jobs.len(),
        seed(),
        failures
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn random_inventories_replace() {
    let base = seed();
    run(
        "gen-replace",
        "replace",
        (0..cases() / 2).map(|i| base + 2 * i),
    );
}

#[test]
fn random_inventories_merge() {
    let base = seed();
    run(
        "gen-merge",
        "merge",
        (0..cases() / 2).map(|i| base + 2 * i + 1),
    );
}
