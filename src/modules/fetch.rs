//! `fetch`: copy a file from the target to the controller, as ansible-core's `fetch`
//! action plugin: `dest/<inventory_hostname>/<src>` (or `dest` itself with `flat`),
//! idempotent by SHA-1. One round trip: the target compares the file's SHA-1 with the
//! local copy's and sends the content only when they differ.

use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;

use super::args::{boolean, get};
use super::digest::{md5_hex, sha1_hex};
use super::file_attrs;
use super::slurp::{Read, read_remote};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::vars::{Key, Map, Value};

pub struct Fetch;

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

/// Python's `os.path.normpath` for absolute or relative POSIX paths.
pub(crate) fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// `os.path.expandvars` with the controller's environment (unset names stay).
fn expand_local_vars(path: &str) -> String {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\$(?:([A-Za-z0-9_]+)|\{([A-Za-z0-9_]+)\})").expect("valid pattern")
    });
    RE.replace_all(path, |c: &regex::Captures| {
        let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
        std::env::var(name).unwrap_or_else(|_| c[0].to_string())
    })
    .into_owned()
}

/// `os.path.expanduser` for `~` and `~/...` (the controller user's `HOME`).
fn expand_local_home(path: &str) -> String {
    match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match std::env::var("HOME") {
            Ok(home) => format!("{}{rest}", home.trim_end_matches('/')),
            Err(_) => path.to_string(),
        },
        _ => path.to_string(),
    }
}

/// The loader's `path_dwim`: relative paths are taken from the playbook's directory; then
/// `unfrackpath` (variables, `~`, normalised, symlinks kept).
fn path_dwim(cx: &ModuleContext<'_>, given: &str) -> String {
    let path = if given.starts_with('/') || given.starts_with('~') {
        given.to_string()
    } else {
        let base = cx
            .vars
            .vars
            .get(&Key::from("playbook_dir"))
            .and_then(Value::as_str)
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        base.join(given).to_string_lossy().into_owned()
    };
    let expanded = expand_local_home(&expand_local_vars(&path));
    let absolute = if expanded.starts_with('/') {
        expanded
    } else {
        std::env::current_dir()
            .unwrap_or_default()
            .join(&expanded)
            .to_string_lossy()
            .into_owned()
    };
    normpath(&absolute)
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The string value of `key`, or Ansible's message for a missing or non-string one.
fn str_arg(args: &Map, key: &str, what: &str) -> Result<Option<String>, String> {
    match get(args, key) {
        None => Ok(None),
        Some(Value::Str(v)) | Some(Value::Unsafe(v)) => Ok(Some(v.clone())),
        Some(_) => Err(format!(
            "Invalid type supplied for {what} option, it must be a string"
        )),
    }
}

#[async_trait]
impl Module for Fetch {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        if cx.check_mode {
            return Ok(Plan::Done(ModuleError::skip_result(
                "check mode not (yet) supported for this module",
            )));
        }
        let flat = boolean(args, "flat", false)?;
        let fail_on_missing = boolean(args, "fail_on_missing", true)?;
        let validate_checksum = boolean(args, "validate_checksum", true)?;
        let src = str_arg(args, "src", "source");
        let dest = str_arg(args, "dest", "dest");
        let (src, original_dest) = match (src, dest) {
            (Ok(Some(src)), Ok(Some(dest))) => (src, dest),
            (_, Ok(None)) | (Ok(None), _) => {
                return Err(ModuleError::raised("src and dest are required"));
            }
            (_, Err(msg)) | (Err(msg), _) => return Err(ModuleError::raised(msg)),
        };
        let source = file_attrs::expand_user_action(cx, src).await?;

        let dest = if flat {
            let mut dest = original_dest.clone();
            if Path::new(&dest).is_dir() && !dest.ends_with('/') {
                return Err(ModuleError::raised(
                    "dest is an existing directory, use a trailing slash if you want to fetch src into that directory",
                ));
            }
            if dest.ends_with('/') {
                dest = format!("{dest}{}", basename(&source));
                if Path::new(&dest).is_dir() {
                    return Err(ModuleError::raised(format!(
                        "calculated dest '{dest}' is an existing directory, use another path that does not point to an existing directory"
                    )));
                }
            }
            if !dest.starts_with('/') {
                dest = path_dwim(cx, &dest);
            }
            normpath(&dest)
        } else {
            normpath(&format!(
                "{}/{}/{source}",
                path_dwim(cx, &original_dest),
                cx.host
            ))
        };
        let local = local_file(&dest);
        let local_sum = local.as_deref().map(sha1_hex);

        let read = read_remote(cx, &source, Some(local_sum.as_deref().unwrap_or(""))).await?;
        let (bytes, remote_sum) = match read {
            Read::Same(sum) => {
                return Ok(Plan::Done(result([
                    ("changed", Value::Bool(false)),
                    ("checksum", s(&sum)),
                    ("dest", s(&dest)),
                    ("file", s(&source)),
                    ("md5sum", s(&md5_hex(local.as_deref().unwrap_or_default()))),
                ])));
            }
            Read::Content(bytes, sum) => {
                let sum = sum.unwrap_or_else(|| sha1_hex(&bytes));
                (bytes, sum)
            }
            Read::Failed(e) => {
                let is_dir = e.errno == 21;
                let mut msg = match e.errno {
                    2 => Some("the remote file does not exist, not transferring, ignored"),
                    21 => Some("remote file is a directory, fetch cannot work on directories"),
                    _ => None,
                };
                // Without become, ansible-core stats the file first: a directory fails in
                // the action itself, with its own wording when ignored.
                if is_dir && cx.become_.is_none() {
                    if !fail_on_missing {
                        return Ok(Plan::Done(result([(
                            "msg",
                            s(
                                "remote file is a directory, fetch cannot work on directories, not transferring, ignored",
                            ),
                        )])));
                    }
                    return Err(ModuleError::new(msg.unwrap_or_default()));
                }
                // ... and a path stat cannot look at (ENOTDIR, ELOOP) fails there.
                if !matches!(e.errno, 2 | 13 | 21) && cx.become_.is_none() {
                    let text = format!(
                        "Failed to get information on remote file ({source}): {}",
                        e.text
                    );
                    if !fail_on_missing {
                        return Ok(Plan::Done(result([
                            ("changed", Value::Bool(false)),
                            ("file", s(&source)),
                            ("msg", s(&format!("{text}, ignored"))),
                        ])));
                    }
                    return Err(ModuleError::new(text).with("file", s(&source)));
                }
                if !fail_on_missing {
                    let mut r = result([("changed", Value::Bool(false)), ("file", s(&source))]);
                    if let Some(m) = msg.take() {
                        r.insert("msg".into(), s(m));
                    }
                    return Ok(Plan::Done(r));
                }
                let mut err = e.module_error(&source);
                if let Some(m) = msg {
                    err.msg = m.to_string();
                }
                return Err(err);
            }
        };
        write_local(&dest, &bytes)?;
        let new_sum = sha1_hex(&bytes);
        let md5 = md5_hex(&bytes);
        if validate_checksum && new_sum != remote_sum {
            return Err(ModuleError::new("checksum mismatch")
                .with("md5sum", s(&md5))
                .with("file", s(&source))
                .with("dest", s(&dest))
                .with("remote_md5sum", Value::Null)
                .with("checksum", s(&new_sum))
                .with("remote_checksum", s(&remote_sum)));
        }
        Ok(Plan::Done(result([
            ("changed", Value::Bool(true)),
            ("checksum", s(&new_sum)),
            ("dest", s(&dest)),
            ("md5sum", s(&md5)),
            ("remote_checksum", s(&remote_sum)),
            ("remote_md5sum", Value::Null),
        ])))
    }
}

/// The local file's content, if `dest` is an existing file (not a directory).
fn local_file(dest: &str) -> Option<Vec<u8>> {
    let p = Path::new(dest);
    if p.is_dir() {
        return None;
    }
    std::fs::read(p).ok()
}

/// Write the fetched content, creating the missing directories (mode 0777 less the umask,
/// as Python's `os.makedirs`); an existing file is rewritten in place (keeping its mode).
fn write_local(dest: &str, bytes: &[u8]) -> Result<(), ModuleError> {
    let p = Path::new(dest);
    if let Some(parent) = p.parent()
        && !parent.as_os_str().is_empty()
        && !parent.components().all(|c| matches!(c, Component::RootDir))
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| ModuleError::raised(format!("Failed to fetch the file: {e}")))?;
    }
    std::fs::write(p, bytes).map_err(|_| ModuleError::raised("Failed to fetch the file."))
}

#[cfg(test)]
mod tests {
    use super::normpath;

    #[test]
    fn normpath_as_python() {
        assert_eq!(normpath("/a//b/./c/"), "/a/b/c");
        assert_eq!(normpath("/a/h1//etc/x"), "/a/h1/etc/x");
        assert_eq!(normpath("/../a/../b"), "/b");
        assert_eq!(normpath("a/../../b"), "../b");
        assert_eq!(normpath(""), ".");
        assert_eq!(normpath("./"), ".");
    }
}
