//! YAML as Ansible reads it (PyYAML, YAML 1.1), on top of yaml-rust2's event parser.
//! See docs/decisions/yaml-parser.md for why not serde_yaml.

pub mod error;
pub mod loader;
pub mod locate;
pub mod positions;
pub mod resolver;

pub use error::YamlError;
pub use loader::{Loaded, load_yaml};
