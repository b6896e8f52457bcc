//! Writing values the way Ansible (Python) writes them.

pub mod callback;
pub mod default_callback;
pub mod diff_text;
pub mod error_excerpt;
pub mod float_repr;
pub mod json;
pub mod python_repr;
pub mod yaml_emit;
