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

/// ansible-playbook lists a play's hosts (and the play's tags) in Python set order.
#[test]
fn listing_comparison_ignores_set_order() {
    use support::conformance::normalize_listing;
    let a = "\nplaybook: x.yml\n\n  play #1 (kafka): p\tTAGS: [b,a]\n    pattern: ['kafka']\n    hosts (3):\n      h3\n      h1\n      h2\n\n  play #2 (h1): q\tTAGS: []\n    pattern: ['h1']\n    hosts (1):\n      h1\n";
    let b = "\nplaybook: x.yml\n\n  play #1 (kafka): p\tTAGS: [a,b]\n    pattern: ['kafka']\n    hosts (3):\n      h1\n      h2\n      h3\n\n  play #2 (h1): q\tTAGS: []\n    pattern: ['h1']\n    hosts (1):\n      h1\n";
    assert_eq!(normalize_listing(a), normalize_listing(b));
    assert_eq!(normalize_listing(b), b);
    let c = b.replace("      h3\n", "      h4\n");
    assert_ne!(normalize_listing(a), normalize_listing(&c));
}
