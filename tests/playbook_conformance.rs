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
