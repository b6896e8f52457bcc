//! Module conformance on real hosts (issue 5): every playbook in tests/lab_conformance/ runs
//! with ansible-playbook and with `roller playbook`, each tool on its own freshly booted lab
//! (same hosts, same inventory), at `-v` so every module's return values are printed. Both
//! must print the same results (status and return values; fields that differ between two
//! runs on real hosts are not compared, see VOLATILE), the same PLAY RECAP and exit code,
//! and leave the hosts in the same state: after each playbook the harness records every
//! host's /srv tree (paths, types, modes, owners, contents), its units' states, its OS
//! update log and its lab packages, and compares those too; a `--check` playbook must leave
//! them as they were, and no playbook may change the jumphost's packages (the hosts' apt,
//! dpkg, rpm and dnf state is their own). See tests/lab_conformance/README.md.
//! Needs root (the lab); skips without it.

mod lab_support;
mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use lab_support::{Lab, running_as_root};
use serde_json::Value as Json;
use support::conformance::{compare_runs_normalized, header_args, strip_keys};
use support::{Outcome, TempDir, isolated_env, repo_root, roller_bin, venv};

const HOSTS: [&str; 3] = ["broker1.lab.test", "broker2.lab.test", "broker3.lab.test"];

/// Result fields that differ between two runs on real hosts whatever the tool: times,
/// inode numbers, process ids, durations, cache times.
const VOLATILE: &[&str] = &[
    "atime",
    "mtime",
    "ctime",
    "inode",
    "elapsed",
    "MainPID",
    // apt: when the lab's package lists were last fetched.
    "cache_update_time",
];

/// Forgets VOLATILE fields, stat's inode generation, and the names of temporary files
/// (each tool stages a copy's content in a temporary file of its own choosing and reports
/// it as `src`).
fn normalize(v: &mut Json) {
    strip_keys(v, VOLATILE);
    // stat's `version` is the inode's generation number, new for every file created.
    if let Some(Json::Object(st)) = v.get_mut("stat") {
        st.remove("version");
    }
    if let Json::Object(m) = v
        && let Some(Json::String(src)) = m.get("src")
        && (src.contains("/.ansible/tmp/") || src.contains("/.roller."))
    {
        m.insert("src".into(), Json::String("(temporary file)".into()));
    }
}

fn conformance_dir() -> PathBuf {
    repo_root().join("tests/lab_conformance")
}

struct Book {
    name: String,
    args: Vec<String>,
}

/// Every `NN_*.yml`, in order; `CONFORMANCE_ONLY=a,b` runs only those whose names contain
/// one of the substrings (playbooks build on nothing but a freshly booted lab and their own
/// earlier tasks, so any subset runs).
fn books() -> Vec<Book> {
    let only = std::env::var("CONFORMANCE_ONLY").ok();
    let mut names: Vec<String> = std::fs::read_dir(conformance_dir())
        .expect("read tests/lab_conformance")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml") && n.as_bytes().first().is_some_and(u8::is_ascii_digit))
        .collect();
    names.sort();
    names
        .into_iter()
        .filter(|n| {
            only.as_deref()
                .is_none_or(|o| o.split(',').any(|part| n.contains(part)))
        })
        .map(|name| {
            let text = std::fs::read_to_string(conformance_dir().join(&name)).expect("read");
            Book {
                args: header_args(&text),
                name,
            }
        })
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum Tool {
    Ansible,
    Roller,
}

fn env(scratch: &Path) -> Vec<(String, String)> {
    isolated_env(
        scratch,
        &[
            ("ANSIBLE_FORCE_COLOR", "0"),
            ("NO_COLOR", "1"),
            ("ANSIBLE_STDOUT_CALLBACK", "default"),
            ("ANSIBLE_RETRY_FILES_ENABLED", "False"),
            // Fewer round trips per task for the reference run; module results do not
            // depend on it.
            ("ANSIBLE_PIPELINING", "True"),
        ],
    )
}

fn run(tool: Tool, book: &Book, env: &[(String, String)]) -> Outcome {
    let mut cmd = match tool {
        Tool::Ansible => Command::new(venv().join("bin/ansible-playbook")),
        Tool::Roller => {
            let mut c = Command::new(roller_bin());
            c.arg("playbook");
            c
        }
    };
    let inventory = repo_root().join("inventories/lab/hosts.yml");
    let out = cmd
        .arg("-v")
        .arg("-i")
        .arg(inventory)
        .args(&book.args)
        .arg(&book.name)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(conformance_dir())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run a playbook");
    out.into()
}

/// What a playbook left on the hosts, per host: one line per /srv entry, then the unit's
/// state and the OS updates that ran.
fn host_state(lab: &Lab) -> BTreeMap<String, Vec<String>> {
    // The hosts at once, each over one SSH session: a state is taken after every playbook.
    std::thread::scope(|s| {
        let readers: Vec<_> = HOSTS
            .iter()
            .map(|host| s.spawn(move || (host.to_string(), one_host_state(lab, host))))
            .collect();
        readers.into_iter().map(|r| r.join().unwrap()).collect()
    })
}

fn one_host_state(lab: &Lab, host: &str) -> Vec<String> {
    let dir = lab.host_dir(host);
    let mut lines = Vec::new();
    tree(&dir.join("srv"), Path::new(""), &mut lines);
    let updates = std::fs::read_to_string(dir.join("state/os-updates.log"))
        .unwrap_or_default()
        .lines()
        .count();
    // The unit's state, the lab's packages (tests/lab/lib/apt.sh) and what they installed,
    // the lab's rpm packages (tests/lab/lib/rpm.sh) in the host's own rpm database.
    let remote = lab.ssh(
        host,
        "for u in confluent-server; do echo \"units: $u $(systemctl is-active $u) $(systemctl is-enabled $u)\"; done; \
         dpkg-query -W -f='package: ${Package} ${Version} ${Status}\\n' 'lab-*' 2>/dev/null; \
         for f in /srv/lab-pkg/*; do [ -e \"$f\" ] && echo \"package: $f: $(cat \"$f\")\"; done; \
         rpm -qa --qf 'rpm: %{NAME} %{VERSION}-%{RELEASE}.%{ARCH}\\n' 'lab-rpm-*' 2>&1 | sed '/^rpm: /!s/^/rpm: /' | sort; true",
    );
    lines.extend(
        String::from_utf8_lossy(&remote.stdout)
            .lines()
            .map(String::from),
    );
    lines.push(format!("os updates run: {updates}"));
    lines
}

fn tree(root: &Path, rel: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut names: Vec<_> = entries.map(|e| e.expect("entry").file_name()).collect();
    names.sort();
    for name in names {
        let path = rel.join(&name);
        let full = root.join(&path);
        let meta = std::fs::symlink_metadata(&full).expect("stat");
        let mut line = format!(
            "{} {:o} {}:{}",
            path.display(),
            meta.mode(),
            meta.uid(),
            meta.gid()
        );
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&full).expect("readlink");
            let _ = write!(line, " -> {}", target.display());
        } else if meta.is_file() {
            let content = std::fs::read(&full).expect("read");
            let _ = write!(line, " {:?}", String::from_utf8_lossy(&content));
        }
        out.push(line);
        if meta.is_dir() {
            tree(root, &path, out);
        }
    }
}

/// Runs every playbook with TOOL on a freshly booted lab; returns each outcome with the
/// hosts' state after it.
fn run_all(
    tool: Tool,
    books: &[Book],
    env: &[(String, String)],
) -> Vec<(Outcome, BTreeMap<String, Vec<String>>)> {
    let mut lab = Lab::up(&["--no-kafka", "--outage", "1"]);
    let started = std::time::Instant::now();
    let mut state = host_state(&lab);
    let results = books
        .iter()
        .map(|b| {
            let t = std::time::Instant::now();
            let mut outcome = run(tool, b, env);
            eprintln!("{tool:?} {}: {:.1} s", b.name, t.elapsed().as_secs_f64());
            // For whoever investigates a difference: what the hosts went through (power,
            // services), kept with the output (stderr is not compared).
            for h in HOSTS {
                let _ = write!(outcome.stderr, "\n--- lab events of {h} ---\n");
                for (at, event, detail) in lab.events(h) {
                    let _ = writeln!(outcome.stderr, "{at} {event} {detail}");
                }
            }
            let after = host_state(&lab);
            if b.args.iter().any(|a| a == "--check" || a == "-C") {
                assert_eq!(
                    state, after,
                    "{tool:?}: {} (check mode) changed a host",
                    b.name
                );
            }
            state = after.clone();
            (outcome, after)
        })
        .collect();
    eprintln!(
        "{tool:?}: {} playbooks in {:.1} s",
        books.len(),
        started.elapsed().as_secs_f64()
    );
    let leftovers = lab.down();
    assert!(leftovers.is_empty(), "the lab left: {leftovers}");
    results
}

/// The jumphost's rpm databases: the packages in root's (Debian's rpm keeps it in
/// ~/.rpmdb; queries such as Ansible's pkg_mgr fact create it empty, and any reader changes
/// its sqlite shared-memory file, so the package list is compared, not the files), and
/// the files under /var/lib/rpm, the mount point the lab's hosts bind their own over.
fn rpm_databases() -> Vec<String> {
    let mut lines = Vec::new();
    if Path::new("/root/.rpmdb").is_dir() {
        let out = Command::new("rpm")
            .args(["-qa", "--dbpath", "/root/.rpmdb", "--qf", "%{NEVRA}\\n"])
            .output()
            .expect("rpm -qa");
        let mut packages: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| format!("/root/.rpmdb: {l}"))
            .collect();
        packages.sort();
        lines.extend(packages);
    }
    lines.push("/var/lib/rpm".to_string());
    tree(Path::new("/var/lib/rpm"), Path::new(""), &mut lines);
    lines
}

/// tests/lab_conformance/KNOWN_DIFFERENCES: `NAME: reason` per line, `#` comments.
fn known_differences() -> BTreeMap<String, String> {
    std::fs::read_to_string(conformance_dir().join("KNOWN_DIFFERENCES"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Both outputs of a playbook that differs, whole, for whoever investigates:
/// target/lab-conformance/NAME.{ansible,roller}.out.
fn keep_outputs(name: &str, ansible: &Outcome, roller: &Outcome) {
    let dir = repo_root().join("target/lab-conformance");
    let _ = std::fs::create_dir_all(&dir);
    for (tool, o) in [("ansible", ansible), ("roller", roller)] {
        let text = format!("{}\n--- stderr ---\n{}", o.stdout, o.stderr);
        let _ = std::fs::write(dir.join(format!("{name}.{tool}.out")), text);
    }
}

#[test]
fn modules_on_real_hosts_behave_like_ansible() {
    if !running_as_root("modules_on_real_hosts_behave_like_ansible") {
        return;
    }
    let books = books();
    assert!(!books.is_empty(), "no lab conformance playbooks");
    // One environment (and config file path, which -v prints) for both tools.
    let scratch = TempDir::new("lab-conformance");
    let env = env(scratch.path());
    let dpkg_status = || std::fs::read("/var/lib/dpkg/status").unwrap_or_default();
    let jumphost_packages = dpkg_status();
    let jumphost_rpms = rpm_databases();
    let ansible = run_all(Tool::Ansible, &books, &env);
    let roller = run_all(Tool::Roller, &books, &env);
    assert!(
        dpkg_status() == jumphost_packages,
        "the jumphost's /var/lib/dpkg/status changed: lab hosts must change only their own packages"
    );
    assert!(
        rpm_databases() == jumphost_rpms,
        "the jumphost's rpm database changed: lab hosts must change only their own"
    );
    let known = known_differences();
    let mut failures = Vec::new();
    for (book, ((a, a_state), (r, r_state))) in books.iter().zip(ansible.iter().zip(&roller)) {
        match (
            compare_runs_normalized(a, r, &normalize),
            known.get(&book.name),
        ) {
            (Some(diff), None) => {
                failures.push(format!("{}: {diff}", book.name));
                keep_outputs(&book.name, a, r);
            }
            (None, Some(_)) => failures.push(format!(
                "{}: now runs like ansible-playbook: remove it from KNOWN_DIFFERENCES",
                book.name
            )),
            _ => {}
        }
        if a_state != r_state {
            failures.push(format!(
                "{}: the hosts' state differs afterwards:\n  ansible-playbook: {a_state:#?}\n  roller: {r_state:#?}",
                book.name
            ));
        }
    }
    eprintln!(
        "lab conformance: {} playbooks, {} differences",
        books.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
