//! `to_yaml`/`to_nice_yaml`: PyYAML's `dump` output for the values templates produce.
//!
//! Mirrors the parts of PyYAML's emitter that show: sorted keys, flow style for
//! collections of scalars (`to_yaml`), indentless sequences under mapping keys, the
//! plain/single/double scalar choice, and line folding at 80 columns (a long plain or
//! single-quoted scalar breaks at a space once past the width; a flow collection starts
//! a new line before an item once past it).

use crate::output::float_repr::python_float_repr;
use crate::vars::{Key, Map, Value};
use crate::yaml::resolver::{ImplicitTag, resolve};

/// PyYAML's default `width`.
const BEST_WIDTH: usize = 80;

/// `to_yaml` (default_flow_style=None, indent 2) or `to_nice_yaml` (block style, indent 4).
#[derive(Debug, Clone, Copy)]
pub(crate) struct YamlStyle {
    pub indent: usize,
    pub block_always: bool,
}

pub(crate) fn yaml_dump(value: &Value, style: YamlStyle) -> String {
    let mut w = Writer {
        out: String::new(),
        style,
    };
    if is_collection(value) && !w.uses_flow(value) {
        w.block(value, 0);
        w.out.push('\n');
    } else {
        // A top-level flow collection or scalar: PyYAML's indent starts at one step.
        w.flow_node(value, style.indent, false);
        w.out.push('\n');
    }
    w.out
}

fn is_collection(v: &Value) -> bool {
    matches!(v, Value::List(_) | Value::Map(_))
}

fn is_empty_collection(v: &Value) -> bool {
    match v {
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

fn sorted(map: &Map) -> Vec<(&Key, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

struct Writer {
    out: String,
    style: YamlStyle,
}

impl Writer {
    fn column(&self) -> usize {
        let line_start = self.out.rfind('\n').map(|i| i + 1).unwrap_or(0);
        self.out[line_start..].chars().count()
    }

    fn newline_indent(&mut self, indent: usize) {
        self.out.push('\n');
        self.out.push_str(&" ".repeat(indent));
    }

    /// With default_flow_style=None PyYAML writes a collection in flow style when it
    /// holds no collections; empty collections are always `[]` / `{}`.
    fn uses_flow(&self, v: &Value) -> bool {
        if is_empty_collection(v) {
            return true;
        }
        if self.style.block_always {
            return false;
        }
        match v {
            Value::List(l) => !l.iter().any(is_collection),
            Value::Map(m) => !m.values().any(is_collection),
            _ => true,
        }
    }

    /// A block collection whose entries start at column `level` (the line is fresh).
    fn block(&mut self, value: &Value, level: usize) {
        let pad = " ".repeat(level);
        match value {
            Value::Map(map) => {
                for (i, (k, v)) in sorted(map).into_iter().enumerate() {
                    if i > 0 {
                        self.out.push('\n');
                        self.out.push_str(&pad);
                    }
                    self.key(k, false);
                    self.out.push(':');
                    self.block_child(v, level, true);
                }
            }
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push('\n');
                        self.out.push_str(&pad);
                    }
                    self.out.push('-');
                    if is_collection(item) && !self.uses_flow(item) {
                        // PyYAML writes the nested block on the dash's line, at the next
                        // indentation step.
                        let gap = self.style.indent.saturating_sub(1).max(1);
                        self.out.push_str(&" ".repeat(gap));
                        self.block(item, level + gap + 1);
                    } else {
                        self.out.push(' ');
                        self.flow_node(item, level + self.style.indent, false);
                    }
                }
            }
            other => self.flow_node(other, level + self.style.indent, false),
        }
    }

    fn block_child(&mut self, v: &Value, level: usize, in_map: bool) {
        if is_collection(v) && !self.uses_flow(v) {
            // PyYAML does not indent a sequence that is a mapping value.
            let child = match v {
                Value::List(_) if in_map => level,
                _ => level + self.style.indent,
            };
            self.newline_indent(child);
            self.block(v, child);
        } else {
            self.out.push(' ');
            self.flow_node(v, level + self.style.indent, false);
        }
    }

    /// A scalar or flow collection; `indent` is where continuation lines start.
    fn flow_node(&mut self, v: &Value, indent: usize, in_flow: bool) {
        match v {
            Value::List(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    if self.column() > BEST_WIDTH {
                        self.newline_indent(indent);
                    } else if i > 0 {
                        self.out.push(' ');
                    }
                    self.flow_node(item, indent + self.style.indent, true);
                }
                self.out.push(']');
            }
            Value::Map(map) => {
                self.out.push('{');
                for (i, (k, item)) in sorted(map).into_iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    if self.column() > BEST_WIDTH {
                        self.newline_indent(indent);
                    } else if i > 0 {
                        self.out.push(' ');
                    }
                    self.key(k, true);
                    self.out.push_str(": ");
                    self.flow_node(item, indent + self.style.indent, true);
                }
                self.out.push('}');
            }
            Value::Str(s) | Value::Unsafe(s) => self.string(s, indent, in_flow, true),
            other => {
                let text = scalar_text(other);
                self.out.push_str(&text);
            }
        }
    }

    /// Keys are simple keys: never folded.
    fn key(&mut self, k: &Key, in_flow: bool) {
        match k {
            Key::Str(s) => self.string(s, 0, in_flow, false),
            other => {
                let text = scalar_text(&Value::from_key(other));
                self.out.push_str(&text);
            }
        }
    }

    fn string(&mut self, s: &str, indent: usize, in_flow: bool, split: bool) {
        let printable = s.chars().all(|c| c == ' ' || !c.is_control());
        if !printable || s.contains('\n') {
            self.out.push_str(&double_quoted(s));
        } else if plain_allowed(s, in_flow) {
            self.folded(s, indent, split, false);
        } else {
            self.out.push('\'');
            self.folded(&s.replace('\'', "''"), indent, split, true);
            self.out.push('\'');
        }
    }

    /// Write text, turning a single space into a line break once past the width.
    fn folded(&mut self, text: &str, indent: usize, split: bool, quoted: bool) {
        let chars: Vec<char> = text.chars().collect();
        let mut column = self.column();
        for (i, &c) in chars.iter().enumerate() {
            let single_space =
                c == ' ' && chars.get(i + 1) != Some(&' ') && (i == 0 || chars[i - 1] != ' ');
            let inner = !quoted || (i != 0 && i + 1 != chars.len());
            if single_space && split && inner && column > BEST_WIDTH {
                self.newline_indent(indent);
                column = indent;
            } else {
                self.out.push(c);
                column += 1;
            }
        }
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Int(i) => i.to_string(),
        Value::BigInt(s) => s.clone(),
        Value::Float(f) if f.is_nan() => ".nan".into(),
        Value::Float(f) if f.is_infinite() => if *f > 0.0 { ".inf" } else { "-.inf" }.into(),
        Value::Float(f) => {
            let r = python_float_repr(*f);
            if !r.contains('.') && r.contains('e') {
                r.replacen('e', ".0e", 1)
            } else {
                r
            }
        }
        Value::Str(s) | Value::Unsafe(s) => s.clone(),
        Value::Timestamp(t) => t.isoformat(),
        Value::List(_) => "[]".into(),
        Value::Map(_) => "{}".into(),
    }
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether PyYAML writes the string plain: it must read back as the same string and
/// hold no indicator that would end or change it.
fn plain_allowed(s: &str, in_flow: bool) -> bool {
    if s.is_empty() || resolve(s) != ImplicitTag::Str {
        return false;
    }
    if s.starts_with(' ') || s.ends_with(' ') {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return false;
    }
    if "-?:".contains(first) {
        // An indicator followed by a space (or alone) starts a structure.
        let second = s.chars().nth(1);
        if second.is_none_or(|c| c == ' ') {
            return false;
        }
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    // Inside flow collections these would end the scalar (PyYAML counts any `:`).
    !(in_flow && s.contains([',', '?', ':', '[', ']', '{', '}']))
}
