//! The result of one task on one host.

use crate::output::callback::ResultKind;
use crate::vars::{Key, Map, Value};

/// A task's result on one host, as the callbacks and the strategy see it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub host: String,
    pub result: Map,
    pub ignored: bool,
    pub delegated_to: Option<String>,
}

impl Outcome {
    /// A result for `host`, not ignored, not delegated.
    pub fn new(host: &str, result: Map) -> Self {
        Outcome {
            host: host.to_string(),
            result,
            ignored: false,
            delegated_to: None,
        }
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.result.get(&Key::from(key)), Some(v) if crate::modules::args::to_bool(v) == Some(true))
    }

    pub fn status(&self) -> ResultKind {
        if self.flag("unreachable") {
            ResultKind::Unreachable
        } else if self.flag("failed") {
            ResultKind::Failed
        } else if self.flag("skipped") {
            ResultKind::Skipped
        } else if self.flag("changed") {
            ResultKind::Changed
        } else {
            ResultKind::Ok
        }
    }

    pub fn changed(&self) -> bool {
        self.flag("changed")
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.result.get(&Key::from(key))
    }
}
