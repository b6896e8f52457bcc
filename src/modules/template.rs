//! `template`: render a controller Jinja2 file with the host's variables and put the result
//! on the target exactly as `copy` would (Ansible's template action hands over to copy).

use std::sync::Arc;

use async_trait::async_trait;

use super::args::{boolean, check_known, string};
use super::copy::{Source, find_needle, plan_copy};
use super::file_attrs;
use super::{Module, ModuleContext, ModuleError, Plan};
use crate::template::VarContext;
use crate::vars::{Key, Map, Value};

pub struct Template;

const KNOWN: &[&str] = &[
    "src",
    "dest",
    "backup",
    "force",
    "follow",
    "validate",
    "newline_sequence",
    "trim_blocks",
    "lstrip_blocks",
    "variable_start_string",
    "variable_end_string",
    "block_start_string",
    "block_end_string",
    "comment_start_string",
    "comment_end_string",
    "output_encoding",
];

/// Options roller's templar cannot change (their Jinja2 defaults only).
const FIXED: &[(&str, &str)] = &[
    ("variable_start_string", "{{"),
    ("variable_end_string", "}}"),
    ("block_start_string", "{%"),
    ("block_end_string", "%}"),
    ("comment_start_string", "{#"),
    ("comment_end_string", "#}"),
];

fn count_trailing_newlines(s: &str) -> usize {
    s.chars().rev().take_while(|&c| c == '\n').count()
}

/// The controller's host name (`template_host`).
fn controller_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "localhost".to_string())
}

/// The user name owning a controller file (`template_uid`), from /etc/passwd.
fn user_name(uid: u32) -> Value {
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() > 2 && f[2] == uid.to_string()).then(|| Value::Str(f[0].to_string()))
            })
        })
        .unwrap_or(Value::Int(uid.into()))
}

#[async_trait]
impl Module for Template {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        let mut known = KNOWN.to_vec();
        known.extend_from_slice(file_attrs::COMMON_ARGS);
        if args.contains_key(&Key::from("state")) {
            return Err(ModuleError::new(
                "'state' cannot be specified on a template",
            ));
        }
        check_known(args, &known)?;
        let (Some(src), Some(dest)) = (string(args, "src")?, string(args, "dest")?) else {
            return Err(ModuleError::new("src and dest are required"));
        };
        for (key, default) in FIXED {
            if let Some(v) = string(args, key)?
                && v != *default
            {
                return Err(ModuleError::new(format!(
                    "roller's template does not support {key} other than '{default}'"
                )));
            }
        }
        if !boolean(args, "trim_blocks", true)? || boolean(args, "lstrip_blocks", false)? {
            return Err(ModuleError::new(
                "roller's template supports only trim_blocks=true and lstrip_blocks=false",
            ));
        }
        let newline = match string(args, "newline_sequence")?.as_deref() {
            None | Some("\n") | Some("\\n") => "\n",
            Some("\r") | Some("\\r") => "\r",
            Some("\r\n") | Some("\\r\\n") => "\r\n",
            Some(_) => {
                return Err(ModuleError::new(
                    "newline_sequence needs to be one of: \n, \r or \r\n",
                ));
            }
        };
        let path = find_needle(cx, "templates", &src)?;
        let text = std::fs::read_to_string(&path).map_err(|e| {
            ModuleError::new(format!("could not read template {}: {e}", path.display()))
        })?;
        let meta = std::fs::metadata(&path).ok();
        let fullpath = path.display().to_string();

        // Ansible's template variables on top of the host's.
        let mut vars: Map = (*cx.vars.vars).clone();
        let mut extra = vec![
            ("template_host", Value::Str(controller_host())),
            ("template_path", Value::Str(src.clone())),
            ("template_fullpath", Value::Str(fullpath.clone())),
            ("template_destpath", Value::Str(dest.clone())),
        ];
        if let Some(m) = &meta {
            use std::os::unix::fs::MetadataExt;
            extra.push(("template_uid", user_name(m.uid())));
        }
        if !vars.contains_key(&Key::from("ansible_managed")) {
            extra.push(("ansible_managed", Value::Str("Ansible managed".to_string())));
        }
        for (k, v) in extra {
            vars.insert(Key::from(k), v);
        }
        let ctx = VarContext {
            vars: Arc::new(vars),
            hostvars: cx.vars.hostvars.clone(),
        };
        let rendered = cx
            .templar
            .template(&Value::Str(text.clone()), &ctx)
            .map_err(|e| ModuleError::new(format!("{e}")))?;
        let mut out = match rendered {
            Value::Null => String::new(),
            Value::Str(s) | Value::Unsafe(s) => s,
            other => crate::output::python_repr::python_str(&other),
        };
        // Ansible keeps the template's trailing newlines, which Jinja2 drops.
        let missing = count_trailing_newlines(&text).saturating_sub(count_trailing_newlines(&out));
        out.push_str(&"\n".repeat(missing));
        if newline != "\n" {
            out = out.replace("\r\n", "\n").replace('\n', newline);
        }
        let local_mode = meta.map(|m| {
            use std::os::unix::fs::PermissionsExt;
            m.permissions().mode() & 0o7777
        });
        let source = Source {
            bytes: out.into_bytes(),
            basename: path.file_name().map(|n| n.to_string_lossy().into_owned()),
            src_path: Some(fullpath.clone()),
            after_header: fullpath,
            local_mode,
        };
        plan_copy(cx, args, source).await
    }
}
