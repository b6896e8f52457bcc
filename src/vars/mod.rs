//! Variables: the value model shared by inventory, playbooks and templates.

pub mod combine;
pub mod timestamp;
pub mod value;

pub use combine::{HashBehaviour, combine_vars};
pub use value::{Key, Map, Value};
