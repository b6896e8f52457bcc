//! Python's `ast.literal_eval`, as the INI inventory uses it to type `key=value` values:
//! `1` is an int, `[1, 2]` a list, `'x'` a string, `True` a bool, and anything that is
//! not a Python literal (`yes`, `0644`, `a b`) stays the raw string.

use crate::vars::{Key, Map, Value};

/// What `literal_eval` made of a value.
#[derive(Debug, PartialEq)]
pub enum Literal {
    Value(Value),
    /// Not a literal (Python raised ValueError or SyntaxError): keep the text.
    NotLiteral,
    /// Python raised something Ansible does not catch (e.g. an unhashable dict key).
    Error(String),
}

pub fn literal_eval(text: &str) -> Literal {
    let src: Vec<char> = text.trim_start_matches([' ', '\t']).chars().collect();
    let mut p = Parser { s: &src, i: 0 };
    match p.top() {
        Ok(v) => {
            p.skip_ws();
            if p.i == p.s.len() {
                Literal::Value(v)
            } else {
                Literal::NotLiteral
            }
        }
        Err(Fail::NotLiteral) => Literal::NotLiteral,
        Err(Fail::Error(e)) => Literal::Error(e),
    }
}

enum Fail {
    NotLiteral,
    Error(String),
}

type R<T> = Result<T, Fail>;

struct Parser<'a> {
    s: &'a [char],
    i: usize,
}

/// Parsed nodes keep enough shape to apply literal_eval's rules (signs only on numbers).
enum Node {
    Num(Value),
    Other(Value),
}

impl Node {
    fn value(self) -> Value {
        match self {
            Node::Num(v) | Node::Other(v) => v,
        }
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\x0c' {
                self.i += 1;
            } else if c == '#' {
                self.i = self.s.len();
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// A top-level expression, where `1, 2` is a tuple.
    fn top(&mut self) -> R<Value> {
        let first = self.expr()?;
        self.skip_ws();
        if self.peek() != Some(',') {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat(',') {
            self.skip_ws();
            if self.peek().is_none() {
                break;
            }
            items.push(self.expr()?);
        }
        Ok(Value::List(items))
    }

    fn expr(&mut self) -> R<Value> {
        Ok(self.unary()?.value())
    }

    fn unary(&mut self) -> R<Node> {
        self.skip_ws();
        match self.peek() {
            Some(sign @ ('-' | '+')) => {
                self.i += 1;
                let operand = self.atom()?;
                let Node::Num(v) = operand else {
                    return Err(Fail::NotLiteral);
                };
                let negate = sign == '-';
                Ok(Node::Other(match v {
                    Value::Int(i) if negate => i
                        .checked_neg()
                        .map(Value::Int)
                        .unwrap_or(Value::BigInt(format!("{}", -(i as i128)))),
                    Value::Bool(b) => Value::Int(if negate { -(b as i64) } else { b as i64 }),
                    Value::Float(f) if negate => Value::Float(-f),
                    Value::BigInt(s) if negate => Value::BigInt(format!("-{s}")),
                    other => other,
                }))
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> R<Node> {
        self.skip_ws();
        let Some(c) = self.peek() else {
            return Err(Fail::NotLiteral);
        };
        match c {
            '[' => {
                self.i += 1;
                let items = self.items(']')?;
                Ok(Node::Other(Value::List(items)))
            }
            '(' => {
                self.i += 1;
                if self.eat(')') {
                    return Ok(Node::Other(Value::List(vec![])));
                }
                let first = self.unary()?;
                if self.eat(')') {
                    return Ok(first);
                }
                if !self.eat(',') {
                    return Err(Fail::NotLiteral);
                }
                let mut items = vec![first.value()];
                items.extend(self.items(')')?);
                Ok(Node::Other(Value::List(items)))
            }
            '{' => {
                self.i += 1;
                self.brace()
            }
            '.' if self.s.get(self.i + 1) == Some(&'.') && self.s.get(self.i + 2) == Some(&'.') => {
                self.i += 3;
                Ok(Node::Other(Value::Str("...".into())))
            }
            '0'..='9' | '.' => self.number().map(Node::Num),
            '\'' | '"' => self.strings(None),
            c if c.is_alphabetic() || c == '_' => {
                let start = self.i;
                while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    self.i += 1;
                }
                let word: String = self.s[start..self.i].iter().collect();
                if matches!(self.peek(), Some('\'' | '"')) {
                    let lower = word.to_ascii_lowercase();
                    if matches!(lower.as_str(), "r" | "u" | "b" | "br" | "rb") {
                        return self.strings(Some(lower));
                    }
                    return Err(Fail::NotLiteral);
                }
                match word.as_str() {
                    "True" => Ok(Node::Num(Value::Bool(true))),
                    "False" => Ok(Node::Num(Value::Bool(false))),
                    "None" => Ok(Node::Other(Value::Null)),
                    _ => Err(Fail::NotLiteral),
                }
            }
            _ => Err(Fail::NotLiteral),
        }
    }

    /// Comma-separated expressions up to `close` (a trailing comma is allowed).
    fn items(&mut self, close: char) -> R<Vec<Value>> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Ok(items);
            }
            items.push(self.expr()?);
            if self.eat(close) {
                return Ok(items);
            }
            if !self.eat(',') {
                return Err(Fail::NotLiteral);
            }
        }
    }

    /// `{}` dict, `{k: v}` dict or `{a, b}` set (sets become lists, as Ansible stores them).
    fn brace(&mut self) -> R<Node> {
        if self.eat('}') {
            return Ok(Node::Other(Value::Map(Map::new())));
        }
        let first = self.expr()?;
        if self.eat(':') {
            let mut map = Map::new();
            let mut key = first;
            loop {
                let value = self.expr()?;
                map.insert(hashable(key)?, value);
                if self.eat('}') {
                    return Ok(Node::Other(Value::Map(map)));
                }
                if !self.eat(',') {
                    return Err(Fail::NotLiteral);
                }
                if self.eat('}') {
                    return Ok(Node::Other(Value::Map(map)));
                }
                key = self.expr()?;
                if !self.eat(':') {
                    return Err(Fail::NotLiteral);
                }
            }
        }
        let mut items = vec![first];
        if !self.eat('}') {
            if !self.eat(',') {
                return Err(Fail::NotLiteral);
            }
            items.extend(self.items('}')?);
        }
        let mut unique: Vec<Value> = Vec::new();
        for item in items {
            hashable(item.clone())?;
            if !unique.contains(&item) {
                unique.push(item);
            }
        }
        Ok(Node::Other(Value::List(unique)))
    }

    fn number(&mut self) -> R<Value> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            // Exponent signs belong to the number: 1e-5.
            self.i += 1;
            if matches!(self.s.get(self.i - 1), Some('e' | 'E'))
                && matches!(self.peek(), Some('+' | '-'))
                && !self.s[start..self.i].iter().any(|c| matches!(c, 'x' | 'X'))
            {
                self.i += 1;
            }
        }
        let text: String = self.s[start..self.i].iter().collect();
        parse_python_number(&text).ok_or(Fail::NotLiteral)
    }

    /// One or more adjacent string literals, concatenated. Bytes (`b'..'`) come back as
    /// untrusted text: Ansible converts them without marking them as templates.
    fn strings(&mut self, first_prefix: Option<String>) -> R<Node> {
        let mut out = String::new();
        let mut prefix = first_prefix;
        let mut kind_bytes: Option<bool> = None;
        loop {
            let p = prefix.take().unwrap_or_default();
            let is_bytes = p.contains('b');
            if kind_bytes.is_some_and(|k| k != is_bytes) {
                return Err(Fail::NotLiteral);
            }
            kind_bytes = Some(is_bytes);
            out.push_str(&self.string_body(p.contains('r'))?);
            self.skip_ws();
            match self.peek() {
                Some('\'' | '"') => continue,
                Some(c) if c.is_alphabetic() => {
                    let save = self.i;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        self.i += 1;
                    }
                    let word: String = self.s[start..self.i]
                        .iter()
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if matches!(self.peek(), Some('\'' | '"'))
                        && matches!(word.as_str(), "r" | "u" | "b" | "br" | "rb")
                    {
                        prefix = Some(word);
                        continue;
                    }
                    self.i = save;
                    return Ok(Node::Other(text_value(out, kind_bytes)));
                }
                _ => return Ok(Node::Other(text_value(out, kind_bytes))),
            }
        }
    }

    fn string_body(&mut self, raw: bool) -> R<String> {
        let q = self.peek().ok_or(Fail::NotLiteral)?;
        let triple = self.s.get(self.i + 1) == Some(&q) && self.s.get(self.i + 2) == Some(&q);
        self.i += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let c = self.peek().ok_or(Fail::NotLiteral)?;
            if c == q {
                if !triple {
                    self.i += 1;
                    return Ok(out);
                }
                if self.s.get(self.i + 1) == Some(&q) && self.s.get(self.i + 2) == Some(&q) {
                    self.i += 3;
                    return Ok(out);
                }
            }
            self.i += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let e = self.peek().ok_or(Fail::NotLiteral)?;
            self.i += 1;
            if raw {
                out.push('\\');
                out.push(e);
                continue;
            }
            match e {
                '\n' => {}
                '\\' => out.push('\\'),
                '\'' => out.push('\''),
                '"' => out.push('"'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'v' => out.push('\x0b'),
                '0'..='7' => {
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.peek().and_then(|c| c.to_digit(8)) {
                            Some(d) => {
                                v = v * 8 + d;
                                self.i += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(char::from_u32(v).ok_or(Fail::NotLiteral)?);
                }
                'x' | 'u' | 'U' => {
                    let n = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex: String = self
                        .s
                        .get(self.i..self.i + n)
                        .ok_or(Fail::NotLiteral)?
                        .iter()
                        .collect();
                    let v = u32::from_str_radix(&hex, 16).map_err(|_| Fail::NotLiteral)?;
                    self.i += n;
                    out.push(char::from_u32(v).ok_or(Fail::NotLiteral)?);
                }
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }
}

fn text_value(text: String, bytes: Option<bool>) -> Value {
    if bytes == Some(true) {
        Value::Unsafe(text)
    } else {
        Value::Str(text)
    }
}

fn hashable(v: Value) -> R<Key> {
    Ok(match v {
        Value::Null => Key::Null,
        Value::Bool(b) => Key::Bool(b),
        Value::Int(i) => Key::Int(i),
        Value::Float(f) => Key::Float(crate::output::float_repr::python_float_repr(f)),
        Value::Str(s) | Value::Unsafe(s) | Value::BigInt(s) => Key::Str(s),
        Value::Timestamp(t) => Key::Str(t.isoformat()),
        Value::List(_) => return Err(Fail::Error("unhashable type: 'list'".into())),
        Value::Map(_) => return Err(Fail::Error("unhashable type: 'dict'".into())),
    })
}

/// Python 3 numeric literal syntax (no leading zeros on decimals, `_` between digits).
fn parse_python_number(text: &str) -> Option<Value> {
    fn digits_ok(s: &str, radix: u32) -> bool {
        !s.is_empty()
            && !s.starts_with('_')
            && !s.ends_with('_')
            && !s.contains("__")
            && s.chars().all(|c| c == '_' || c.is_digit(radix))
    }
    let lower = text.to_ascii_lowercase();
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(body) = lower.strip_prefix(prefix) {
            let body = body.strip_prefix('_').unwrap_or(body);
            if !digits_ok(body, radix) {
                return None;
            }
            let clean: String = body.chars().filter(|c| *c != '_').collect();
            let v = i128::from_str_radix(&clean, radix).ok()?;
            return Some(
                i64::try_from(v)
                    .map(Value::Int)
                    .unwrap_or(Value::BigInt(v.to_string())),
            );
        }
    }
    if lower.ends_with('j') {
        return None;
    }
    let is_float = lower.contains('.') || lower.contains('e');
    if !is_float {
        if !digits_ok(&lower, 10) {
            return None;
        }
        let clean: String = lower.chars().filter(|c| *c != '_').collect();
        if clean.len() > 1 && clean.starts_with('0') && clean.chars().any(|c| c != '0') {
            return None;
        }
        return Some(match clean.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(clean.trim_start_matches('0').to_string()),
        });
    }
    let (mantissa, exp) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let (int_part, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    if int_part.is_empty() && frac.is_none_or(str::is_empty) {
        return None;
    }
    if !int_part.is_empty() && !digits_ok(int_part, 10) {
        return None;
    }
    if let Some(f) = frac.filter(|f| !f.is_empty())
        && !digits_ok(f, 10)
    {
        return None;
    }
    if let Some(e) = exp {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if !digits_ok(e, 10) {
            return None;
        }
    }
    let clean: String = lower.chars().filter(|c| *c != '_').collect();
    clean.parse::<f64>().ok().map(Value::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Value {
        match literal_eval(text) {
            Literal::Value(v) => v,
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    #[test]
    fn literals() {
        assert_eq!(v("1"), Value::Int(1));
        assert_eq!(v("-1.5"), Value::Float(-1.5));
        assert_eq!(v("'x y'"), Value::Str("x y".into()));
        assert_eq!(v("True"), Value::Bool(true));
        assert_eq!(v("None"), Value::Null);
        assert_eq!(
            v("[1, 'a',]"),
            Value::List(vec![Value::Int(1), Value::Str("a".into())])
        );
        assert_eq!(v("1 # comment"), Value::Int(1));
        assert_eq!(v("1, 2"), Value::List(vec![Value::Int(1), Value::Int(2)]));
        assert_eq!(v("1_000"), Value::Int(1000));
        assert_eq!(v("'a' 'b'"), Value::Str("ab".into()));
    }

    #[test]
    fn non_literals_stay_text() {
        for t in [
            "yes", "0644", "a b", "1__0", "{k:1}", "--1", "f'x'", "1e", "x=1", "", "1 2",
        ] {
            assert_eq!(literal_eval(t), Literal::NotLiteral, "{t:?}");
        }
    }

    #[test]
    fn unhashable_keys_are_errors() {
        assert!(matches!(literal_eval("{[1]: 2}"), Literal::Error(_)));
    }
}
