//! Differential test of the templating layer: every template in
//! support/template_cases.rs is rendered by roller's Templar and, in ONE ansible-playbook
//! run, by ansible-core's `debug: msg=` (conditionals by `when:`). Values are compared as
//! JSON; a case that fails in Ansible must fail in roller too.

mod support;

use std::collections::HashMap;
use std::process::Command;
use std::sync::Arc;

use roller::template::{HostvarsSource, Templar, VarContext, is_omit};
use roller::vars::{Key, Map, Value};
use support::template_cases::{BASE_VARS, CONDITIONS, HOSTS, KNOWN_GAPS, TEMPLATES};
use support::{TempDir, isolated_env, repo_root, venv};

/// What one task did in Ansible, or what roller computed for it.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Value(serde_json::Value),
    Skipped,
    Failed(String),
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|l| format!("{pad}{l}\n"))
        .collect::<String>()
}

fn base_vars_text(scratch: &str) -> String {
    BASE_VARS.replace("@SCRATCH@", scratch)
}

fn playbook(scratch: &str) -> String {
    let mut out =
        String::from("- hosts: localhost\n  connection: local\n  gather_facts: false\n  vars:\n");
    out.push_str(&indent(&base_vars_text(scratch), 4));
    out.push_str("  tasks:\n");
    for (i, template) in TEMPLATES.iter().enumerate() {
        let msg = serde_json::to_string(template).unwrap();
        out.push_str(&format!(
            "    - name: m{i}\n      debug:\n        msg: {msg}\n      ignore_errors: true\n"
        ));
    }
    for (i, template) in KNOWN_GAPS.iter().enumerate() {
        let msg = serde_json::to_string(template).unwrap();
        out.push_str(&format!(
            "    - name: g{i}\n      debug:\n        msg: {msg}\n      ignore_errors: true\n"
        ));
    }
    for (i, cond) in CONDITIONS.iter().enumerate() {
        let when = serde_json::to_string(cond).unwrap();
        out.push_str(&format!(
            "    - name: c{i}\n      debug:\n        msg: ok\n      when: {when}\n      ignore_errors: true\n"
        ));
    }
    out
}

fn run_ansible(scratch: &TempDir) -> HashMap<String, Outcome> {
    let dir = scratch.path();
    let book = dir.join("cases.yml");
    std::fs::write(&book, playbook(&dir.to_string_lossy())).unwrap();
    let out_file = dir.join("results.jsonl");
    let callbacks = repo_root().join("tests/support/callback_plugins");
    let env = isolated_env(
        dir,
        &[
            ("ANSIBLE_CALLBACK_PLUGINS", callbacks.to_str().unwrap()),
            ("ANSIBLE_STDOUT_CALLBACK", "roller_jsonl"),
            ("ROLLER_JSONL_OUT", out_file.to_str().unwrap()),
            ("ANSIBLE_LOCALHOST_WARNING", "False"),
        ],
    );
    let inventory = dir.join("inventory.yml");
    std::fs::write(
        &inventory,
        format!(
            "all:\n  hosts:\n{}  children:\n    kafka:\n      hosts:\n        localhost:\n        kafka2:\n",
            indent(HOSTS, 4)
        ),
    )
    .unwrap();
    let status = Command::new(venv().join("bin/ansible-playbook"))
        .arg("-i")
        .arg(&inventory)
        .arg(&book)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(dir)
        .output()
        .expect("run ansible-playbook");
    let results = std::fs::read_to_string(&out_file).unwrap_or_default();
    assert!(
        !results.is_empty(),
        "ansible-playbook wrote no results: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    results
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let task = record["task"].as_str().unwrap().to_string();
            let outcome = match record["status"].as_str().unwrap() {
                "ok" => Outcome::Value(record["msg"].clone()),
                "skipped" => Outcome::Skipped,
                _ => Outcome::Failed(record["msg"].as_str().unwrap_or_default().to_string()),
            };
            (task, outcome)
        })
        .collect()
}

fn to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::BigInt(s) => serde_json::from_str(s).unwrap_or(J::String(s.clone())),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or(J::Null),
        Value::Str(s) | Value::Unsafe(s) => J::String(s.clone()),
        Value::Timestamp(t) => J::String(t.isoformat()),
        Value::List(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => J::Object(map.iter().map(|(k, v)| (key_text(k), to_json(v))).collect()),
    }
}

/// How Python's json module writes a dict key.
fn key_text(key: &Key) -> String {
    match key {
        Key::Null => "null".into(),
        Key::Bool(b) => b.to_string(),
        Key::Int(i) => i.to_string(),
        Key::Float(f) => f.clone(),
        Key::Str(s) => s.clone(),
    }
}

/// The inventory's hosts, as the engine would hand them to the templar.
struct TestHosts(Vec<(String, Arc<Map>)>);

impl HostvarsSource for TestHosts {
    fn host_names(&self) -> Vec<String> {
        self.0.iter().map(|(n, _)| n.clone()).collect()
    }

    fn host_vars(&self, host: &str) -> Option<Arc<Map>> {
        self.0
            .iter()
            .find(|(n, _)| n == host)
            .map(|(_, v)| v.clone())
    }
}

fn yaml_map(text: &str) -> Map {
    match roller::yaml::load_yaml(text)
        .expect("case YAML parses")
        .value
    {
        Some(Value::Map(m)) => m,
        other => panic!("not a mapping: {other:?}"),
    }
}

fn roller_context(scratch: &str) -> VarContext {
    let mut hosts = Vec::new();
    for (name, vars) in yaml_map(HOSTS) {
        let mut vars = match vars {
            Value::Map(m) => m,
            _ => Map::new(),
        };
        let name = name.as_str().unwrap_or_default().to_string();
        vars.insert(Key::from("inventory_hostname"), Value::Str(name.clone()));
        hosts.push((name, Arc::new(vars)));
    }
    let host_names: Vec<Value> = hosts.iter().map(|(n, _)| Value::Str(n.clone())).collect();
    // Play vars above the host's inventory vars, plus the magic variables used here.
    let mut vars = (*hosts[0].1).clone();
    vars.extend(yaml_map(&base_vars_text(scratch)));
    let mut groups = Map::new();
    groups.insert(Key::from("all"), Value::List(host_names.clone()));
    groups.insert(Key::from("kafka"), Value::List(host_names));
    groups.insert(Key::from("ungrouped"), Value::List(Vec::new()));
    vars.insert(Key::from("groups"), Value::Map(groups));
    VarContext {
        vars: Arc::new(vars),
        hostvars: Some(Arc::new(TestHosts(hosts))),
    }
}

/// The last part of Ansible's failure text: the template error itself, without the
/// playbook location Ansible adds to conditional errors (the engine's business).
fn ansible_error_core(message: &str) -> String {
    let mut core = message;
    for marker in [
        "Error while resolving value for 'msg': ",
        "Error while evaluating conditional: ",
        "Task failed: ",
    ] {
        if let Some(i) = core.rfind(marker) {
            core = &core[i + marker.len()..];
            break;
        }
    }
    match (core.find(" at '"), core.find("'. ")) {
        (Some(a), Some(b)) if b > a => format!("{}{}", &core[..a], &core[b + 1..]),
        _ => core.to_string(),
    }
}

#[test]
fn templates_match_ansible() {
    let scratch = TempDir::new("template-diff");
    std::fs::write(scratch.path().join("file.txt"), "file content\n").unwrap();
    let scratch_text = scratch.path().to_string_lossy().into_owned();
    let reference = run_ansible(&scratch);
    let templar = Templar::new();
    let ctx = roller_context(&scratch_text);

    let mut cases: Vec<(String, String, Outcome)> = Vec::new();
    for (i, template) in TEMPLATES.iter().enumerate() {
        let got = match templar.template(&Value::Str(template.to_string()), &ctx) {
            // The engine drops an omitted argument; debug then prints its default message.
            Ok(v) if is_omit(&v) => Outcome::Value(serde_json::json!("Hello world!")),
            Ok(v) => Outcome::Value(to_json(&v)),
            Err(e) => Outcome::Failed(e.to_string()),
        };
        cases.push((format!("m{i}"), template.to_string(), got));
    }
    for (i, cond) in CONDITIONS.iter().enumerate() {
        let got = match templar.condition(cond, &ctx) {
            Ok(true) => Outcome::Value(serde_json::Value::String("ok".into())),
            Ok(false) => Outcome::Skipped,
            Err(e) => Outcome::Failed(e.to_string()),
        };
        cases.push((format!("c{i}"), format!("when: {cond}"), got));
    }

    for (i, template) in KNOWN_GAPS.iter().enumerate() {
        let got = match templar.template(&Value::Str(template.to_string()), &ctx) {
            Ok(v) => Outcome::Value(to_json(&v)),
            Err(e) => Outcome::Failed(e.to_string()),
        };
        let want = reference.get(&format!("g{i}"));
        let same = match (want, &got) {
            (Some(Outcome::Failed(_)), Outcome::Failed(_)) => true,
            (Some(w), g) => w == g,
            (None, _) => false,
        };
        eprintln!(
            "known gap {template:?}: {} (ansible {want:?}, roller {got:?})",
            if same { "now equal" } else { "still differs" }
        );
    }

    let mut mismatches = Vec::new();
    let mut same_message = 0;
    let mut failures = 0;
    for (task, text, got) in &cases {
        let Some(want) = reference.get(task) else {
            mismatches.push(format!("{task} {text:?}: no result from ansible"));
            continue;
        };
        let equal = match (want, got) {
            (Outcome::Failed(w), Outcome::Failed(g)) => {
                failures += 1;
                if ansible_error_core(w) == *g {
                    same_message += 1;
                } else {
                    eprintln!(
                        "message differs for {text:?}:\n  ansible: {}\n  roller:  {g}",
                        ansible_error_core(w)
                    );
                }
                true
            }
            (w, g) => w == g,
        };
        if !equal {
            mismatches.push(format!(
                "{task} {text:?}:\n  ansible: {want:?}\n  roller:  {got:?}"
            ));
        }
    }
    eprintln!(
        "template differential: {} cases, {} equal, {} mismatched; {failures} errors on both sides, {same_message} with the same message",
        cases.len(),
        cases.len() - mismatches.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
