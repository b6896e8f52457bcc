//! Split a task's mapping into its module, the module's arguments and its keywords, as
//! Ansible's ModuleArgsParser does.

use super::keywords::TASK_KEYWORDS;
use super::kv::parse_kv;
use crate::vars::{Key, Map, Value};

/// Modules whose free-form text is a command line, not `k=v` pairs.
const FREE_FORM: &[&str] = &["command", "shell", "raw", "script"];

/// Prefixes that name the same module as its short name.
const BUILTIN_PREFIXES: &[&str] = &["ansible.builtin.", "ansible.legacy."];

/// A task's module and arguments, separated from its keywords.
#[derive(Debug)]
pub struct ParsedTask {
    pub action_written: String,
    pub action: String,
    pub args: Map,
    /// The keys that are keywords (name, when, register, ...), unrendered.
    pub keywords: Map,
}

pub fn short_name(action: &str) -> &str {
    BUILTIN_PREFIXES
        .iter()
        .find_map(|p| action.strip_prefix(p))
        .unwrap_or(action)
}

/// Parse one task mapping. `Err` carries a message for the user.
pub fn parse_task(ds: &Map) -> Result<ParsedTask, String> {
    let mut keywords = Map::new();
    let mut candidates: Vec<(String, Value)> = Vec::new();
    let mut delegate_local = false;
    for (k, v) in ds {
        let Some(name) = k.as_str() else {
            return Err(format!(
                "a task key must be a string, not {:?}",
                Value::from_key(k)
            ));
        };
        if name == "action" || name == "local_action" {
            if name == "local_action" {
                delegate_local = true;
            }
            candidates.push((name.to_string(), v.clone()));
        } else if TASK_KEYWORDS.contains(&name) || name.starts_with("with_") {
            keywords.insert(k.clone(), v.clone());
        } else {
            candidates.push((name.to_string(), v.clone()));
        }
    }
    if candidates.len() > 1 {
        let names: Vec<&str> = candidates.iter().map(|(n, _)| n.as_str()).collect();
        return Err(format!(
            "conflicting action statements: {}",
            names.join(", ")
        ));
    }
    let Some((key, value)) = candidates.pop() else {
        return Err("no module/action detected in task.".to_string());
    };
    let (action_written, value) = if key == "action" || key == "local_action" {
        split_action_keyword(&value)?
    } else {
        (key, value)
    };
    let action = short_name(&action_written).to_string();
    let mut args = Map::new();
    if let Some(Value::Map(extra)) = keywords.get(&Key::from("args")) {
        args.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    match value {
        Value::Null => {}
        Value::Map(m) => args.extend(m),
        Value::Str(s) | Value::Unsafe(s) => {
            args.extend(parse_kv(&s, FREE_FORM.contains(&action.as_str())));
        }
        other => {
            return Err(format!(
                "the arguments of '{action_written}' must be a mapping or a string, not {}",
                other.python_type_name()
            ));
        }
    }
    if delegate_local {
        keywords.insert(Key::from("delegate_to"), Value::Str("localhost".into()));
    }
    Ok(ParsedTask {
        action_written,
        action,
        args,
        keywords,
    })
}

/// `action: debug msg=hi` or `action: {module: debug, msg: hi}`.
fn split_action_keyword(value: &Value) -> Result<(String, Value), String> {
    match value {
        Value::Str(s) | Value::Unsafe(s) => {
            let s = s.trim();
            let (module, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
            Ok((module.to_string(), Value::Str(rest.trim().to_string())))
        }
        Value::Map(m) => {
            let mut m = m.clone();
            match m.shift_remove(&Key::from("module")) {
                Some(Value::Str(module)) => Ok((module, Value::Map(m))),
                _ => Err("an `action:` mapping needs a `module:` key".to_string()),
            }
        }
        _ => Err("`action:` must be a string or a mapping".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load_yaml;

    fn parse(text: &str) -> Result<ParsedTask, String> {
        let v = load_yaml(text).unwrap().value.unwrap();
        parse_task(v.as_map().unwrap())
    }

    #[test]
    fn module_args_and_keywords_are_separated() {
        let t =
            parse("name: x\nansible.builtin.command: ls -l\nargs: {chdir: /tmp}\nregister: r\n")
                .unwrap();
        assert_eq!(t.action, "command");
        assert_eq!(
            t.args[&Key::from("_raw_params")],
            Value::Str("ls -l".into())
        );
        assert_eq!(t.args[&Key::from("chdir")], Value::Str("/tmp".into()));
        assert!(t.keywords.contains_key(&Key::from("register")));
    }

    #[test]
    fn two_modules_conflict_and_none_is_an_error() {
        assert!(
            parse("debug: msg=a\ncommand: ls\n")
                .unwrap_err()
                .contains("conflicting")
        );
        assert!(parse("name: x\n").unwrap_err().contains("no module/action"));
    }

    #[test]
    fn local_action_delegates_to_localhost() {
        let t = parse("local_action: command echo hi\n").unwrap();
        assert_eq!(t.action, "command");
        assert_eq!(
            t.keywords[&Key::from("delegate_to")],
            Value::Str("localhost".into())
        );
    }
}
