//! The package modules (`apt`, `package`) on the lab's hosts, compared with ansible-playbook:
//! tests/lab_conformance/40_apt.yml (update_cache, install a version, `upgrade: dist` from
//! 1.0 to 1.1 and its check-mode preview, latest, remove, autoremove, purge, failures, and
//! the second runs that change nothing), 41_apt_check.yml (`--check --diff`: everything
//! reported from `apt-get --simulate`, nothing changed) and 42_package.yml (`package` with
//! and without facts). Each tool runs them in order on its own freshly booted lab; both
//! must print the same results (`cache_update_time`, an apt cache's mtime, differs between
//! labs) and leave the hosts' packages in the same state. The hosts' apt/dpkg state is
//! their own (tests/lab/lib/apt.sh): the jumphost's /var/lib/dpkg/status must not change.
//! Needs root (the lab); skips without it.

mod lab_support;
mod support;

use std::path::Path;
use std::process::Command;

use lab_support::{Lab, running_as_root};
use support::conformance::{compare_runs, header_args};
use support::{Outcome, TempDir, isolated_env, repo_root, roller_bin, venv};

const HOSTS: [&str; 3] = ["broker1.lab.test", "broker2.lab.test", "broker3.lab.test"];
const BOOKS: [&str; 3] = ["40_apt.yml", "41_apt_check.yml", "42_package.yml"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tool {
    Ansible,
    Roller,
}

fn run(tool: Tool, book: &str, env: &[(String, String)]) -> Outcome {
    let dir = repo_root().join("tests/lab_conformance");
    let text = std::fs::read_to_string(dir.join(book)).expect("read playbook");
    let mut cmd = match tool {
        Tool::Ansible => Command::new(venv().join("bin/ansible-playbook")),
        Tool::Roller => {
            let mut c = Command::new(roller_bin());
            c.arg("playbook");
            c
        }
    };
    let out = cmd
        .arg("-v")
        .arg("-i")
        .arg(repo_root().join("inventories/lab/hosts.yml"))
        .args(header_args(&text))
        .arg(book)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run a playbook");
    // The apt cache's time is the lab's, not the tool's; which ansible.cfg is used is
    // printed at -v by ansible-playbook only.
    let volatile = regex::Regex::new(r#""cache_update_time": \d+"#).unwrap();
    let stdout: String = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !(l.starts_with("Using ") && l.ends_with(" as config file")))
        .filter(|l| !l.starts_with("No config file found"))
        .map(|l| format!("{l}\n"))
        .collect();
    Outcome {
        stdout: volatile
            .replace_all(&stdout, r#""cache_update_time": 0"#)
            .into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Each host's lab packages (name, version, dpkg status) and the files they installed.
fn packages(lab: &Lab) -> Vec<String> {
    HOSTS
        .iter()
        .map(|h| {
            let out = lab.ssh(
                h,
                "dpkg-query -W -f='${Package} ${Version} ${Status}\\n' 'lab-*' 2>/dev/null; \
                 for f in /srv/lab-pkg/*; do [ -e \"$f\" ] && echo \"$f: $(cat \"$f\")\"; done; true",
            );
            format!("{h}:\n{}", String::from_utf8_lossy(&out.stdout))
        })
        .collect()
}

fn run_all(tool: Tool, scratch: &TempDir) -> Vec<(Outcome, Vec<String>)> {
    let env = isolated_env(
        scratch.path(),
        &[
            ("ANSIBLE_FORCE_COLOR", "0"),
            ("NO_COLOR", "1"),
            ("ANSIBLE_STDOUT_CALLBACK", "default"),
            ("ANSIBLE_RETRY_FILES_ENABLED", "False"),
        ],
    );
    let mut lab = Lab::up(&["--no-kafka", "--no-kdc", "--outage", "1"]);
    let before = packages(&lab);
    let mut results = Vec::new();
    for book in BOOKS {
        let started = std::time::Instant::now();
        let outcome = run(tool, book, &env);
        eprintln!("{tool:?} {book}: {:.1} s", started.elapsed().as_secs_f64());
        results.push((outcome, packages(&lab)));
    }
    // 41 runs in check mode: it changes nothing.
    assert_eq!(
        results[0].1, results[1].1,
        "{tool:?}: check mode changed packages"
    );
    assert_ne!(before, results[0].1, "{tool:?}: 40_apt.yml changed nothing");
    let leftovers = lab.down();
    assert!(leftovers.is_empty(), "the lab left: {leftovers}");
    results
}

fn dpkg_status() -> Vec<u8> {
    std::fs::read(Path::new("/var/lib/dpkg/status")).expect("read /var/lib/dpkg/status")
}

#[test]
fn package_modules_on_real_hosts_behave_like_ansible() {
    if !running_as_root("package_modules_on_real_hosts_behave_like_ansible") {
        return;
    }
    let status = dpkg_status();
    // One scratch directory (and so one ansible.cfg path in both outputs) for both tools.
    let scratch = TempDir::new("lab-packages");
    let ansible = run_all(Tool::Ansible, &scratch);
    let roller = run_all(Tool::Roller, &scratch);
    assert!(
        dpkg_status() == status,
        "the jumphost's /var/lib/dpkg/status changed: the lab's apt must change only the hosts"
    );
    let mut problems = Vec::new();
    for ((book, (a, a_state)), (r, r_state)) in BOOKS.iter().zip(&ansible).zip(&roller) {
        if let Some(p) = compare_runs(a, r) {
            problems.push(format!("{book}: {p}"));
        }
        if a_state != r_state {
            problems.push(format!(
                "{book}: hosts' packages differ\nansible-playbook:\n{}\nroller:\n{}",
                a_state.join(""),
                r_state.join("")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
