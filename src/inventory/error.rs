use std::fmt;
use std::path::PathBuf;

/// A problem in one inventory (or vars) file, located as precisely as we know it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SourceError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl SourceError {
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        SourceError {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(
        path: impl Into<PathBuf>,
        line: usize,
        column: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        SourceError {
            path: path.into(),
            line: Some(line),
            column,
            message: message.into(),
        }
    }

    /// At an optional (line, column) found after the fact.
    pub fn located(
        path: impl Into<PathBuf>,
        pos: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Self {
        SourceError {
            path: path.into(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            message: message.into(),
        }
    }

    pub fn from_yaml(path: impl Into<PathBuf>, err: crate::yaml::YamlError) -> Self {
        SourceError {
            path: path.into(),
            line: Some(err.line),
            column: Some(err.column),
            message: err.message,
        }
    }
}

impl fmt::Display for SourceError {
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
