//! Positions of collections (mappings and sequences) in YAML text, by their path from the
//! root, so that loaded values (which carry no positions) can be traced back to a line.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};

/// One step of a path: a sequence index or a (string) mapping key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    Index(usize),
    Key(String),
}

/// 1-based (line, column) of every collection and scalar value, keyed by path.
#[derive(Debug, Default)]
pub struct Positions(HashMap<Vec<Seg>, (usize, usize)>);

impl Positions {
    pub fn get(&self, path: &[Seg]) -> Option<(usize, usize)> {
        self.0.get(path).copied()
    }

    /// The position of `path`, or of its nearest ancestor that is known.
    pub fn nearest(&self, path: &[Seg]) -> Option<(usize, usize)> {
        (0..=path.len()).rev().find_map(|n| self.get(&path[..n]))
    }
}

enum Frame {
    Seq {
        next: usize,
    },
    Map {
        key: Option<String>,
        expecting_key: bool,
        first: bool,
    },
}

/// Walk the text once; on a syntax error, return what was found before it.
pub fn index_positions(text: &str) -> Positions {
    let mut out = HashMap::new();
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut path: Vec<Seg> = Vec::new();
    while let Ok((event, mark)) = parser.next_token() {
        let pos = (mark.line(), mark.col() + 1);
        // Is this event a mapping key?
        let is_key = matches!(
            stack.last(),
            Some(Frame::Map {
                expecting_key: true,
                ..
            })
        );
        match event {
            Event::StreamEnd => break,
            Event::Scalar(value, ..) if is_key => {
                if let Some(Frame::Map {
                    key,
                    expecting_key,
                    first,
                }) = stack.last_mut()
                {
                    // A block mapping's start event points past its first key; the key
                    // itself is where a reader looks.
                    if std::mem::take(first) {
                        out.insert(path.clone(), pos);
                    }
                    *key = Some(value);
                    *expecting_key = false;
                }
            }
            Event::Scalar(..) | Event::Alias(_) => {
                if let Some(seg) = value_seg(&mut stack) {
                    path.push(seg);
                    out.insert(path.clone(), pos);
                    path.pop();
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if is_key {
                    if let Some(Frame::Map {
                        key,
                        expecting_key,
                        first,
                    }) = stack.last_mut()
                    {
                        *key = None;
                        *expecting_key = false;
                        *first = false;
                    }
                    // Complex keys are never addressed; track them so nesting stays right.
                    path.push(Seg::Key(String::new()));
                } else if let Some(seg) = value_seg(&mut stack) {
                    path.push(seg);
                    out.insert(path.clone(), pos);
                } else if stack.is_empty() {
                    out.insert(Vec::new(), pos);
                }
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Map {
                        key: None,
                        expecting_key: true,
                        first: true,
                    }
                } else {
                    Frame::Seq { next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                if !stack.is_empty() {
                    path.pop();
                }
            }
            _ => {}
        }
    }
    Positions(out)
}

/// The path segment of a value about to start in the innermost collection.
fn value_seg(stack: &mut [Frame]) -> Option<Seg> {
    match stack.last_mut()? {
        Frame::Seq { next } => {
            *next += 1;
            Some(Seg::Index(*next - 1))
        }
        Frame::Map {
            key, expecting_key, ..
        } => {
            *expecting_key = true;
            Some(Seg::Key(key.take().unwrap_or_default()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_are_located_by_index() {
        let text = "- hosts: all\n  tasks:\n    - debug: msg=a\n    - name: b\n      command: ls\n";
        let p = index_positions(text);
        let task = |i| vec![Seg::Index(0), Seg::Key("tasks".into()), Seg::Index(i)];
        assert_eq!(p.get(&task(0)), Some((3, 7)));
        assert_eq!(p.get(&task(1)), Some((4, 7)));
        let mut cmd = task(1);
        cmd.push(Seg::Key("command".into()));
        assert_eq!(p.get(&cmd), Some((5, 16)));
    }
}
