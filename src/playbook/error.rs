//! A problem in a playbook, role or task file: the same located error the inventory layer
//! uses (file, line, column, what is wrong).

pub use crate::inventory::SourceError as PlaybookError;
