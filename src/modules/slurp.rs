//! `slurp`: a file's content from the target, base64-encoded. The reading itself
//! ([`read_remote`]) also serves `fetch`: one round trip that reports why a file cannot be
//! read as the `errno` Python's `open` would give.

use async_trait::async_trait;
use base64::Engine;

use super::args::{check_known, string};
use super::file_attrs;
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::shell_quote;
use crate::output::python_repr::repr_str;
use crate::vars::{Map, Value};

pub struct Slurp;

const KNOWN: &[&str] = &["src", "path"];

/// Why a file could not be read: the `errno` and its text, as Python's `OSError` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadError {
    pub errno: i32,
    pub text: String,
}

impl ReadError {
    /// slurp's message for this error (its own words, per errno).
    pub fn slurp_msg(&self, source: &str) -> String {
        match self.errno {
            2 => format!("File not found: {source}"),
            13 => format!("File is not readable: {source}"),
            21 => format!("Source is a directory and must be a file: {source}"),
            // ansible-core's message lacks the f-string prefix: it really says `{source}`.
            _ => "Unable to slurp file: {source}".to_string(),
        }
    }

    /// The module failure as ansible-core 2.19 reports it: `msg`, an `exception` in the
    /// registered result, and the `[ERROR]` headline with the `OSError` appended.
    pub fn module_error(&self, source: &str) -> ModuleError {
        let msg = self.slurp_msg(source);
        let headline = format!(
            "Module failed: {msg}: [Errno {}] {}: {}",
            self.errno,
            self.text,
            repr_str(source)
        );
        ModuleError::new(msg.clone())
            .with("exception", Value::Str("(traceback unavailable)".into()))
            .with(super::ERROR_HEADLINE, Value::Str(headline))
    }
}

/// What reading found.
pub(crate) enum Read {
    /// The content, and (when `unless_sha1` was given) its SHA-1 as the target computed it
    /// before sending, to validate the transfer.
    Content(Vec<u8>, Option<String>),
    /// The file's SHA-1 equals the one given: its content was not sent.
    Same(String),
    Failed(ReadError),
}

/// Read `path` on the target (as the task's user, with its become). With `unless_sha1`,
/// the target reports the file's SHA-1 and sends the content only when it differs (`""`
/// never matches).
pub(crate) async fn read_remote(
    cx: &ModuleContext<'_>,
    path: &str,
    unless_sha1: Option<&str>,
) -> Result<Read, ModuleError> {
    let q = shell_quote(path);
    let same = match unless_sha1 {
        Some(sum) => format!(
            "_s=$(sha1sum < \"$_p\") || exit 1; _s=${{_s%% *}}; \
             if [ \"$_s\" = {} ]; then echo \"SAME $_s\"; exit 0; fi; printf 'OK %s\\n' \"$_s\"",
            shell_quote(sum)
        ),
        None => "echo OK".to_string(),
    };
    // Directories, then existing paths (readable or not), then why a missing path is
    // missing: a component that is not a directory gives ENOTDIR, as open(2) does.
    let script = format!(
        "_p={q}\n\
         if [ -d \"$_p\" ]; then echo 'E 21 Is a directory'; exit 0; fi\n\
         if [ -e \"$_p\" ]; then\n\
         if [ -r \"$_p\" ]; then {same}; exec cat -- \"$_p\"; fi\n\
         echo 'E 13 Permission denied'; exit 0\n\
         fi\n\
         _q=$_p\n\
         while :; do case $_q in */*) _q=${{_q%/*}} ;; *) break ;; esac\n\
         [ -n \"$_q\" ] || break\n\
         if [ -e \"$_q\" ] && [ ! -d \"$_q\" ]; then echo 'E 20 Not a directory'; exit 0; fi\n\
         done\n\
         echo 'E 2 No such file or directory'\n"
    );
    let out = file_attrs::run(cx, script, None).await?;
    let nl = out.stdout.iter().position(|&b| b == b'\n');
    let (head, body) = match nl {
        Some(i) => (
            String::from_utf8_lossy(&out.stdout[..i]).into_owned(),
            &out.stdout[i + 1..],
        ),
        None => (out.stdout_text(), &[][..]),
    };
    if out.rc != 0 {
        let err = out.stderr_text();
        return Err(ModuleError::new(format!(
            "Unable to read {path}: {}",
            err.trim().lines().last().unwrap_or("")
        )));
    }
    if head == "OK" {
        return Ok(Read::Content(body.to_vec(), None));
    }
    if let Some(sum) = head.strip_prefix("OK ") {
        return Ok(Read::Content(body.to_vec(), Some(sum.to_string())));
    }
    if let Some(sum) = head.strip_prefix("SAME ") {
        return Ok(Read::Same(sum.to_string()));
    }
    if let Some(rest) = head.strip_prefix("E ")
        && let Some((n, text)) = rest.split_once(' ')
    {
        return Ok(Read::Failed(ReadError {
            errno: n.parse().unwrap_or(0),
            text: text.to_string(),
        }));
    }
    Err(ModuleError::new(format!(
        "Unable to read {path}: unexpected answer from the target"
    )))
}

#[async_trait]
impl Module for Slurp {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        check_known(args, KNOWN)?;
        let Some(src) = string(args, "src")?.or(string(args, "path")?) else {
            return Err(ModuleError::new("missing required arguments: src"));
        };
        let source = file_attrs::expand_user(cx, src).await?;
        match read_remote(cx, &source, None).await? {
            Read::Content(bytes, _) => Ok(Plan::Done(result([
                ("changed", Value::Bool(false)),
                (
                    "content",
                    Value::Str(base64::engine::general_purpose::STANDARD.encode(bytes)),
                ),
                ("encoding", Value::Str("base64".into())),
                ("source", Value::Str(source)),
            ]))),
            Read::Failed(e) => Err(e.module_error(&source)),
            Read::Same(_) => Err(ModuleError::new("unexpected answer from the target")),
        }
    }
}
