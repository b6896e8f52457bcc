//! Ansible 2.19's error blocks: the message, `Origin: file:line:col`, and the lines around
//! the spot with a caret under the column.

use std::path::Path;

/// `Origin: ...` and the excerpt, or just the origin when the file cannot be read.
pub fn origin_block(path: &Path, line: Option<usize>, column: Option<usize>) -> String {
    let mut out = format!("Origin: {}", path.display());
    let Some(line) = line else { return out };
    out.push_str(&format!(":{line}"));
    if let Some(col) = column {
        out.push_str(&format!(":{col}"));
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return out;
    };
    let lines: Vec<&str> = text.lines().collect();
    if line == 0 || line > lines.len() {
        return out;
    }
    out.push_str("\n\n");
    let width = line.to_string().len();
    for n in line.saturating_sub(2).max(1)..=line {
        out.push_str(&format!("{n:>width$} {}\n", lines[n - 1]));
    }
    if let Some(col) = column {
        out.push_str(&format!("{}^ column {col}\n", " ".repeat(width + col)));
    }
    out
}

/// A whole `[ERROR]: ...` block for stderr.
pub fn error_block(
    message: &str,
    path: &Path,
    line: Option<usize>,
    column: Option<usize>,
) -> String {
    format!("[ERROR]: {message}\n{}", origin_block(path, line, column))
}
