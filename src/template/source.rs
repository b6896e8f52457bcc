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
    if !source.contains('\\') && !source.contains(" if ") && !source.contains('%') {
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

/// Copy one tag (from its opening to `close`), rewriting its code; returns the number of
/// bytes consumed.
fn copy_code(tag: &str, close: &str, out: &mut String) -> usize {
    let open = tag.get(..2).unwrap_or(tag);
    let mut i = open.len();
    let end = loop {
        if i >= tag.len() {
            break None;
        }
        if tag[i..].starts_with(close) {
            break Some(i);
        }
        let c = tag[i..].chars().next().unwrap_or(' ');
        i = if c == '\'' || c == '"' {
            literal_end(tag, i)
        } else {
            i + c.len_utf8()
        };
    };
    out.push_str(open);
    match end {
        Some(at) => {
            let code = &tag[open.len()..at];
            let code = if close == "%}" {
                reject_do(&mutable_set(code))
            } else {
                code.to_string()
            };
            out.push_str(&rewrite_code(&code));
            out.push_str(close);
            at + close.len()
        }
        None => {
            out.push_str(&rewrite_code(&tag[open.len()..]));
            tag.len()
        }
    }
}

/// What a `{% do %}` tag becomes: a statement minijinja does not know, so compiling fails
/// as it does in Ansible (which does not enable Jinja's `do` extension).
pub(crate) const DO_TAG_MARKER: &str = "__roller_unknown_tag_do";

fn reject_do(code: &str) -> String {
    let trimmed = code.trim_start_matches(['-', '+']).trim_start();
    if trimmed == "do" || trimmed.starts_with("do ") || trimmed.starts_with("do(") {
        return format!(" {DO_TAG_MARKER} ");
    }
    code.to_string()
}

/// `set name = [..]` / `set name = {..}` makes a mutable list / dict (see mutable.rs).
fn mutable_set(code: &str) -> String {
    let trimmed = code.trim_start_matches(['-', '+']).trim_start();
    let Some(rest) = trimmed.strip_prefix("set ") else {
        return code.to_string();
    };
    let Some((name, value)) = rest.split_once('=') else {
        return code.to_string();
    };
    let name = name.trim();
    let value_trimmed = value.trim();
    let is_name = !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if !is_name || !(value_trimmed.starts_with('[') || value_trimmed.starts_with('{')) {
        return code.to_string();
    }
    let value_body = value_trimmed.trim_end_matches(['-', '+']).trim_end();
    let strip = value_trimmed[value_body.len()..].trim_start();
    let prefix = &code[..code.len() - trimmed.len()];
    format!(
        "{prefix}set {name} = {}({value_body}) {strip}",
        crate::template::mutable::MUTABLE_FN
    )
}

/// The index just past the string literal starting at `start` (or the end of `code`).
fn literal_end(code: &str, start: usize) -> usize {
    let quote = code[start..].chars().next().unwrap_or('\'');
    let mut escaped = false;
    for (offset, c) in code[start + 1..].char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return start + 1 + offset + 1;
        }
    }
    code.len()
}

/// A literal with every backslash doubled (and an escaped quote kept escaped), so that
/// minijinja's unescaping gives back the text as written.
fn rewrite_literal(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len() + 4);
    let mut chars = literal.chars();
    let quote = chars.next().unwrap_or('\'');
    out.push(quote);
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push_str("\\\\");
            match chars.next() {
                Some(q) if q == quote => {
                    out.push('\\');
                    out.push(q);
                }
                Some('\\') => out.push_str("\\\\"),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Rewrite expression code: string literals keep their backslashes, and Python's
/// `'format' % args` (a string literal on the left; minijinja has no `%` on strings)
/// becomes `('format' | format(args))`.
fn rewrite_code(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 8);
    let mut i = 0;
    while i < code.len() {
        let c = code[i..].chars().next().unwrap_or(' ');
        if c != '\'' && c != '"' {
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let end = literal_end(code, i);
        let literal = rewrite_literal(&code[i..end]);
        if let Some((rhs_end, args)) = percent_operand(code, end) {
            out.push_str(&format!("({literal} | format({}))", rewrite_code(args)));
            i = rhs_end;
        } else {
            out.push_str(&literal);
            i = end;
        }
    }
    out
}

/// After a string literal ending at `from`: `% operand`, returned as the end of the
/// operand and the text to pass to `format(...)` (a tuple's items, or the operand).
fn percent_operand(code: &str, from: usize) -> Option<(usize, &str)> {
    let after = &code[from..];
    let op = from + (after.len() - after.trim_start().len());
    if !code[op..].starts_with('%') || code[op + 1..].starts_with('}') {
        return None;
    }
    let rest = &code[op + 1..];
    let start = op + 1 + (rest.len() - rest.trim_start().len());
    let first = code[start..].chars().next()?;
    if first == '(' {
        let close = matching_close(code, start)?;
        let inner = code[start + 1..close].trim();
        let inner = inner.strip_suffix(',').unwrap_or(inner);
        return Some((close + 1, inner));
    }
    let mut i = start;
    if first == '\'' || first == '"' {
        i = literal_end(code, start);
    } else if first.is_ascii_digit() || first == '-' {
        i += first.len_utf8();
        while i < code.len() && (code.as_bytes()[i].is_ascii_digit() || code.as_bytes()[i] == b'.')
        {
            i += 1;
        }
    } else if first.is_alphabetic() || first == '_' {
        // A name with attribute, index and call suffixes.
        loop {
            while i < code.len()
                && (code.as_bytes()[i].is_ascii_alphanumeric() || code.as_bytes()[i] == b'_')
            {
                i += 1;
            }
            match code.as_bytes().get(i) {
                Some(b'.') => i += 1,
                Some(b'[' | b'(') => i = matching_close(code, i)? + 1,
                _ => break,
            }
        }
    } else {
        return None;
    }
    Some((i, &code[start..i]))
}

/// The index of the bracket closing the one at `open`, skipping string literals.
fn matching_close(code: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < code.len() {
        let c = code[i..].chars().next()?;
        match c {
            '\'' | '"' => {
                i = literal_end(code, i);
                continue;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += c.len_utf8();
    }
    None
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
    fn percent_formatting_becomes_the_format_filter() {
        assert_eq!(
            raw("{{ '%s-%d' % (a, 1) }}"),
            "{{ ('%s-%d' | format(a, 1)) }}"
        );
        assert_eq!(raw("{{ '%s' % x.y[0] }}"), "{{ ('%s' | format(x.y[0])) }}");
        assert_eq!(raw("{{ '%d' % 5 }}"), "{{ ('%d' | format(5)) }}");
        assert_eq!(raw("{% set a = 'x' %}"), "{% set a = 'x' %}");
        assert_eq!(raw("{{ a % 2 }}"), "{{ a % 2 }}");
    }

    #[test]
    fn set_of_a_literal_is_mutable() {
        assert_eq!(
            raw("{% set x = [] %}"),
            "{% set x = __roller_mutable([]) %}"
        );
        assert_eq!(
            raw("{%- set d = {'a': 1} -%}"),
            "{%- set d = __roller_mutable({'a': 1}) -%}"
        );
        assert_eq!(raw("{% set x = y %}"), "{% set x = y %}");
        assert_eq!(raw("{% set ns.x = [] %}"), "{% set ns.x = [] %}");
    }

    #[test]
    fn raw_blocks_and_comments_are_data() {
        let s = r"{% raw %}{{ '\n' }}{% endraw %}{# '\n' #}";
        assert_eq!(raw(s), s);
    }
}
