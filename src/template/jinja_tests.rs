//! Jinja tests (`x is defined`, `v is version('2.0', '>=')`, ...) as Ansible defines them.

use std::cmp::Ordering;

use minijinja::value::{Kwargs, Value as JValue, ValueKind};
use minijinja::{Environment, Error as JError};

use super::filters::regex::compile;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_test("success", succeeded);
    env.add_test("succeeded", succeeded);
    env.add_test("failed", failed);
    env.add_test("failure", failed);
    env.add_test("changed", changed);
    env.add_test("change", changed);
    env.add_test("skipped", skipped);
    env.add_test("skip", skipped);
    env.add_test("finished", |_: &JValue| true);
    env.add_test("match", |v: &JValue, p: String, k: Kwargs| {
        regex_test(v, &p, k, RegexTest::Match)
    });
    env.add_test("search", |v: &JValue, p: String, k: Kwargs| {
        regex_test(v, &p, k, RegexTest::Search)
    });
    env.add_test("regex", |v: &JValue, p: String, k: Kwargs| {
        let kind = if k.get::<Option<String>>("match_type")?.as_deref() == Some("match") {
            RegexTest::Match
        } else {
            RegexTest::Search
        };
        regex_test(v, &p, k, kind)
    });
    env.add_test("version", version);
    env.add_test("version_compare", version);
    env.add_test("truthy", |v: &JValue| v.is_true());
    env.add_test("falsy", |v: &JValue| !v.is_true());
    // Python strings are sequences.
    env.add_test("sequence", |v: &JValue| {
        matches!(
            v.kind(),
            ValueKind::Seq | ValueKind::Map | ValueKind::String | ValueKind::Iterable
        )
    });
    env.add_test("abs", |v: &JValue| {
        v.as_str().is_some_and(|s| s.starts_with('/'))
    });
    env.add_test("contains", |v: &JValue, item: JValue| {
        v.try_iter()
            .map(|mut it| it.any(|x| x == item))
            .unwrap_or(false)
    });
    env.add_test("subset", |a: &JValue, b: &JValue| is_subset(a, b));
    env.add_test("superset", |a: &JValue, b: &JValue| is_subset(b, a));
}

fn result_flag(result: &JValue, key: &str) -> Result<bool, JError> {
    if result.kind() != ValueKind::Map {
        return Err(super::filters::fail(
            "The 'failed' test expects a dictionary".to_string(),
        ));
    }
    Ok(result.get_attr(key).map(|v| v.is_true()).unwrap_or(false))
}

fn failed(result: &JValue) -> Result<bool, JError> {
    result_flag(result, "failed")
}

fn succeeded(result: &JValue) -> Result<bool, JError> {
    Ok(!result_flag(result, "failed")?)
}

fn changed(result: &JValue) -> Result<bool, JError> {
    result_flag(result, "changed")
}

fn skipped(result: &JValue) -> Result<bool, JError> {
    result_flag(result, "skipped")
}

#[derive(Clone, Copy)]
enum RegexTest {
    Match,
    Search,
}

fn regex_test(
    value: &JValue,
    pattern: &str,
    kwargs: Kwargs,
    kind: RegexTest,
) -> Result<bool, JError> {
    let ignorecase = kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false);
    let multiline = kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false);
    let _ = kwargs.get::<Option<String>>("match_type")?;
    kwargs.assert_all_used()?;
    let subject = super::convert::python_str_of(value).map_err(super::filters::to_jinja_error)?;
    let re = compile(pattern, ignorecase, multiline)?;
    Ok(match kind {
        RegexTest::Search => re.is_match(&subject),
        // re.match anchors at the start only.
        RegexTest::Match => {
            re.find(&subject).is_some_and(|m| m.start() == 0)
                || re.find_iter(&subject).any(|m| m.start() == 0)
        }
    })
}

fn is_subset(a: &JValue, b: &JValue) -> bool {
    let Ok(items) = a.try_iter() else {
        return false;
    };
    let pool: Vec<JValue> = b.try_iter().map(|i| i.collect()).unwrap_or_default();
    items.into_iter().all(|x| pool.contains(&x))
}

/// One component of a LooseVersion: numbers compare as numbers, the rest as text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Num(u64),
    Text(String),
}

impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Part {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Part::Num(a), Part::Num(b)) => a.cmp(b),
            (Part::Text(a), Part::Text(b)) => a.cmp(b),
            // Python 3 cannot compare int with str; Ansible then errors. Order numbers first.
            (Part::Num(_), Part::Text(_)) => Ordering::Less,
            (Part::Text(_), Part::Num(_)) => Ordering::Greater,
        }
    }
}

/// distutils' LooseVersion split: runs of digits, runs of letters, and other characters;
/// dots dropped.
fn loose_parts(v: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut chars = v.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(d);
                chars.next();
            }
            parts.push(n.parse().map(Part::Num).unwrap_or(Part::Text(n)));
        } else if c.is_ascii_alphabetic() {
            let mut t = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_alphabetic()) {
                t.push(d);
                chars.next();
            }
            parts.push(Part::Text(t));
        } else {
            chars.next();
            if c != '.' {
                parts.push(Part::Text(c.to_string()));
            }
        }
    }
    parts
}

fn version(
    value: &JValue,
    other: &JValue,
    operator: Option<String>,
    kwargs: Kwargs,
) -> Result<bool, JError> {
    let operator = match operator {
        Some(op) => op,
        None => kwargs
            .get::<Option<String>>("operator")?
            .unwrap_or("eq".into()),
    };
    let strict = kwargs.get::<Option<bool>>("strict")?.unwrap_or(false);
    let _ = kwargs.get::<Option<String>>("version_type")?;
    kwargs.assert_all_used()?;
    let _ = strict;
    let text =
        |v: &JValue| super::convert::python_str_of(v).map_err(super::filters::to_jinja_error);
    let (a, b) = (text(value)?, text(other)?);
    if a.is_empty() {
        return Err(super::filters::fail("Input version value cannot be empty"));
    }
    let ord = loose_parts(&a).cmp(&loose_parts(&b));
    Ok(match operator.as_str() {
        "==" | "=" | "eq" => ord == Ordering::Equal,
        "!=" | "<>" | "ne" => ord != Ordering::Equal,
        "<" | "lt" => ord == Ordering::Less,
        "<=" | "le" => ord != Ordering::Greater,
        ">" | "gt" => ord == Ordering::Greater,
        ">=" | "ge" => ord != Ordering::Less,
        other => {
            return Err(super::filters::fail(format!(
                "Invalid operator type ({other})"
            )));
        }
    })
}
