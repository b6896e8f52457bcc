use std::fmt;
use std::path::PathBuf;

/// A problem in a playbook, role or task file, located as precisely as known.
#[derive(Debug, Clone, thiserror::Error)]
pub struct PlaybookError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl PlaybookError {
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        PlaybookError {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(
        path: impl Into<PathBuf>,
        pos: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Self {
        PlaybookError {
            path: path.into(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            message: message.into(),
        }
    }
}

impl From<crate::inventory::SourceError> for PlaybookError {
    fn from(e: crate::inventory::SourceError) -> Self {
        PlaybookError {
            path: e.path,
            line: e.line,
            column: e.column,
            message: e.message,
        }
    }
}

impl fmt::Display for PlaybookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}
