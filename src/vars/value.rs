//! The value of an Ansible variable, typed the way Python (and so Ansible) sees it.

use indexmap::IndexMap;

use super::timestamp::Timestamp;

/// An ordered mapping: Python dicts keep insertion order, and so does Ansible output
/// that is not sorted.
pub type Map = IndexMap<Key, Value>;

/// A variable value.
///
/// Strings come in two kinds because Ansible tracks whether a string may be rendered as a
/// template: `!unsafe` strings must stay raw forever, and ansible-inventory prints them
/// wrapped as `{"__ansible_unsafe": ...}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer outside i64, kept as its decimal digits (Python ints are unbounded).
    BigInt(String),
    Float(f64),
    Str(String),
    Unsafe(String),
    Timestamp(Timestamp),
    List(Vec<Value>),
    Map(Map),
}

/// A mapping key. YAML allows non-string keys (`1: a`, `yes: b`); Python keeps their type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Null,
    Bool(bool),
    Int(i64),
    /// A float key, stored as its Python repr so that it can be hashed.
    Float(String),
    Str(String),
}

impl Key {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Key::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Self {
        Key::Str(s.to_string())
    }
}

impl From<String> for Key {
    fn from(s: String) -> Self {
        Key::Str(s)
    }
}

impl Value {
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self, Value::Map(_))
    }

    /// The text of a string value, trusted or not.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Unsafe(s) => Some(s),
            _ => None,
        }
    }

    /// Python's name for the type, as Ansible prints it in messages.
    pub fn python_type_name(&self) -> &'static str {
        match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) | Value::Unsafe(_) => "str",
            Value::Timestamp(t) if t.time.is_none() => "date",
            Value::Timestamp(_) => "datetime",
            Value::List(_) => "list",
            Value::Map(_) => "dict",
        }
    }

    /// Python truthiness, used where Ansible writes `if not data`.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(_) | Value::Timestamp(_) => true,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) | Value::Unsafe(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
        }
    }

    /// Turn a key back into a value (for `!unsafe` re-resolution and output).
    pub fn from_key(key: &Key) -> Value {
        match key {
            Key::Null => Value::Null,
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Float(f) => Value::Float(f.parse().unwrap_or(f64::NAN)),
            Key::Str(s) => Value::Str(s.clone()),
        }
    }
}
