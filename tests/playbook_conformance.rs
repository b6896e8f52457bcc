//! Conformance suite (issue 4): every playbook in tests/conformance/ runs with the real
//! ansible-playbook and with `roller playbook` over the local connection; both must print
//! the same banners in the same order, the same results per host (statuses, item labels,
//! debugged values), the same PLAY RECAP and end with the same exit code.
//! See tests/support/conformance.rs and tests/conformance/README.md.

mod support;

use support::conformance::{compare_runs, judge, playbooks, run_both};

fn run_args(p: &support::conformance::Playbook) -> Vec<String> {
    let mut args = vec!["-i".to_string(), "inventory.ini".to_string()];
    args.extend(p.args.iter().cloned());
    args.push(p.name.clone());
    args
}

#[test]
fn playbooks_run_like_ansible_playbook() {
    let books = playbooks();
    assert!(!books.is_empty(), "no conformance playbooks found");
    let jobs: Vec<Vec<String>> = books.iter().map(run_args).collect();
    let (ansible, roller) = run_both("conformance", &jobs);
    let cases = books
        .iter()
        .zip(ansible.iter().zip(&roller))
        .map(|(b, (a, r))| (b.name.clone(), compare_runs(a, r)))
        .collect();
    judge("run", cases);
}

/// The harness itself: what it parses from the default callback's output, what it ignores
/// (host order, volatile fields, the Origin of `[ERROR]` blocks) and what it reports.
#[test]
fn harness_parses_and_compares_default_callback_output() {
    use support::Outcome;
    use support::conformance::parse;

    let ansible = r#"
PLAY [p] ***********************************************************************

TASK [t1] **********************************************************************
ok: [h1] => {
    "msg": "a"
}
changed: [h2]
skipping: [h3]

TASK [loop] ********************************************************************
ok: [h1] => (item=x) => {
    "msg": "x"
}
skipping: [h1] => (item=y) 
[ERROR]: Task failed: Action failed: boom
Origin: /p.yml:3:7

3     - name: loop
        ^ column 7

failed: [h2] (item={'k': 1}) => {"changed": false, "delta": "0:00:00.1", "msg": "boom"}
...ignoring
FAILED - RETRYING: [h3]: loop (2 retries left).
fatal: [h3]: FAILED! => {"changed": false, "msg": "no"}
fatal: [h4 -> localhost]: UNREACHABLE! => {"changed": false, "msg": "timeout", "unreachable": true}

TASK [inc] *********************************************************************
included: /x/tasks.yml for h2, h1 => (item=a)

PLAY RECAP *********************************************************************
h1                         : ok=2    changed=0    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0   
"#;
    let parsed = parse(ansible);
    assert_eq!(parsed.errors, Vec::<String>::new());
    let banners: Vec<&str> = parsed.sections.iter().map(|s| s.banner.as_str()).collect();
    assert_eq!(
        banners,
        ["PLAY [p]", "TASK [t1]", "TASK [loop]", "TASK [inc]"]
    );
    let lp = &parsed.sections[2];
    assert_eq!(lp.results["h1"].len(), 2);
    assert_eq!(lp.results["h1"][1].status, "skipping");
    assert_eq!(lp.results["h1"][1].item.as_deref(), Some("y"));
    let h2 = &lp.results["h2"][0];
    assert_eq!(
        (h2.status.as_str(), h2.item.as_deref(), h2.ignored),
        ("failed", Some("{'k': 1}"), true)
    );
    assert_eq!(
        h2.payload,
        Some(serde_json::json!({"changed": false, "msg": "boom"}))
    );
    assert_eq!(
        lp.results["h3"][0].status,
        "retrying: loop (2 retries left)."
    );
    assert_eq!(lp.results["h3"][1].status, "fatal");
    let h4 = &lp.results["h4 -> localhost"][0];
    assert_eq!(h4.status, "unreachable");
    assert_eq!(
        h4.payload,
        Some(serde_json::json!({"changed": false, "unreachable": true}))
    );
    assert!(lp.other.is_empty(), "{:?}", lp.other);
    let inc = &parsed.sections[3].results["included: /x/tasks.yml"][0];
    assert_eq!(inc.status, "included for h1, h2");
    assert_eq!(inc.item.as_deref(), Some("a"));
    assert_eq!(parsed.recap.len(), 1);

    let out = |stdout: &str, code: i32| Outcome {
        stdout: stdout.to_string(),
        stderr: String::new(),
        code,
    };
    // Other host order, other volatile values, no [ERROR] block: the same.
    let reordered = ansible
        .replace(
            "ok: [h1] => {\n    \"msg\": \"a\"\n}\nchanged: [h2]",
            "changed: [h2]\nok: [h1] => {\n    \"msg\": \"a\"\n}",
        )
        .replace("0:00:00.1", "0:00:00.2")
        .replace(
            "Origin: /p.yml:3:7\n\n3     - name: loop\n        ^ column 7\n",
            "",
        );
    assert_ne!(reordered, ansible);
    assert_eq!(compare_runs(&out(ansible, 2), &out(&reordered, 2)), None);
    // A different status, value, recap or exit code: reported.
    for (changed, code) in [
        (ansible.replace("changed: [h2]", "ok: [h2]"), 2),
        (ansible.replace("\"msg\": \"x\"", "\"msg\": \"z\""), 2),
        (ansible.replace("skipped=1", "skipped=0"), 2),
        (ansible.replace("TASK [inc]", "TASK [include]"), 2),
        (
            ansible.replace("[ERROR]: Task failed: Action failed: boom\n", ""),
            2,
        ),
        (ansible.to_string(), 4),
    ] {
        assert!(
            compare_runs(&out(ansible, 2), &out(&changed, code)).is_some(),
            "not reported: {changed}"
        );
    }
}
