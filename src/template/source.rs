//! Template source as ansible-core 2.19 reads it.
//!
//! Ansible's Jinja keeps backslashes in string literals as they are: `'\n'` is a
//! backslash and an `n`, `'\1'` stays `\1` (so regex replacements work), and `\'` is a
//! backslash followed by a quote that does not end the literal. minijinja unescapes
//! literals like Python, so before compiling, every backslash inside a literal is doubled
//! (and an escaped quote kept escaped), which makes minijinja produce the raw text.

/// Rewrite template source for minijinja: string literals inside `{{ }}` / `{% %}` keep
/// their backslashes, and inline `if` without `else` is completed.
pub(crate) fn prepare_source(source: &str) -> String {
    if !source.contains('\\') && !source.contains(" if ") {
        return source.to_string();
    }
    let mut out = String::with_capacity(source.len() + 8);
    let mut rest = source;
    while let Some(start) = next_tag(rest) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        if rest.starts_with("{#") {
            let end = rest.find("#}").map(|i| i + 2).unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let close = if rest.starts_with("{{") { "}}" } else { "%}" };
        let is_raw_block = rest.starts_with("{%") && {
            let inner = rest[2..].trim_start_matches(['-', '+']).trim_start();
            inner.starts_with("raw")
                && inner[3..]
                    .trim_start()
                    .trim_start_matches(['-', '+'])
                    .starts_with("%}")
        };
        let mut tag = String::new();
        let consumed = copy_code(rest, close, &mut tag);
        if close == "}}" {
            tag = complete_inline_if(&tag);
        }
        out.push_str(&tag);
        rest = &rest[consumed..];
        if is_raw_block {
            // Everything up to `{% endraw %}` is data.
            let end = find_endraw(rest).unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

fn next_tag(s: &str) -> Option<usize> {
    ["{{", "{%", "{#"].iter().filter_map(|t| s.find(t)).min()
}

fn find_endraw(s: &str) -> Option<usize> {
    let mut offset = 0;
    while let Some(i) = s[offset..].find("{%") {
        let at = offset + i;
        let inner = s[at + 2..].trim_start_matches(['-', '+']).trim_start();
        if inner.starts_with("endraw") {
            return Some(at);
        }
        offset = at + 2;
    }
    None
}

/// Copy one tag (from its opening to `close`), rewriting string literals; returns the
/// number of bytes consumed.
fn copy_code(tag: &str, close: &str, out: &mut String) -> usize {
    let mut chars = tag.char_indices().peekable();
    // The opening delimiter.
    for _ in 0..2 {
        if let Some((_, c)) = chars.next() {
            out.push(c);
        }
    }
    while let Some((i, c)) = chars.next() {
        if tag[i..].starts_with(close) {
            out.push_str(close);
            return i + close.len();
        }
        if c == '\'' || c == '"' {
            out.push(c);
            while let Some((_, d)) = chars.next() {
                if d == '\\' {
                    out.push_str("\\\\");
                    match chars.next() {
                        Some((_, q)) if q == c => {
                            out.push('\\');
                            out.push(q);
                        }
                        Some((_, '\\')) => out.push_str("\\\\"),
                        Some((_, other)) => out.push(other),
                        None => {}
                    }
                } else {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    tag.len()
}

/// The global that stands for Jinja's silent undefined (see [`complete_inline_if`]).
pub(crate) const SILENT_UNDEFINED: &str = "__roller_silent_undefined";

/// `{{ a if cond }}` without `else` prints nothing when `cond` is false (Jinja's silent
/// undefined). minijinja's chainable undefined cannot be told apart from a missing
/// variable, which roller refuses to print, so the missing branch is written out as
/// `else __roller_silent_undefined` (an object that prints as nothing). Only an `if` at
/// the top level of the expression is completed.
fn complete_inline_if(tag: &str) -> String {
    // An unterminated tag is left for the parser to report.
    if tag.len() < 4 || !tag.ends_with("}}") {
        return tag.to_string();
    }
    let body_start = 2;
    let body_end = tag.len() - 2;
    let body = &tag[body_start..body_end];
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut saw_if = false;
    let mut saw_else = false;
    let bytes = body.as_bytes();
    let word_at = |i: usize, word: &str| {
        body[i..].starts_with(word)
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
            && body[i + word.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
    };
    for (i, c) in body.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ if depth == 0 && word_at(i, "if") => saw_if = true,
            _ if depth == 0 && saw_if && word_at(i, "else") => saw_else = true,
            _ => {}
        }
    }
    if !saw_if || saw_else {
        return tag.to_string();
    }
    let trimmed = body.trim_end();
    let (expr, strip) = match trimmed.strip_suffix('-') {
        Some(e) => (e, "-"),
        None => (trimmed, ""),
    };
    format!(
        "{}{expr} else {SILENT_UNDEFINED} {strip}}}}}",
        &tag[..body_start]
    )
}

#[cfg(test)]
mod tests {
    use super::prepare_source as raw;

    #[test]
    fn inline_if_without_else_gets_one() {
        assert_eq!(
            raw("{{ ',' if x }}"),
            "{{ ',' if x else __roller_silent_undefined }}"
        );
        assert_eq!(raw("{{ a if b else c }}"), "{{ a if b else c }}");
        assert_eq!(raw("{{ f(a if b) }}"), "{{ f(a if b) }}");
        assert_eq!(raw("{{ 'if' }}"), "{{ 'if' }}");
    }

    #[test]
    fn backslashes_in_literals_are_kept() {
        assert_eq!(raw(r"{{ '\1' }}"), r"{{ '\\1' }}");
        assert_eq!(raw(r"{{ 'a\'b' }}"), r"{{ 'a\\\'b' }}");
        assert_eq!(raw(r"{{ '\\' }}"), r"{{ '\\\\' }}");
        assert_eq!(raw(r"x\n {{ 1 }}"), r"x\n {{ 1 }}");
    }

    #[test]
    fn raw_blocks_and_comments_are_data() {
        let s = r"{% raw %}{{ '\n' }}{% endraw %}{# '\n' #}";
        assert_eq!(raw(s), s);
    }
}
