//! Free-form module arguments (`debug: msg=hi`, `command: ls -l chdir=/tmp`), split as
//! Ansible's `parse_kv` does: quotes and Jinja2 expressions keep spaces together.

use crate::vars::{Key, Map, Value};

/// Parameters the command family takes inline among its free-form words.
const COMMAND_INLINE_PARAMS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "warn",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
    "argv",
    "expand_argument_vars",
    "cmd",
];

/// Split on unquoted whitespace, keeping quoted parts and `{{ }}`/`{% %}` spans whole.
pub fn split_args(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quote.is_some() => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '\'' | '"' if depth == 0 => {
                match quote {
                    None => quote = Some(c),
                    Some(q) if q == c => quote = None,
                    _ => {}
                }
                cur.push(c);
            }
            '{' if matches!(chars.peek(), Some('{') | Some('%') | Some('#')) => {
                depth += 1;
                cur.push(c);
                cur.push(chars.next().unwrap_or('{'));
            }
            '}' | '%' | '#' if depth > 0 && chars.peek() == Some(&'}') => {
                depth -= 1;
                cur.push(c);
                cur.push(chars.next().unwrap_or('}'));
            }
            c if c.is_whitespace() && quote.is_none() && depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Remove one level of matching surrounding quotes.
pub fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

/// Parse `k=v` words into a map; with `check_raw`, words that are not one of the command
/// family's inline parameters are kept, in order, as `_raw_params`.
pub fn parse_kv(text: &str, check_raw: bool) -> Map {
    let mut options = Map::new();
    let mut raw: Vec<String> = Vec::new();
    for word in split_args(text) {
        let split = word
            .find('=')
            .filter(|&i| i > 0 && !word[..i].contains(['\'', '"', ' ']));
        match split {
            Some(i) => {
                let key = &word[..i];
                let value = &word[i + 1..];
                if check_raw && !COMMAND_INLINE_PARAMS.contains(&key) {
                    raw.push(word.clone());
                } else {
                    options.insert(Key::from(key), Value::Str(unquote(value)));
                }
            }
            None => raw.push(word),
        }
    }
    if !raw.is_empty() {
        options.insert(Key::from("_raw_params"), Value::Str(raw.join(" ")));
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_and_templates_stay_whole() {
        let m = parse_kv("msg='hello world' var={{ a + b }}", false);
        assert_eq!(m[&Key::from("msg")], Value::Str("hello world".into()));
        assert_eq!(m[&Key::from("var")], Value::Str("{{ a + b }}".into()));
    }

    #[test]
    fn command_words_are_raw_but_inline_params_are_options() {
        let m = parse_kv("ls -l /tmp chdir=/var FOO=bar", true);
        assert_eq!(
            m[&Key::from("_raw_params")],
            Value::Str("ls -l /tmp FOO=bar".into())
        );
        assert_eq!(m[&Key::from("chdir")], Value::Str("/var".into()));
    }
}
