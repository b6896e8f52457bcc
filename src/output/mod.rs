//! Writing values the way Ansible (Python) writes them.

pub mod callback;
pub mod clock;
pub mod default_callback;
pub mod diff_text;
pub mod error_excerpt;
pub mod fanout;
pub mod float_repr;
pub mod json;
pub mod json_events;
pub mod junit;
pub mod metrics;
pub mod progress;
pub mod python_repr;
pub mod report_result;
pub mod trace_log;
pub mod yaml_emit;
