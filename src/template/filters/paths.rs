//! Path filters: Python's `os.path` functions on the controller's paths.

use minijinja::value::Value as JValue;
use minijinja::{Environment, Error as JError};

use super::arg;
use super::core::require_defined;
use crate::output::python_repr::python_str;
use crate::vars::Value;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("path_join", path_join);
    env.add_filter("basename", basename);
    env.add_filter("dirname", dirname);
    env.add_filter("splitext", splitext);
    env.add_filter("expanduser", expanduser);
    env.add_filter("realpath", realpath);
}

/// `os.path.join` of a list (or of a single path).
fn path_join(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let parts: Vec<String> = match arg(value)? {
        Value::List(items) => items.iter().map(python_str).collect(),
        other => return Ok(python_str(&other)),
    };
    let mut out = String::new();
    for part in parts {
        if part.starts_with('/') {
            out = part;
        } else if out.is_empty() || out.ends_with('/') {
            out.push_str(&part);
        } else {
            out.push('/');
            out.push_str(&part);
        }
    }
    Ok(out)
}

fn basename(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let path = python_str(&arg(value)?);
    Ok(path.rsplit('/').next().unwrap_or_default().to_string())
}

/// `os.path.dirname`: everything before the last slash, trailing slashes removed unless
/// the head is only slashes.
fn dirname(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let path = python_str(&arg(value)?);
    let head = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => return Ok(String::new()),
    };
    let trimmed = head.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        head.to_string()
    } else {
        trimmed.to_string()
    })
}

/// `os.path.splitext`: (root, ext) where a leading dot of the name is not an extension.
fn splitext(value: &JValue) -> Result<JValue, JError> {
    require_defined(value)?;
    let path = python_str(&arg(value)?);
    let name_start = path.rfind('/').map(|i| i + 1).unwrap_or(0);
    let name = &path[name_start..];
    let leading_dots = name.len() - name.trim_start_matches('.').len();
    let (root, ext) = match name[leading_dots..].rfind('.') {
        Some(i) => {
            let at = name_start + leading_dots + i;
            (&path[..at], &path[at..])
        }
        None => (path.as_str(), ""),
    };
    Ok(JValue::from(vec![JValue::from(root), JValue::from(ext)]))
}

fn expanduser(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let path = python_str(&arg(value)?);
    let home = std::env::var("HOME").unwrap_or_default();
    Ok(match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{home}{rest}"),
        _ => path,
    })
}

/// `os.path.realpath`: symlinks resolved when the path exists, else normalized.
fn realpath(value: &JValue) -> Result<String, JError> {
    require_defined(value)?;
    let path = python_str(&arg(value)?);
    if let Ok(p) = std::fs::canonicalize(&path) {
        return Ok(p.to_string_lossy().into_owned());
    }
    let absolute = if path.starts_with('/') {
        path
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        format!("{}/{path}", cwd.to_string_lossy())
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in absolute.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}
