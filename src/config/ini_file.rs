//! The INI dialect of ansible.cfg (Python's configparser): `key = value` or `key: value`,
//! `#`/`;` comment lines, `;` inline comments after whitespace, indented continuation lines.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct CfgError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

pub type Sections = HashMap<String, HashMap<String, String>>;

pub fn parse_cfg(path: &Path, text: &str) -> Result<Sections, CfgError> {
    let mut sections: Sections = HashMap::new();
    let mut current: Option<String> = None;
    let mut last_key: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |m: &str| CfgError {
            path: path.to_path_buf(),
            line: line_no,
            message: m.to_string(),
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if raw.starts_with([' ', '\t'])
            && let (Some(sec), Some(key)) = (&current, &last_key)
            && let Some(v) = sections.get_mut(sec).and_then(|s| s.get_mut(key))
        {
            v.push('\n');
            v.push_str(strip_inline_comment(trimmed));
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            current = Some(name.trim().to_string());
            sections.entry(name.trim().to_string()).or_default();
            last_key = None;
            continue;
        }
        let Some(section) = &current else {
            return Err(err(
                "File contains no section headers: add [defaults] above the settings",
            ));
        };
        let split = trimmed
            .find(['=', ':'])
            .ok_or_else(|| err("expected `key = value`"))?;
        let key = trimmed[..split].trim().to_lowercase();
        let value = strip_inline_comment(trimmed[split + 1..].trim()).to_string();
        sections
            .entry(section.clone())
            .or_default()
            .insert(key.clone(), value);
        last_key = Some(key);
    }
    Ok(sections)
}

fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b';' && i > 0 && bytes[i - 1].is_ascii_whitespace() {
            return value[..i].trim_end();
        }
    }
    value
}
