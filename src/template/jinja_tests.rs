//! Jinja tests (`x is defined`, `v is version('2.0', '>=')`, ...) as Ansible defines them.

use std::cmp::Ordering;

use minijinja::value::{Kwargs, Value as JValue, ValueKind};
use minijinja::{Environment, Error as JError};

use super::filters::regex::compile;
use super::versions::{VersionType, compare_versions};

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
    // Python identity: only the singletons None, True and False are the same object;
    // Ansible's values (tagged ints, strings) never are.
    env.add_test("sameas", |a: &JValue, b: &JValue| {
        (a.is_none() && b.is_none())
            || (a.kind() == ValueKind::Bool && b.kind() == ValueKind::Bool && a == b)
    });
    env.add_test("truthy", |v: &JValue| v.is_true());
    env.add_test("falsy", |v: &JValue| !v.is_true());
    // Python strings are sequences.
    env.add_test("sequence", |v: &JValue| {
        matches!(
            v.kind(),
            ValueKind::Seq | ValueKind::Map | ValueKind::String | ValueKind::Iterable
        )
    });
    register_path_tests(env);
    env.add_test("any", |v: &JValue| {
        v.try_iter()
            .map(|mut i| i.any(|x| x.is_true()))
            .unwrap_or(false)
    });
    env.add_test("all", |v: &JValue| {
        v.try_iter()
            .map(|mut i| i.all(|x| x.is_true()))
            .unwrap_or(false)
    });
    env.add_test("nan", |v: &JValue| {
        f64::try_from(v.clone()).is_ok_and(f64::is_nan)
    });
    env.add_test("isnan", |v: &JValue| {
        f64::try_from(v.clone()).is_ok_and(f64::is_nan)
    });
    env.add_test("vault_encrypted", |_: &JValue| false);
    env.add_test("started", |_: &JValue| true);
    env.add_test("reachable", |v: &JValue| {
        result_flag(v, "unreachable").map(|u| !u)
    });
    env.add_test("unreachable", |v: &JValue| result_flag(v, "unreachable"));
    env.add_test("contains", |v: &JValue, item: JValue| {
        v.try_iter()
            .map(|mut it| it.any(|x| x == item))
            .unwrap_or(false)
    });
    env.add_test("subset", |a: &JValue, b: &JValue| is_subset(a, b));
    env.add_test("superset", |a: &JValue, b: &JValue| is_subset(b, a));
}

/// Path tests on the controller's file system (`files.py` in Ansible).
fn register_path_tests(env: &mut Environment<'static>) {
    use std::path::Path;
    fn path_of(v: &JValue) -> Option<String> {
        v.as_str().map(str::to_string)
    }
    type PathCheck = fn(&Path) -> bool;
    let tests: &[(&'static str, PathCheck)] = &[
        ("directory", |p| p.is_dir()),
        ("is_dir", |p| p.is_dir()),
        ("file", |p| p.is_file()),
        ("is_file", |p| p.is_file()),
        ("link", |p| p.is_symlink()),
        ("is_link", |p| p.is_symlink()),
        ("exists", |p| p.exists()),
        ("link_exists", |p| p.symlink_metadata().is_ok()),
        ("abs", |p| p.is_absolute()),
        ("is_abs", |p| p.is_absolute()),
    ];
    for (name, check) in tests {
        let check = *check;
        env.add_test(*name, move |v: &JValue| {
            path_of(v).is_some_and(|p| check(Path::new(&p)))
        });
    }
    let same_file = |a: &JValue, b: &JValue| match (path_of(a), path_of(b)) {
        (Some(a), Some(b)) => match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        },
        _ => false,
    };
    env.add_test("same_file", same_file);
    env.add_test("is_same_file", same_file);
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
    // re.match anchors at the start only; re.search anywhere.
    let anchored;
    let pattern = match kind {
        RegexTest::Search => pattern,
        RegexTest::Match => {
            anchored = format!("\\A(?:{pattern})");
            anchored.as_str()
        }
    };
    compile(pattern, ignorecase, multiline)?
        .is_match(subject.as_str())
        .map_err(|e| super::filters::fail(format!("regular expression matching failed: {e}")))
}

fn is_subset(a: &JValue, b: &JValue) -> bool {
    let Ok(items) = a.try_iter() else {
        return false;
    };
    let pool: Vec<JValue> = b.try_iter().map(|i| i.collect()).unwrap_or_default();
    items.into_iter().all(|x| pool.contains(&x))
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
    let version_type = kwargs.get::<Option<String>>("version_type")?;
    kwargs.assert_all_used()?;
    let text =
        |v: &JValue| super::convert::python_str_of(v).map_err(super::filters::to_jinja_error);
    let (a, b) = (text(value)?, text(other)?);
    if a.is_empty() {
        return Err(super::filters::fail("Input version value cannot be empty"));
    }
    let kind = match (version_type.as_deref(), strict) {
        (Some(_), true) => {
            return Err(super::filters::fail(
                "Cannot specify both 'strict' and 'version_type'",
            ));
        }
        (Some("loose") | None, false) => VersionType::Loose,
        (Some("strict"), _) | (None, true) => VersionType::Strict,
        (Some("semver" | "semantic"), _) => VersionType::Semver,
        (Some(other), _) => {
            return Err(super::filters::fail(format!(
                "Invalid version type ({other}). Must be one of loose, strict, semver, semantic"
            )));
        }
    };
    let ord = compare_versions(&a, &b, kind).map_err(super::filters::fail)?;
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
