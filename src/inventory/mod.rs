//! Inventories read exactly as Ansible reads them: sources, the group/host graph,
//! variable precedence and host patterns.

pub mod address;
pub mod error;
pub mod host_list;
pub mod host_range;
pub mod ini;
pub mod model;
pub mod pattern;
pub mod sources;
pub mod variables;
pub mod vars_files;
pub mod yaml_source;

pub use error::SourceError;
pub use model::{GroupId, HostId, Inventory};
pub use pattern::Selector;
pub use variables::VarsResolver;
