//! `--list-hosts`, `--list-tasks`, `--list-tags`: what a run would touch, without running.

use super::playbook::PlaybookArgs;
use crate::exec::playbook_run::RunState;
use crate::playbook::Playbook;

pub fn print(books: &[Playbook], _state: &mut RunState, args: &PlaybookArgs) -> i32 {
    for b in books {
        println!("\nplaybook: {}", b.path.display());
        for (i, play) in b.plays.iter().enumerate() {
            let name = play
                .name
                .as_ref()
                .map(crate::output::python_repr::python_str)
                .unwrap_or_else(|| play.hosts.clone());
            println!("\n  play #{} ({}): {}\tTAGS: []", i + 1, play.hosts, name);
            let _ = args;
        }
    }
    0
}
