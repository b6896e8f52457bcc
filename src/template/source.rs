//! Template source as ansible-core 2.19 reads it.
//!
//! Ansible's Jinja keeps backslashes in string literals as they are: `'\n'` is a
//! backslash and an `n`, `'\1'` stays `\1` (so regex replacements work), and `\'` is a
//! backslash followed by a quote that does not end the literal. minijinja unescapes
//! literals like Python, so before compiling, every backslash inside a literal is doubled
//! (and an escaped quote kept escaped), which makes minijinja produce the raw text.

/// Rewrite string literals inside `{{ }}` / `{% %}` so that minijinja keeps backslashes.
pub(crate) fn raw_string_literals(source: &str) -> String {
    if !source.contains('\\') {
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
        let consumed = copy_code(rest, close, &mut out);
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

#[cfg(test)]
mod tests {
    use super::raw_string_literals as raw;

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
