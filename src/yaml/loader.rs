//! Build `Value`s from YAML text the way Ansible's `AnsibleLoader` does: one document,
//! YAML 1.1 implicit types, merge keys, `!unsafe`, and `!vault` (refused for now).

use std::collections::HashMap;
use std::str::Chars;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::error::YamlError;
use super::resolver::{
    ImplicitTag, construct_bool, construct_float, construct_int, construct_null, construct_plain,
    construct_timestamp, resolve,
};
use crate::vars::{Key, Map, Value};

const CORE: &str = "tag:yaml.org,2002:";

/// What a YAML file held: its single document (or none) and any warnings Ansible would print.
#[derive(Debug, Default)]
pub struct Loaded {
    pub value: Option<Value>,
    pub warnings: Vec<String>,
}

/// Parse YAML text into one value. An empty stream (or one with only comments) gives `None`.
pub fn load_yaml(text: &str) -> Result<Loaded, YamlError> {
    let mut builder = Builder {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        unsafe_depth: 0,
        key_path: Vec::new(),
        warnings: Vec::new(),
    };
    let value = builder.stream()?;
    Ok(Loaded {
        value,
        warnings: builder.warnings,
    })
}

struct Builder<'a> {
    parser: Parser<Chars<'a>>,
    anchors: HashMap<usize, Value>,
    unsafe_depth: usize,
    key_path: Vec<String>,
    warnings: Vec<String>,
}

fn at(mark: &Marker, message: impl Into<String>) -> YamlError {
    YamlError {
        line: mark.line(),
        column: mark.col() + 1,
        message: message.into(),
    }
}

impl Builder<'_> {
    fn next(&mut self) -> Result<(Event, Marker), YamlError> {
        self.parser.next_token().map_err(|e| YamlError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })
    }

    fn stream(&mut self) -> Result<Option<Value>, YamlError> {
        let mut value = None;
        let mut documents = 0;
        loop {
            let (event, mark) = self.next()?;
            match event {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => return Ok(value),
                Event::DocumentStart => {
                    documents += 1;
                    if documents > 1 {
                        return Err(at(
                            &mark,
                            "expected a single document in the stream, but found another document",
                        ));
                    }
                    let (event, mark) = self.next()?;
                    value = Some(self.node(event, mark)?);
                }
                other => {
                    return Err(at(&mark, format!("unexpected YAML event {other:?}")));
                }
            }
        }
    }

    fn trusted(&self) -> bool {
        self.unsafe_depth == 0
    }

    fn string(&self, text: String) -> Value {
        if self.trusted() {
            Value::Str(text)
        } else {
            Value::Unsafe(text)
        }
    }

    fn node(&mut self, event: Event, mark: Marker) -> Result<Value, YamlError> {
        match event {
            Event::Alias(id) => self
                .anchors
                .get(&id)
                .cloned()
                .ok_or_else(|| at(&mark, "found undefined alias")),
            Event::Scalar(text, style, anchor, tag) => {
                let value = self.scalar(text, style, tag.as_ref(), &mark)?;
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                Ok(value)
            }
            Event::SequenceStart(anchor, tag) => {
                let unsafe_node = self.enter_tag(tag.as_ref(), &mark, false)?;
                let items = self.sequence();
                if unsafe_node {
                    self.unsafe_depth -= 1;
                }
                let items = items?;
                let value = match tag.as_ref().map(|t| (t.handle.as_str(), t.suffix.as_str())) {
                    Some((CORE, "omap" | "pairs")) => Value::List(
                        items
                            .into_iter()
                            .map(|item| match item {
                                Value::Map(m) => Ok(Value::List(
                                    m.into_iter()
                                        .flat_map(|(k, v)| [Value::from_key(&k), v])
                                        .collect(),
                                )),
                                _ => Err(at(&mark, "expected a mapping of length 1 in an !!omap")),
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    _ => Value::List(items),
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                Ok(value)
            }
            Event::MappingStart(anchor, tag) => {
                let unsafe_node = self.enter_tag(tag.as_ref(), &mark, true)?;
                let map = self.mapping();
                if unsafe_node {
                    self.unsafe_depth -= 1;
                }
                let map = map?;
                let value = match tag.as_ref().map(|t| (t.handle.as_str(), t.suffix.as_str())) {
                    // A set is a mapping of keys to nulls; Python hands back its members.
                    Some((CORE, "set")) => Value::List(map.keys().map(Value::from_key).collect()),
                    _ => Value::Map(map),
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                Ok(value)
            }
            other => Err(at(&mark, format!("unexpected YAML event {other:?}"))),
        }
    }

    /// Validate a collection's tag; returns whether it opened an `!unsafe` scope.
    fn enter_tag(
        &mut self,
        tag: Option<&Tag>,
        mark: &Marker,
        mapping: bool,
    ) -> Result<bool, YamlError> {
        let Some(tag) = tag else { return Ok(false) };
        match (tag.handle.as_str(), tag.suffix.as_str()) {
            ("!", "unsafe") => {
                self.unsafe_depth += 1;
                Ok(true)
            }
            ("!", "vault" | "vault-encrypted") => Err(self.vault_error(mark)),
            ("!", "") => Ok(false),
            (CORE, "map" | "python/dict" | "set") if mapping => Ok(false),
            (CORE, "seq" | "omap" | "pairs") if !mapping => Ok(false),
            _ => Err(at(
                mark,
                format!(
                    "could not determine a constructor for the tag '{}{}'",
                    tag.handle, tag.suffix
                ),
            )),
        }
    }

    fn vault_error(&self, mark: &Marker) -> YamlError {
        let name = self
            .key_path
            .last()
            .map(String::as_str)
            .unwrap_or("(top level)");
        at(
            mark,
            format!(
                "variable '{name}' is vault-encrypted (!vault); roller cannot decrypt Ansible Vault yet: \
                 keep this value out of the inventory or provide it unencrypted"
            ),
        )
    }

    fn scalar(
        &mut self,
        text: String,
        style: TScalarStyle,
        tag: Option<&Tag>,
        mark: &Marker,
    ) -> Result<Value, YamlError> {
        let built = match tag.map(|t| (t.handle.as_str(), t.suffix.as_str())) {
            None if style == TScalarStyle::Plain => construct_plain(&text).map(|v| self.retrust(v)),
            None | Some(("!", "")) => Ok(self.string(text)),
            // `!unsafe` re-resolves the scalar as if it were plain, even when quoted.
            Some(("!", "unsafe")) => {
                self.unsafe_depth += 1;
                let v = construct_plain(&text).map(|v| self.retrust(v));
                self.unsafe_depth -= 1;
                v
            }
            Some(("!", "vault" | "vault-encrypted")) => return Err(self.vault_error(mark)),
            Some((CORE, "str" | "python/unicode")) => Ok(self.string(text)),
            Some((CORE, "int")) => construct_int(&text),
            Some((CORE, "float")) => construct_float(&text),
            Some((CORE, "bool")) => construct_bool(&text),
            Some((CORE, "null")) => construct_null(&text),
            Some((CORE, "timestamp")) => construct_timestamp(&text),
            Some((CORE, "binary")) => {
                Err("!!binary values are not supported by Ansible's inventory output".to_string())
            }
            Some((handle, suffix)) => Err(format!(
                "could not determine a constructor for the tag '{handle}{suffix}'"
            )),
        };
        built.map_err(|message| at(mark, message))
    }

    /// Plain scalars are built trusted; inside `!unsafe` their strings become unsafe.
    fn retrust(&self, value: Value) -> Value {
        match value {
            Value::Str(s) if !self.trusted() => Value::Unsafe(s),
            other => other,
        }
    }

    fn sequence(&mut self) -> Result<Vec<Value>, YamlError> {
        let mut items = Vec::new();
        loop {
            let (event, mark) = self.next()?;
            if matches!(event, Event::SequenceEnd) {
                return Ok(items);
            }
            items.push(self.node(event, mark)?);
        }
    }

    fn mapping(&mut self) -> Result<Map, YamlError> {
        // PyYAML puts merged keys first, then the mapping's own keys, so own keys win.
        let mut merged: Vec<Map> = Vec::new();
        let mut own: Vec<(Key, Value, Marker)> = Vec::new();
        loop {
            let (event, key_mark) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                break;
            }
            let is_merge = matches!(&event, Event::Scalar(t, TScalarStyle::Plain, _, None)
                if resolve(t) == ImplicitTag::Merge);
            let key_value = self.node(event, key_mark)?;
            let (event, mark) = self.next()?;
            if is_merge {
                let source = self.node(event, mark)?;
                match source {
                    Value::Map(m) => merged.push(m),
                    Value::List(items) => {
                        let mut maps = Vec::new();
                        for item in items {
                            match item {
                                Value::Map(m) => maps.push(m),
                                _ => {
                                    return Err(at(
                                        &mark,
                                        "while constructing a mapping: expected a mapping for merging",
                                    ));
                                }
                            }
                        }
                        // Earlier entries of a merge list take precedence.
                        merged.extend(maps.into_iter().rev());
                    }
                    _ => {
                        return Err(at(
                            &mark,
                            "while constructing a mapping: expected a mapping or list of mappings for merging",
                        ));
                    }
                }
                continue;
            }
            let key = value_to_key(key_value).ok_or_else(|| {
                at(
                    &key_mark,
                    "while constructing a mapping: found unhashable key",
                )
            })?;
            self.key_path.push(match &key {
                Key::Str(s) => s.clone(),
                other => format!("{other:?}"),
            });
            let value = self.node(event, mark);
            self.key_path.pop();
            own.push((key, value?, key_mark));
        }
        let mut out = Map::new();
        for m in merged {
            for (k, v) in m {
                out.insert(k, v);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (k, v, mark) in own {
            if !seen.insert(k.clone()) {
                self.warnings.push(format!(
                    "line {}, column {}: Found duplicate mapping key {}. Using last defined value only.",
                    mark.line(),
                    mark.col() + 1,
                    crate::output::python_repr::repr_key(&k)
                ));
            }
            out.insert(k, v);
        }
        Ok(out)
    }
}

/// Python dict keys must be hashable: scalars only.
fn value_to_key(value: Value) -> Option<Key> {
    Some(match value {
        Value::Null => Key::Null,
        Value::Bool(b) => Key::Bool(b),
        Value::Int(i) => Key::Int(i),
        Value::BigInt(s) => Key::Str(s),
        Value::Float(f) => Key::Float(crate::output::float_repr::python_float_repr(f)),
        Value::Str(s) | Value::Unsafe(s) => Key::Str(s),
        Value::Timestamp(t) => Key::Str(t.isoformat()),
        Value::List(_) | Value::Map(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Value {
        load_yaml(text).unwrap().value.unwrap()
    }

    fn get<'a>(v: &'a Value, key: &str) -> &'a Value {
        &v.as_map().unwrap()[&Key::from(key)]
    }

    #[test]
    fn quoted_strings_stay_strings() {
        let v = load("a: yes\nb: 'yes'\nc: \"0644\"\nd: 0644\n");
        assert_eq!(get(&v, "a"), &Value::Bool(true));
        assert_eq!(get(&v, "b"), &Value::Str("yes".into()));
        assert_eq!(get(&v, "c"), &Value::Str("0644".into()));
        assert_eq!(get(&v, "d"), &Value::Int(420));
    }

    #[test]
    fn unsafe_reresolves_and_marks_strings() {
        let v = load("a: !unsafe '{{ x }}'\nb: !unsafe \"123\"\nc: !unsafe {k: v}\n");
        assert_eq!(get(&v, "a"), &Value::Unsafe("{{ x }}".into()));
        assert_eq!(get(&v, "b"), &Value::Int(123));
        assert_eq!(get(get(&v, "c"), "k"), &Value::Unsafe("v".into()));
    }

    #[test]
    fn merge_keys_lose_to_own_keys() {
        let v = load("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        let m = get(&v, "m");
        assert_eq!(get(m, "x"), &Value::Int(1));
        assert_eq!(get(m, "y"), &Value::Int(3));
    }

    #[test]
    fn vault_is_refused_with_the_variable_name() {
        let err =
            load_yaml("a: 1\nsecret: !vault \"$ANSIBLE_VAULT;1.1;AES256 3031\"\n").unwrap_err();
        assert!(err.message.contains("'secret'"), "{}", err.message);
        assert_eq!(err.line, 2);
    }

    #[test]
    fn empty_and_comment_only_documents_are_none() {
        assert!(load_yaml("").unwrap().value.is_none());
        assert!(load_yaml("# just a comment\n").unwrap().value.is_none());
    }

    #[test]
    fn two_documents_are_an_error() {
        assert!(load_yaml("a: 1\n---\nb: 2\n").is_err());
    }
}
