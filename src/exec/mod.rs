//! Running playbooks: Ansible's linear strategy over serial batches, with per-host block
//! state (rescue/always), handlers, loops, conditions and registered results.

pub mod batches;
pub mod conditions;
pub mod connections;
pub mod facts;
pub mod host_state;
pub mod includes;
pub mod meta;
pub mod options;
pub mod outcome;
pub mod play_run;
pub mod playbook_run;
pub mod resume;
pub mod stats;
pub mod task_run;
pub mod variables;

pub use options::RunOptions;
pub use outcome::Outcome;
pub use playbook_run::run_playbooks;
pub use stats::Stats;
