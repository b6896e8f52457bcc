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
    out.push_str(&excerpt(&lines, line, column));
    out
}

/// Ansible's annotated lines: the target line and two before it, each cut to fit 120
/// columns with its number, tabs shown as spaces; then a caret under the column (or, with
/// no column, a line of carets under the whole target line).
fn excerpt(lines: &[&str], line: usize, column: Option<usize>) -> String {
    const MAX_WIDTH: usize = 120;
    const MARKER: &str = "...";
    let width = line.to_string().len();
    let max_len = MAX_WIDTH - width - 1;
    let mut usable = max_len;
    let mut out = String::new();
    let mut last_len = 0;
    for n in line.saturating_sub(2).max(1)..=line {
        let mut text = lines[n - 1].replace('\t', " ");
        if text.chars().count() > max_len {
            text = text
                .chars()
                .take(max_len - MARKER.len())
                .collect::<String>()
                + MARKER;
            usable = max_len - MARKER.len();
        }
        let sep = if text.is_empty() { "" } else { " " };
        let annotated = format!("{n:>width$}{sep}{text}");
        last_len = annotated.chars().count();
        out.push_str(&annotated);
        out.push('\n');
    }
    match column {
        Some(col) if col >= 1 && col <= usable => {
            let label = format!("column {col}");
            let marker = if col - 1 + 2 + label.len() > max_len {
                format!(
                    "{}{label} ^",
                    " ".repeat((col - 1).saturating_sub(label.len() + 1))
                )
            } else {
                format!("{}^ {label}", " ".repeat(col - 1))
            };
            out.push_str(&format!("{} {marker}\n", " ".repeat(width)));
        }
        Some(_) => {}
        None => {
            let carets = last_len.saturating_sub(width + 1);
            out.push_str(&format!("{} {}\n", " ".repeat(width), "^".repeat(carets)));
        }
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

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn empty_lines_have_no_trailing_space_and_tabs_show_as_spaces() {
        let lines = ["- hosts: all", "", "\tbad: [1"];
        assert_eq!(
            excerpt(&lines, 3, Some(2)),
            "1 - hosts: all\n2\n3  bad: [1\n   ^ column 2\n"
        );
    }

    #[test]
    fn without_a_column_the_whole_line_is_underlined() {
        assert_eq!(excerpt(&["a: b"], 1, None), "1 a: b\n  ^^^^\n");
    }

    #[test]
    fn long_lines_are_cut_and_a_far_column_is_marked_before_its_caret() {
        let long = "x".repeat(200);
        let out = excerpt(&[long.as_str()], 1, Some(115));
        let first = out.lines().next().unwrap();
        assert_eq!(first.len(), 120);
        assert!(first.ends_with("..."));
        assert!(out.lines().nth(1).unwrap().ends_with("column 115 ^"));
        // Beyond what is shown: no marker at all, as in Ansible.
        assert_eq!(excerpt(&[long.as_str()], 1, Some(119)).lines().count(), 1);
    }
}
