//! Differential test: every cp-ansible sample inventory in ../shared/corpus, read by roller
//! and by the real ansible-inventory; `--list` output must be byte-identical.

mod support;

use support::{Job, TempDir, compare, isolated_env, repo_root, run_ansible_batch};

fn corpus_files() -> Vec<std::path::PathBuf> {
    let root = repo_root().join("../shared/corpus/cp-ansible/inventories");
    assert!(
        root.is_dir(),
        "the cp-ansible corpus is missing at {}",
        root.display()
    );
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read corpus dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn cp_ansible_corpus_lists_like_ansible_inventory() {
    let scratch = TempDir::new("corpus");
    let files = corpus_files();
    assert_eq!(
        files.len(),
        93,
        "expected the 93 cp-ansible sample inventories"
    );
    let jobs: Vec<Job> = files
        .iter()
        .map(|f| Job {
            name: f.file_name().unwrap().to_string_lossy().into_owned(),
            args: vec![
                "inventory".into(),
                "-i".into(),
                f.to_string_lossy().into_owned(),
                "--list".into(),
            ],
            cwd: scratch.path().to_path_buf(),
        })
        .collect();
    let env = isolated_env(scratch.path(), &[]);
    let reference_jobs: Vec<Job> = jobs
        .iter()
        .map(|j| Job {
            args: j.args[1..].to_vec(),
            ..j.clone()
        })
        .collect();
    let reference = run_ansible_batch(scratch.path(), &reference_jobs, &env);
    let failures = compare(&jobs, &reference, &env);
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n\n")
    );
}

#[test]
fn cp_ansible_corpus_graphs_like_ansible_inventory() {
    let scratch = TempDir::new("corpus-graph");
    // A spread of layouts: KRaft, ZooKeeper era, Kerberos, multi-connect.
    let wanted = [
        "kerberos_kraft.yml",
        "hosts_example.yml",
        "multi_connect_workers_on_single_node.yml",
        "rbac_mutiple_ksql.yml",
    ];
    let files: Vec<_> = corpus_files()
        .into_iter()
        .filter(|f| wanted.iter().any(|w| f.ends_with(w)))
        .collect();
    assert!(files.len() >= wanted.len());
    let mut jobs = Vec::new();
    for f in &files {
        for extra in [
            vec!["--graph"],
            vec!["--graph", "--vars"],
            vec!["--list", "--yaml"],
        ] {
            let mut args = vec![
                "inventory".to_string(),
                "-i".into(),
                f.to_string_lossy().into_owned(),
            ];
            args.extend(extra.iter().map(|s| s.to_string()));
            jobs.push(Job {
                name: f.file_name().unwrap().to_string_lossy().into_owned(),
                args,
                cwd: scratch.path().to_path_buf(),
            });
        }
    }
    let env = isolated_env(scratch.path(), &[]);
    let reference_jobs: Vec<Job> = jobs
        .iter()
        .map(|j| Job {
            args: j.args[1..].to_vec(),
            ..j.clone()
        })
        .collect();
    let reference = run_ansible_batch(scratch.path(), &reference_jobs, &env);
    let failures = compare(&jobs, &reference, &env);
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n\n")
    );
}
