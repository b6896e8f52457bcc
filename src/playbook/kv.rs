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

/// The quote a token leaves open, given the one open before it (`_get_quote_state`).
fn quote_state(token: &str, mut quote: Option<char>) -> Option<char> {
    let mut prev: Option<char> = None;
    for c in token.chars() {
        if (c == '"' || c == '\'') && prev != Some('\\') {
            match quote {
                Some(q) if q == c => quote = None,
                Some(_) => {}
                None => quote = Some(c),
            }
        }
        prev = Some(c);
    }
    quote
}

/// `_count_jinja2_blocks`.
fn jinja_depth(token: &str, depth: usize, open: &str, close: &str) -> usize {
    let (o, c) = (token.matches(open).count(), token.matches(close).count());
    if o == c {
        return depth;
    }
    (depth as i64 + o as i64 - c as i64).max(0) as usize
}

/// Ansible's `split_args`: split on spaces and newlines, but keep quoted parts and
/// `{{ }}`/`{% %}`/`{# #}` spans whole, with their original spacing; newlines are kept at
/// the end of the word before them, so that [`join_args`] restores the text.
pub fn split_args(text: &str) -> Vec<String> {
    let mut params: Vec<String> = Vec::new();
    if text.is_empty() {
        return params;
    }
    let items: Vec<&str> = text.split('\n').collect();
    let mut quote: Option<char> = None;
    let (mut print_d, mut block_d, mut comment_d) = (0usize, 0usize, 0usize);
    for (item_idx, item) in items.iter().enumerate() {
        let mut continuation = false;
        for (idx, token) in item.split(' ').enumerate() {
            if token.is_empty() && idx != 0 {
                if params.is_empty() {
                    params.push(String::new());
                }
                if let Some(last) = params.last_mut() {
                    last.push(' ');
                }
                continue;
            }
            if token == "\\" && quote.is_none() {
                continuation = true;
                continue;
            }
            let was_inside = quote.is_some();
            quote = quote_state(token, quote);
            let inside = quote.is_some();
            let in_jinja = print_d > 0 || block_d > 0 || comment_d > 0;
            let mut appended = false;
            if inside && !was_inside && !in_jinja {
                params.push(token.to_string());
                appended = true;
            } else if in_jinja || inside || was_inside {
                if params.is_empty() {
                    params.push(String::new());
                }
                if let Some(last) = params.last_mut() {
                    if !(idx == 0 && was_inside) && idx > 0 {
                        last.push(' ');
                    }
                    last.push_str(token);
                }
                appended = true;
            }
            for (depth, open, close) in [
                (&mut print_d, "{{", "}}"),
                (&mut block_d, "{%", "%}"),
                (&mut comment_d, "{#", "#}"),
            ] {
                let before = *depth;
                *depth = jinja_depth(token, *depth, open, close);
                if *depth != before && !appended {
                    params.push(token.to_string());
                    appended = true;
                }
            }
            let in_jinja = print_d > 0 || block_d > 0 || comment_d > 0;
            if !in_jinja && quote.is_none() && !appended && !token.is_empty() {
                params.push(token.to_string());
            }
        }
        if items.len() > 1 && item_idx != items.len() - 1 && !continuation {
            if params.is_empty() {
                params.push(String::new());
            }
            if let Some(last) = params.last_mut() {
                last.push('\n');
            }
        }
    }
    params
}

/// Ansible's `join_args`: the words back into the original text (spaces between words,
/// none after a newline).
pub fn join_args(words: &[String]) -> String {
    let mut out = String::new();
    for w in words {
        if !(out.is_empty() || out.ends_with('\n')) {
            out.push(' ');
        }
        out.push_str(w);
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
            .filter(|&i| i > 0 && !word[..i].trim().contains(['\'', '"', ' ', '\n']));
        match split {
            Some(i) => {
                let key = word[..i].trim();
                let value = word[i + 1..].trim();
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
        options.insert(Key::from("_raw_params"), Value::Str(join_args(&raw)));
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
    fn newlines_and_spacing_survive() {
        let m = parse_kv("echo a\necho  'b  c'\nls chdir=/tmp\n", true);
        assert_eq!(
            m[&Key::from("_raw_params")],
            Value::Str("echo a\necho  'b  c'\nls".into())
        );
        assert_eq!(m[&Key::from("chdir")], Value::Str("/tmp".into()));
        let m = parse_kv("for x in 1 2; do\n  echo \"$x  y\"\ndone\n", true);
        assert_eq!(
            m[&Key::from("_raw_params")],
            Value::Str("for x in 1 2; do\n  echo \"$x  y\"\ndone\n".into())
        );
        let m = parse_kv("x \"a\nb\" y", true);
        assert_eq!(
            m[&Key::from("_raw_params")],
            Value::Str("x \"a\nb\" y".into())
        );
        assert_eq!(
            split_args("a=b c=\"foo bar\" {{ x | y }}"),
            ["a=b", "c=\"foo bar\"", "{{ x | y }}"]
        );
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
