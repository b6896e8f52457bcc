//! Differential tests on roller's own inventories, one per feature of the inventory format,
//! variable precedence, host patterns and ansible.cfg: roller must print exactly what
//! ansible-inventory prints.

mod support;

use std::path::Path;

use support::{Job, TempDir, compare, isolated_env, repo_root, run_ansible_batch};

fn fixture(rel: &str) -> String {
    repo_root()
        .join("tests/fixtures/inventory")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

fn job(name: &str, cwd: &Path, args: &[&str]) -> Job {
    Job {
        name: name.to_string(),
        args: args.iter().map(|s| s.to_string()).collect(),
        cwd: cwd.to_path_buf(),
    }
}

/// Run `jobs` through both tools with the same environment and assert equal output.
fn check(label: &str, jobs: Vec<Job>, extra_env: &[(&str, &str)]) {
    let scratch = TempDir::new(label);
    let env = isolated_env(scratch.path(), extra_env);
    let jobs: Vec<Job> = jobs
        .into_iter()
        .map(|j| Job {
            cwd: if j.cwd.as_os_str().is_empty() {
                scratch.path().to_path_buf()
            } else {
                j.cwd
            },
            ..j
        })
        .collect();
    let reference = run_ansible_batch(scratch.path(), &jobs, &env);
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
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n\n")
    );
}

fn here() -> &'static Path {
    Path::new("")
}

#[test]
fn yaml_inventory_structure_scalars_and_output_forms() {
    let y = fixture("yaml_nested/hosts.yml");
    check(
        "yaml",
        vec![
            job("list", here(), &["-i", &y, "--list"]),
            job("graph", here(), &["-i", &y, "--graph"]),
            job("graph-vars", here(), &["-i", &y, "--graph", "--vars"]),
            job(
                "graph-group",
                here(),
                &["-i", &y, "--graph", "kafka_cluster"],
            ),
            job(
                "graph-bad-group",
                here(),
                &["-i", &y, "--graph", "no_such_group"],
            ),
            job("yaml", here(), &["-i", &y, "--list", "--yaml"]),
            job(
                "host",
                here(),
                &["-i", &y, "--host", "broker01.example.com"],
            ),
            job(
                "host-port",
                here(),
                &["-i", &y, "--host", "port-host.example.com"],
            ),
            job(
                "host-missing",
                here(),
                &["-i", &y, "--host", "nope.example.com"],
            ),
            job(
                "host-yaml",
                here(),
                &["-i", &y, "--host", "standalone.example.com", "--yaml"],
            ),
        ],
        &[],
    );
}

#[test]
fn host_patterns_and_limits() {
    let y = fixture("yaml_nested/hosts.yml");
    let limit_file = format!("@{}", fixture("limit.txt"));
    let patterns = [
        "all",
        "*",
        "kafka_broker",
        "broker02.example.com",
        "kafka_broker:schema_registry",
        "kafka_broker,zookeeper",
        "kafka_broker:&schema_registry",
        "kafka_cluster:!kafka_controller",
        "kafka_broker:!broker0*",
        "broker0*",
        "*.alpha.example.com",
        "~broker[ab]",
        "~(controller|sr)[0-9]",
        "kafka_broker[0]",
        "kafka_broker[1:3]",
        "kafka_broker[-1]",
        "kafka_broker[2:]",
        "kafka_broker[99]",
        "deep*",
        "standalone.example.com:odd.example.com",
        "nomatch",
        "ungrouped",
        "&kafka_broker",
        "!kafka_broker",
        limit_file.as_str(),
    ];
    let jobs = patterns
        .iter()
        .map(|p| {
            job(
                &format!("limit {p}"),
                here(),
                &["-i", &y, "--list", "--limit", p],
            )
        })
        .collect();
    check("patterns", jobs, &[]);
}

#[test]
fn ini_inventory_sections_and_literals() {
    let i = fixture("ini_full/inventory.ini");
    check(
        "ini",
        vec![
            job("list", here(), &["-i", &i, "--list"]),
            job("graph-vars", here(), &["-i", &i, "--graph", "--vars"]),
            job("host", here(), &["-i", &i, "--host", "broker2.lab.test"]),
            job(
                "host-standalone",
                here(),
                &["-i", &i, "--host", "standalone"],
            ),
            job("yaml", here(), &["-i", &i, "--list", "--yaml"]),
            job(
                "limit",
                here(),
                &["-i", &i, "--list", "--limit", "cluster:!kafka_controller"],
            ),
        ],
        &[],
    );
}

#[test]
fn group_vars_and_host_vars_next_to_inventory_and_playbook() {
    let inv = fixture("vars_dirs/inv");
    let pb = fixture("vars_dirs/playbooks");
    let hosts = fixture("vars_dirs/inv/hosts");
    let extra = fixture("vars_dirs/inv/extra.yml");
    let jobs = vec![
        job("dir", here(), &["-i", &inv, "--list"]),
        job(
            "dir+playbook",
            here(),
            &["-i", &inv, "--list", "--playbook-dir", &pb],
        ),
        job(
            "graph+playbook",
            here(),
            &["-i", &inv, "--graph", "--vars", "--playbook-dir", &pb],
        ),
        job(
            "two sources",
            here(),
            &["-i", &hosts, "-i", &extra, "--list"],
        ),
        job(
            "host",
            here(),
            &["-i", &inv, "--host", "b1.lab.test", "--playbook-dir", &pb],
        ),
        // The working directory stands in for the playbook directory when none is given.
        job(
            "cwd as playbook dir",
            Path::new(&pb),
            &["-i", &inv, "--list"],
        ),
    ];
    check("vars-dirs", jobs.clone(), &[]);
    check(
        "vars-dirs-merge",
        jobs,
        &[("ANSIBLE_HASH_BEHAVIOUR", "merge")],
    );
}

#[test]
fn group_priority_and_depth_order() {
    let p = fixture("priority/hosts.yml");
    check(
        "priority",
        vec![
            job("list", here(), &["-i", &p, "--list"]),
            job("graph-vars", here(), &["-i", &p, "--graph", "--vars"]),
        ],
        &[],
    );
}

#[test]
fn host_lists_and_multiple_sources() {
    let y = fixture("yaml_nested/hosts.yml");
    let i = fixture("ini_full/inventory.ini");
    check(
        "hostlist",
        vec![
            job(
                "host list",
                here(),
                &["-i", "h1,h2:2222,[fe80::1]:22,198.18.0.5,", "--list"],
            ),
            job("single host list", here(), &["-i", "solo,", "--graph"]),
            job("yaml+ini", here(), &["-i", &y, "-i", &i, "--list"]),
            job(
                "extra vars",
                here(),
                &[
                    "-i",
                    &i,
                    "--host",
                    "broker1.lab.test",
                    "-e",
                    "heap=1g extra=x",
                ],
            ),
        ],
        &[],
    );
}

#[test]
fn ansible_cfg_inventory_and_hash_behaviour_merge() {
    let dir = repo_root().join("tests/fixtures/inventory/cfg_merge");
    let cfg = dir.join("ansible.cfg");
    let cfg = cfg.to_string_lossy();
    check(
        "cfg",
        vec![
            job("list", &dir, &["--list"]),
            job("host", &dir, &["--host", "b1.lab.test"]),
            job("graph", &dir, &["--graph", "--vars"]),
        ],
        &[("ANSIBLE_CONFIG", &cfg)],
    );
}
