//! Find where a mapping key sits in YAML text, to point error messages at it after the
//! values (which carry no positions) have been built.

use yaml_rust2::parser::{Event, Parser};

/// The 1-based line and column of the key at `path` (keys from the document root), or of
/// the deepest key of `path` that exists.
pub fn locate_key(text: &str, path: &[String]) -> Option<(usize, usize)> {
    let mut parser = Parser::new_from_str(text);
    // Stack of (is_mapping, expecting_key, current key) for open collections.
    let mut stack: Vec<(bool, bool, Option<String>)> = Vec::new();
    let mut best: Option<(usize, (usize, usize))> = None;
    loop {
        let (event, mark) = parser.next_token().ok()?;
        let is_key = matches!(stack.last(), Some((true, true, _)));
        match event {
            Event::StreamEnd => return best.map(|b| b.1),
            Event::Scalar(value, ..) => {
                if is_key {
                    let depth = stack.len();
                    // The keys of enclosing mappings must equal the path so far.
                    let prefix: Vec<&str> = stack[..depth - 1]
                        .iter()
                        .filter_map(|(_, _, k)| k.as_deref())
                        .collect();
                    let matches_prefix = prefix.len() == depth - 1
                        && prefix.iter().zip(path).all(|(a, b)| *a == b.as_str());
                    if matches_prefix && depth <= path.len() && path[depth - 1] == value {
                        let pos = (mark.line(), mark.col() + 1);
                        if best.is_none_or(|(d, _)| depth > d) {
                            best = Some((depth, pos));
                        }
                        if depth == path.len() {
                            return Some(pos);
                        }
                    }
                    if let Some(top) = stack.last_mut() {
                        top.1 = false;
                        top.2 = Some(value);
                    }
                } else {
                    flip(&mut stack);
                }
            }
            Event::MappingStart(..) => {
                if is_key {
                    // A complex key: it never matches a path of plain names.
                    if let Some(top) = stack.last_mut() {
                        top.2 = None;
                    }
                }
                stack.push((true, true, None));
            }
            Event::SequenceStart(..) => {
                if let Some(top) = stack.last_mut()
                    && top.0
                    && top.1
                {
                    top.2 = None;
                }
                stack.push((false, false, None));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                flip(&mut stack);
            }
            Event::Alias(_) => flip(&mut stack),
            _ => {}
        }
    }
}

/// After a value (or key) in a mapping, the next scalar is a key again (and vice versa).
fn flip(stack: &mut [(bool, bool, Option<String>)]) {
    if let Some(top) = stack.last_mut()
        && top.0
    {
        top.1 = !top.1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys() {
        let text =
            "all:\n  children:\n    web:\n      hosts: [a, b]\n    db:\n      vars: {x: 1}\n";
        let p = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            locate_key(text, &p(&["all", "children", "web", "hosts"])),
            Some((4, 7))
        );
        assert_eq!(
            locate_key(text, &p(&["all", "children", "db", "vars", "x"])),
            Some((6, 14))
        );
        assert_eq!(
            locate_key(text, &p(&["all", "children", "nope"])),
            Some((2, 3))
        );
    }
}
