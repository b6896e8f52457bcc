//! The playbook conformance suite (tests/conformance/): runs each playbook with the real
//! ansible-playbook and with `roller playbook`, parses the default callback's output into
//! what an operator reads (banners in order, per-host results, debugged values, the recap,
//! the exit code) and compares.
//!
//! Playbooks that roller does not get right yet are listed in
//! tests/conformance/KNOWN_DIFFERENCES; they must still differ, so the list can only shrink.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

use super::{Outcome, TempDir, isolated_env, repo_root, roller_bin, run_python_batch, venv};

pub fn conformance_dir() -> PathBuf {
    repo_root().join("tests/conformance")
}

/// One conformance playbook: its file name and the extra CLI arguments from its header.
#[derive(Clone, Debug)]
pub struct Playbook {
    pub name: String,
    pub args: Vec<String>,
}

/// Every `NN_*.yml` in tests/conformance, sorted; `CONFORMANCE_ONLY=substring` narrows it
/// down while working on one playbook.
pub fn playbooks() -> Vec<Playbook> {
    let only = std::env::var("CONFORMANCE_ONLY").ok();
    let mut names: Vec<String> = std::fs::read_dir(conformance_dir())
        .expect("read tests/conformance")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".yml") && n.as_bytes().first().is_some_and(u8::is_ascii_digit))
        .collect();
    names.sort();
    names
        .into_iter()
        .filter(|n| only.as_deref().is_none_or(|o| n.contains(o)))
        .map(|name| {
            let text = std::fs::read_to_string(conformance_dir().join(&name)).expect("read");
            let args = header_args(&text);
            Playbook { name, args }
        })
        .collect()
}

/// `# args: --tags x -e foo=1` on the first line: extra arguments for both tools
/// (split on whitespace; no quoting).
pub fn header_args(text: &str) -> Vec<String> {
    text.lines()
        .next()
        .and_then(|l| l.trim().strip_prefix("# args:"))
        .map(|rest| rest.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

/// The environment both tools run with.
pub fn conformance_env(scratch: &Path) -> Vec<(String, String)> {
    let python = venv().join("bin/python").to_string_lossy().into_owned();
    let remote_tmp = scratch
        .join(".ansible-remote-tmp")
        .to_string_lossy()
        .into_owned();
    isolated_env(
        scratch,
        &[
            ("ANSIBLE_FORCE_COLOR", "0"),
            ("NO_COLOR", "1"),
            ("ANSIBLE_STDOUT_CALLBACK", "default"),
            ("ANSIBLE_HOST_KEY_CHECKING", "False"),
            ("ANSIBLE_RETRY_FILES_ENABLED", "False"),
            ("ANSIBLE_PYTHON_INTERPRETER", &python),
            ("ANSIBLE_REMOTE_TEMP", &remote_tmp),
            ("ANSIBLE_SSH_RETRIES", "0"),
            ("ANSIBLE_TIMEOUT", "2"),
        ],
    )
}

/// Run ansible-playbook for every argument list, from one pre-imported Python process
/// (tests/support/ansible_playbook_batch.py), two at a time.
pub fn run_ansible_playbooks(
    scratch: &Path,
    jobs: &[Vec<String>],
    env: &[(String, String)],
) -> Vec<Outcome> {
    let jobs: Vec<(Vec<String>, PathBuf)> = jobs
        .iter()
        .map(|args| (args.clone(), conformance_dir()))
        .collect();
    run_python_batch(scratch, "ansible_playbook_batch.py", &jobs, env)
}

pub fn run_roller_playbook(args: &[String], env: &[(String, String)]) -> Outcome {
    let out = Command::new(roller_bin())
        .arg("playbook")
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(conformance_dir())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run roller");
    out.into()
}

/// Run both tools on every argument list: ansible in its batch process, roller meanwhile.
pub fn run_both(label: &str, jobs: &[Vec<String>]) -> (Vec<Outcome>, Vec<Outcome>) {
    let scratch = TempDir::new(label);
    let env = conformance_env(scratch.path());
    let (ansible, roller) = std::thread::scope(|s| {
        let reference = s.spawn(|| run_ansible_playbooks(scratch.path(), jobs, &env));
        let roller: Vec<Outcome> = jobs.iter().map(|a| run_roller_playbook(a, &env)).collect();
        (reference.join().expect("ansible batch thread"), roller)
    });
    (ansible, roller)
}

// ---------------------------------------------------------------------------------------
// Parsing the default callback's stdout

/// One host result line (plus its JSON payload and a following `...ignoring`).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// `ok`, `changed`, `skipping`, `fatal`, `unreachable`, `failed`, `included`, `retrying`.
    pub status: String,
    pub item: Option<String>,
    pub payload: Option<Json>,
    pub ignored: bool,
}

/// A banner (`PLAY [..]`, `TASK [..]`, `RUNNING HANDLER [..]`, `NO MORE HOSTS LEFT`) and
/// everything printed under it.
#[derive(Clone, Debug, Default)]
pub struct Section {
    pub banner: String,
    /// Per host label (`h1`, `h1 -> localhost`, or `included: FILE` for include lines),
    /// that host's results in order: hosts finish in any order, one host's results don't.
    pub results: BTreeMap<String, Vec<Entry>>,
    /// Other lines (`skipping: no hosts matched`, module messages), in order.
    pub other: Vec<String>,
    /// The first line of each `[ERROR]: ..` block, sorted (one per failing host).
    pub errors: Vec<String>,
    /// The raw lines, for reports.
    pub raw: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub sections: Vec<Section>,
    pub recap: Vec<String>,
    /// Lines that could not be understood (a JSON payload that does not parse...).
    pub errors: Vec<String>,
}

/// Fields that differ from run to run.
const VOLATILE: &[&str] = &["delta", "start", "end"];

fn strip_volatile(v: &mut Json) {
    strip_keys(v, VOLATILE);
}

/// Removes every KEYS entry from the objects in V, at any depth.
pub fn strip_keys(v: &mut Json, keys: &[&str]) {
    match v {
        Json::Object(m) => {
            for k in keys {
                m.remove(*k);
            }
            m.values_mut().for_each(|v| strip_keys(v, keys));
        }
        Json::Array(a) => a.iter_mut().for_each(|v| strip_keys(v, keys)),
        _ => {}
    }
}

impl Parsed {
    pub fn normalize_payloads(&mut self, normalize: &dyn Fn(&mut Json)) {
        let payloads = self
            .sections
            .iter_mut()
            .flat_map(|s| s.results.values_mut())
            .flatten()
            .filter_map(|e| e.payload.as_mut());
        payloads.for_each(normalize);
    }
}

fn banner_text(line: &str) -> Option<String> {
    let t = line.trim_end();
    if !t.ends_with("***") {
        return None;
    }
    let text = t.trim_end_matches('*').trim_end();
    Some(text.to_string())
}

/// Split `REST` after a host label into (item label, payload text).
fn split_item_payload(rest: &str) -> (Option<String>, Option<String>) {
    // rest is what follows `]`: "", " => {..", " => (item=x)", " => (item=x) => {..",
    // " (item=x) => {..", " => (item=x) " (skipping).
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("=> ").unwrap_or(rest);
    if let Some(after) = rest.strip_prefix("(item=") {
        let (label, payload) = match after.rfind(") => {") {
            Some(i) => (&after[..i], Some(after[i + 5..].to_string())),
            None => (after.trim_end().strip_suffix(')').unwrap_or(after), None),
        };
        return (Some(label.to_string()), payload);
    }
    if rest.starts_with('{') {
        return (None, Some(rest.to_string()));
    }
    (None, None)
}

/// A host label in `[..]` at the start of `s`, and what follows it.
fn bracketed(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix('[')?;
    let end = s.find(']')?;
    Some((&s[..end], &s[end + 1..]))
}

/// A JSON payload starting with `first`; a multi-line one runs to a line that is just "}".
fn read_payload(
    lines: &[&str],
    i: &mut usize,
    first: String,
    raw: &mut Vec<String>,
    errors: &mut Vec<String>,
) -> Json {
    let mut text = first;
    if text.trim_end() == "{" {
        while *i < lines.len() {
            let l = lines[*i];
            *i += 1;
            raw.push(l.to_string());
            text.push('\n');
            text.push_str(l);
            if l == "}" {
                break;
            }
        }
    }
    match serde_json::from_str::<Json>(&text) {
        Ok(mut v) => {
            strip_volatile(&mut v);
            v
        }
        Err(e) => {
            errors.push(format!("unparsable JSON ({e}): {text}"));
            Json::String(text)
        }
    }
}

pub fn parse(stdout: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let lines: Vec<&str> = stdout.lines().collect();
    let mut current: Option<Section> = None;
    let mut in_recap = false;
    let mut in_error = false;
    let mut last_host: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        // ansible-core 2.19 prints an `[ERROR]: Task failed: ..` block (message, Origin,
        // source excerpt) on stdout before a task's `fatal:`/`failed:` line. Its first line
        // is compared (per section, sorted); the Origin and excerpt lines are not.
        if line.starts_with("[ERROR]: ") {
            in_error = true;
            let section = current.get_or_insert_with(|| Section {
                banner: "(before the first banner)".into(),
                ..Section::default()
            });
            // Why a connection failed depends on the network, not on the tool.
            let headline = match line.find("Failed to connect to the host") {
                Some(k) => &line[..k + "Failed to connect to the host".len()],
                None => line,
            };
            section.errors.push(headline.to_string());
            section.errors.sort();
            continue;
        }
        // roller's documented addition under --check: what a command would have run.
        if line.starts_with("  [") && line.contains("] would run: ") {
            continue;
        }
        if in_error {
            let ends = [
                "fatal: [",
                "failed: [",
                "ok: [",
                "changed: [",
                "skipping: [",
            ]
            .iter()
            .any(|p| line.starts_with(p))
                || banner_text(line).is_some();
            if !ends {
                continue;
            }
            in_error = false;
        }
        if let Some(b) = banner_text(line) {
            if let Some(s) = current.take() {
                parsed.sections.push(s);
            }
            last_host = None;
            in_recap = b == "PLAY RECAP";
            if !in_recap {
                current = Some(Section {
                    banner: b,
                    ..Section::default()
                });
            }
            continue;
        }
        if in_recap {
            if !line.trim().is_empty() {
                parsed.recap.push(line.to_string());
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let section = current.get_or_insert_with(|| Section {
            banner: "(before the first banner)".into(),
            ..Section::default()
        });
        section.raw.push(line.to_string());
        if line == "...ignoring" {
            let target = last_host
                .as_ref()
                .and_then(|h| section.results.get_mut(h))
                .and_then(|v| v.last_mut());
            match target {
                Some(e) => e.ignored = true,
                None => section.other.push(line.to_string()),
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("included: ") {
            // included: FILE for h1, h2[ => (item=x)]
            let (body, item) = match rest.find(" => (item=") {
                Some(k) => (
                    &rest[..k],
                    Some(rest[k + 10..].trim_end_matches(')').to_string()),
                ),
                None => (rest, None),
            };
            let (file, hosts) = body.rsplit_once(" for ").unwrap_or((body, ""));
            let mut hosts: Vec<&str> = hosts.split(", ").collect();
            hosts.sort();
            let key = format!("included: {file}");
            section.results.entry(key).or_default().push(Entry {
                status: format!("included for {}", hosts.join(", ")),
                item,
                payload: None,
                ignored: false,
            });
            continue;
        }
        if let Some(rest) = line.strip_prefix("FAILED - RETRYING: ")
            && let Some((host, tail)) = bracketed(rest)
        {
            section
                .results
                .entry(host.to_string())
                .or_default()
                .push(Entry {
                    status: format!("retrying{tail}"),
                    item: None,
                    payload: None,
                    ignored: false,
                });
            last_host = Some(host.to_string());
            continue;
        }
        let statuses = ["ok", "changed", "skipping", "fatal", "failed"];
        let mut matched = false;
        for st in statuses {
            let Some(rest) = line
                .strip_prefix(st)
                .and_then(|r| r.strip_prefix(": "))
                .and_then(bracketed)
            else {
                continue;
            };
            let (host, mut tail) = rest;
            let mut status = st.to_string();
            if st == "fatal" {
                if let Some(t) = tail.strip_prefix(": FAILED!") {
                    tail = t;
                } else if let Some(t) = tail.strip_prefix(": UNREACHABLE!") {
                    status = "unreachable".into();
                    tail = t;
                }
            }
            let (item, payload_text) = split_item_payload(tail);
            let mut payload = payload_text
                .map(|p| read_payload(&lines, &mut i, p, &mut section.raw, &mut parsed.errors));
            // Why a connection failed depends on the network, not on the tool.
            if status == "unreachable"
                && let Some(Json::Object(m)) = payload.as_mut()
            {
                m.remove("msg");
            }
            section
                .results
                .entry(host.to_string())
                .or_default()
                .push(Entry {
                    status,
                    item,
                    payload,
                    ignored: false,
                });
            last_host = Some(host.to_string());
            matched = true;
            break;
        }
        if !matched {
            section.other.push(line.to_string());
        }
    }
    if let Some(s) = current.take() {
        parsed.sections.push(s);
    }
    parsed
}

// ---------------------------------------------------------------------------------------
// Comparing

fn show_section(s: Option<&Section>) -> String {
    match s {
        None => "    (nothing)".into(),
        Some(s) => {
            let mut out = format!("    {}\n", s.banner);
            for l in s.raw.iter().take(40) {
                let _ = writeln!(out, "    {l}");
            }
            if s.raw.len() > 40 {
                let _ = writeln!(out, "    ... ({} more lines)", s.raw.len() - 40);
            }
            out
        }
    }
}

fn describe_entries(host: &str, entries: Option<&Vec<Entry>>) -> String {
    match entries {
        None => format!("{host}: (no result)"),
        Some(es) => es
            .iter()
            .map(|e| {
                let mut s = format!("{host}: {}", e.status);
                if let Some(i) = &e.item {
                    let _ = write!(s, " (item={i})");
                }
                if e.ignored {
                    s.push_str(" ...ignoring");
                }
                if let Some(p) = &e.payload {
                    let _ = write!(s, " => {p}");
                }
                s
            })
            .collect::<Vec<_>>()
            .join("\n      "),
    }
}

/// The first difference between ansible-playbook's run and roller's, or None.
pub fn compare_runs(ansible: &Outcome, roller: &Outcome) -> Option<String> {
    compare_runs_normalized(ansible, roller, &|_| {})
}

/// `compare_runs`, after NORMALIZE has rewritten every result payload of both runs (to
/// forget what differs between two runs on real hosts).
pub fn compare_runs_normalized(
    ansible: &Outcome,
    roller: &Outcome,
    normalize: &dyn Fn(&mut Json),
) -> Option<String> {
    let mut a = parse(&ansible.stdout);
    let mut r = parse(&roller.stdout);
    a.normalize_payloads(normalize);
    r.normalize_payloads(normalize);
    // Guard against the harness comparing two empty outputs.
    assert!(
        ansible.code != 0 || !a.recap.is_empty(),
        "ansible-playbook succeeded without a PLAY RECAP; the harness is broken:\n{}\n{}",
        ansible.stdout,
        ansible.stderr
    );
    let mut problems = Vec::new();
    if ansible.code != roller.code {
        problems.push(format!(
            "exit code: ansible-playbook {} / roller {}",
            ansible.code, roller.code
        ));
    }
    if !a.errors.is_empty() {
        problems.push(format!("ansible output not understood: {}", a.errors[0]));
    }
    if !r.errors.is_empty() {
        problems.push(format!("roller output not understood: {}", r.errors[0]));
    }
    let n = a.sections.len().max(r.sections.len());
    let mut first_section_diff = true;
    let mut later = Vec::new();
    for k in 0..n {
        let (sa, sr) = (a.sections.get(k), r.sections.get(k));
        let why = match (sa, sr) {
            (Some(x), Some(y)) if x.banner != y.banner => Some("banners differ".to_string()),
            (Some(x), Some(y)) => {
                let hosts: BTreeSet<&String> = x.results.keys().chain(y.results.keys()).collect();
                let host_diff = hosts
                    .into_iter()
                    .find(|h| x.results.get(*h) != y.results.get(*h))
                    .map(|h| {
                        format!(
                            "results for {h} differ:\n    ansible-playbook:\n      {}\n    roller:\n      {}",
                            describe_entries(h, x.results.get(h)),
                            describe_entries(h, y.results.get(h))
                        )
                    });
                host_diff
                    .or_else(|| {
                        (x.other != y.other).then(|| "other output lines differ".to_string())
                    })
                    .or_else(|| {
                        (x.errors != y.errors).then(|| {
                            format!(
                                "[ERROR] lines differ:\n    ansible-playbook: {:?}\n    roller: {:?}",
                                x.errors, y.errors
                            )
                        })
                    })
            }
            (Some(_), None) => Some("roller printed fewer sections".into()),
            (None, Some(_)) => Some("roller printed more sections".into()),
            (None, None) => None,
        };
        if let Some(why) = why {
            let banner = sa.or(sr).map(|s| s.banner.as_str()).unwrap_or("");
            if first_section_diff {
                problems.push(format!(
                    "section #{} ({banner}): {why}\n  ansible-playbook:\n{}  roller:\n{}",
                    k + 1,
                    show_section(sa),
                    show_section(sr)
                ));
                first_section_diff = false;
            } else {
                later.push(format!("#{} ({banner})", k + 1));
            }
        }
    }
    if !later.is_empty() {
        problems.push(format!(
            "later sections that differ too: {}",
            later.join(", ")
        ));
    }
    if a.recap != r.recap {
        problems.push(format!(
            "PLAY RECAP differs:\n  ansible-playbook:\n    {}\n  roller:\n    {}",
            a.recap.join("\n    "),
            r.recap.join("\n    ")
        ));
    }
    if problems.is_empty() {
        None
    } else {
        let stderr = |o: &Outcome| o.stderr.lines().take(6).collect::<Vec<_>>().join("\n    ");
        problems.push(format!(
            "stderr (first lines):\n  ansible-playbook:\n    {}\n  roller:\n    {}",
            stderr(ansible),
            stderr(roller)
        ));
        Some(problems.join("\n"))
    }
}

/// ansible-playbook's listing prints two things in Python set order, which changes with
/// PYTHONHASHSEED from run to run: the hosts under `hosts (N):` and the play's own
/// `TAGS: [a,b]`. Sort both (on either side) so only the content is compared.
pub fn normalize_listing(stdout: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    let flush = |hosts: &mut Vec<String>, out: &mut Vec<String>| {
        hosts.sort();
        out.append(hosts);
    };
    let mut in_hosts = false;
    for line in stdout.lines() {
        if in_hosts && line.starts_with("      ") && !line.trim().is_empty() {
            hosts.push(line.to_string());
            continue;
        }
        flush(&mut hosts, &mut out);
        in_hosts = line.starts_with("    hosts (") && line.ends_with("):");
        let line = match (line.starts_with("  play #"), line.rsplit_once("\tTAGS: [")) {
            (true, Some((head, tags))) => {
                let mut t: Vec<&str> = tags.trim_end_matches(']').split(',').collect();
                t.sort();
                format!("{head}\tTAGS: [{}]", t.join(","))
            }
            _ => line.to_string(),
        };
        out.push(line);
    }
    flush(&mut hosts, &mut out);
    let mut text = out.join("\n");
    if stdout.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Comparison for the listing modes (after `normalize_listing`), with the first differing
/// line.
pub fn compare_text(ansible: &Outcome, roller: &Outcome) -> Option<String> {
    let (want, got) = (
        normalize_listing(&ansible.stdout),
        normalize_listing(&roller.stdout),
    );
    if want == got && ansible.code == roller.code {
        return None;
    }
    let e: Vec<&str> = want.lines().collect();
    let a: Vec<&str> = got.lines().collect();
    let i = e
        .iter()
        .zip(a.iter())
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = i.saturating_sub(2);
    Some(format!(
        "exit code: ansible-playbook {} / roller {}\nfirst difference at line {}:\n  ansible-playbook:\n    {}\n  roller:\n    {}\n  roller stderr: {}",
        ansible.code,
        roller.code,
        i + 1,
        e[from..(i + 3).min(e.len())].join("\n    "),
        a[from..(i + 3).min(a.len())].join("\n    "),
        roller
            .stderr
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join(" | ")
    ))
}

// ---------------------------------------------------------------------------------------
// Known differences

/// tests/conformance/KNOWN_DIFFERENCES: `KEY: reason` per line, KEY being a playbook file
/// name (`12_handlers.yml`) for the run comparison, or the file name and a listing mode
/// (`12_handlers.yml --list-tasks`), or `* --list-tasks` for every playbook in a mode.
/// `#` starts a comment line.
pub fn known_differences() -> BTreeMap<String, String> {
    let text =
        std::fs::read_to_string(conformance_dir().join("KNOWN_DIFFERENCES")).unwrap_or_default();
    let mut known = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, reason) = line.split_once(": ").unwrap_or((line, ""));
        assert!(
            known
                .insert(key.trim().to_string(), reason.trim().to_string())
                .is_none(),
            "KNOWN_DIFFERENCES lists {key} twice"
        );
    }
    known
}

/// Check each case's comparison against KNOWN_DIFFERENCES: every case not listed must match,
/// every listed case must still differ and exist. Prints a summary; panics with a report.
pub fn judge(what: &str, cases: Vec<(String, Option<String>)>) {
    let known = known_differences();
    let filtered = std::env::var("CONFORMANCE_ONLY").is_ok();
    // Run cases are keyed by file name, listing cases by file name and mode.
    let relevant = |key: &str| (what == "run") != key.contains(" --");
    // `* --MODE` covers every playbook in that listing mode (a mode not implemented yet).
    let known_for = |key: &str| -> Option<&String> {
        known.get(key).or_else(|| {
            key.split_once(" --")
                .and_then(|(_, mode)| known.get(&format!("* --{mode}")))
        })
    };
    let mut failures = Vec::new();
    let (mut matching, mut known_count) = (0, 0);
    let keys: BTreeSet<String> = cases.iter().map(|(k, _)| k.clone()).collect();
    for (key, diff) in &cases {
        match (diff, known_for(key)) {
            (None, None) => matching += 1,
            (Some(_), Some(_)) => known_count += 1,
            (Some(d), None) => failures.push(format!("=== {key} differs from ansible-playbook:\n{d}")),
            (None, Some(_)) => failures.push(format!(
                "=== {key} now matches ansible-playbook: remove it from tests/conformance/KNOWN_DIFFERENCES \
                 (for a `* --MODE` line, list the cases that still differ instead)"
            )),
        }
    }
    if !filtered {
        for key in known.keys().filter(|k| relevant(k) && !k.starts_with("* ")) {
            if !keys.contains(key) {
                failures.push(format!(
                    "=== KNOWN_DIFFERENCES lists {key}, which is not a conformance case"
                ));
            }
        }
    }
    let summary = format!(
        "conformance ({what}): {matching} match, {known_count} known differences, {} unexpected\n",
        failures.len()
    );
    let _ = std::io::stderr().write_all(summary.as_bytes());
    if std::env::var("CONFORMANCE_VERBOSE").is_ok() {
        for (key, diff) in &cases {
            if let Some(d) = diff
                && known_for(key).is_some()
            {
                let _ = std::io::stderr()
                    .write_all(format!("=== {key} (known difference)\n{d}\n").as_bytes());
            }
        }
    }
    assert!(failures.is_empty(), "{summary}{}", failures.join("\n\n"));
}
