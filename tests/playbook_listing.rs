//! Conformance suite, listing modes (issue 4): `--syntax-check`, `--list-hosts`,
//! `--list-tasks` and `--list-tags` on every conformance playbook print exactly what
//! ansible-playbook prints, with the same exit code.

mod support;

use support::conformance::{compare_text, judge, playbooks, run_both};

const MODES: &[&str] = &[
    "--syntax-check",
    "--list-hosts",
    "--list-tasks",
    "--list-tags",
];

#[test]
fn listing_modes_print_what_ansible_playbook_prints() {
    let books = playbooks();
    assert!(!books.is_empty(), "no conformance playbooks found");
    let mut keys = Vec::new();
    let mut jobs = Vec::new();
    for b in &books {
        for mode in MODES {
            let mut args = vec!["-i".to_string(), "inventory.ini".to_string()];
            args.extend(b.args.iter().cloned());
            args.push(mode.to_string());
            args.push(b.name.clone());
            keys.push(format!("{} {mode}", b.name));
            jobs.push(args);
        }
    }
    let (ansible, roller) = run_both("conformance-listing", &jobs);
    let cases = keys
        .into_iter()
        .zip(ansible.iter().zip(&roller))
        .map(|(k, (a, r))| (k, compare_text(a, r)))
        .collect();
    judge("listing", cases);
}
