//! Python's `shlex.split(line, comments=True)` (POSIX mode), which Ansible uses to split
//! INI host lines. Quirks kept on purpose: `#` starts a comment even inside a word.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShlexError(pub &'static str);

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Whitespace,
    Word,
    Quote(char),
    Escape(EscapedFrom),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EscapedFrom {
    Word,
    DoubleQuote,
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

pub fn shlex_split(line: &str) -> Result<Vec<String>, ShlexError> {
    split(line, true)
}

/// `shlex.split(line)`: as above, but `#` is an ordinary character (the `command` module).
pub fn shlex_split_no_comments(line: &str) -> Result<Vec<String>, ShlexError> {
    split(line, false)
}

fn split(line: &str, comments: bool) -> Result<Vec<String>, ShlexError> {
    let mut tokens = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut state = State::Whitespace;
        let mut token = String::new();
        let mut quoted = false;
        let mut done = false;
        loop {
            let next = chars.next();
            match state {
                State::Whitespace => match next {
                    None => {
                        done = true;
                        break;
                    }
                    Some(c) if is_ws(c) => {
                        if !token.is_empty() || quoted {
                            break;
                        }
                    }
                    Some('#') if comments => {
                        for c in chars.by_ref() {
                            if c == '\n' {
                                break;
                            }
                        }
                    }
                    Some('\\') => state = State::Escape(EscapedFrom::Word),
                    Some(q @ ('\'' | '"')) => state = State::Quote(q),
                    Some(c) => {
                        token.push(c);
                        state = State::Word;
                    }
                },
                State::Quote(q) => {
                    quoted = true;
                    match next {
                        None => return Err(ShlexError("No closing quotation")),
                        Some(c) if c == q => state = State::Word,
                        Some('\\') if q == '"' => state = State::Escape(EscapedFrom::DoubleQuote),
                        Some(c) => token.push(c),
                    }
                }
                State::Escape(from) => {
                    let Some(c) = next else {
                        return Err(ShlexError("No escaped character"));
                    };
                    // Inside double quotes a backslash only escapes `"` and `\`.
                    if from == EscapedFrom::DoubleQuote && c != '\\' && c != '"' {
                        token.push('\\');
                    }
                    token.push(c);
                    state = match from {
                        EscapedFrom::Word => State::Word,
                        EscapedFrom::DoubleQuote => State::Quote('"'),
                    };
                }
                State::Word => match next {
                    None => {
                        done = true;
                        break;
                    }
                    Some(c) if is_ws(c) => {
                        if !token.is_empty() || quoted {
                            break;
                        }
                        state = State::Whitespace;
                    }
                    Some('#') if comments => {
                        for c in chars.by_ref() {
                            if c == '\n' {
                                break;
                            }
                        }
                        state = State::Whitespace;
                        if !token.is_empty() || quoted {
                            break;
                        }
                    }
                    Some(q @ ('\'' | '"')) => state = State::Quote(q),
                    Some('\\') => state = State::Escape(EscapedFrom::Word),
                    Some(c) => token.push(c),
                },
            }
        }
        if !token.is_empty() || quoted {
            tokens.push(token);
        }
        if done {
            return Ok(tokens);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_python() {
        assert_eq!(
            shlex_split("h a=1 b='x y' c=\"q\\\"r\"").unwrap(),
            vec!["h", "a=1", "b=x y", "c=q\"r"]
        );
        assert_eq!(shlex_split("h a=b#c d=e").unwrap(), vec!["h", "a=b"]);
        assert_eq!(shlex_split("h e=''").unwrap(), vec!["h", "e="]);
        assert_eq!(shlex_split("h x=\"a\\nb\"").unwrap(), vec!["h", "x=a\\nb"]);
        assert!(shlex_split("h x='open").is_err());
    }
}
