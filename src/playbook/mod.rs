//! Playbooks as Ansible reads them: plays, blocks, tasks, roles and imports, loaded from
//! YAML into a tree the executor walks. Templates stay unrendered here; they are rendered
//! per host when a task runs.

pub mod error;
pub mod keywords;
pub mod kv;
pub mod load;
pub mod model;
pub mod role;
pub mod tags;
pub mod task_parse;

pub use error::PlaybookError;
pub use load::{LoadOptions, load_playbook};
pub use model::{Block, Item, Play, Playbook, Task};
