//! Unit tests of the templating layer. Expected values were checked against
//! ansible-core 2.19 (the differential test re-checks most of them against the real thing).

mod filters;
mod jinja_tests;
mod semantics;

use super::*;

/// A context from YAML variables.
pub(super) fn ctx_from_yaml(yaml: &str) -> VarContext {
    match crate::yaml::load_yaml(yaml).expect("test YAML").value {
        Some(Value::Map(m)) => VarContext::new(m),
        None => VarContext::new(Map::new()),
        Some(other) => panic!("test vars are not a mapping: {other:?}"),
    }
}

/// Variables most table tests use.
pub(super) fn standard_ctx() -> VarContext {
    ctx_from_yaml(
        r#"
n: 5
s: "Hello World"
l: [3, 1, 2]
d: {a: 1, b: 2}
users: [{name: alice, uid: 1, admin: true}, {name: bob, uid: 2, admin: false}]
host: kafka-1.example.com
path: /etc/kafka/server.properties
nested: {x: {y: 1}}
"#,
    )
}

/// Render each template and compare with the expected value written as YAML.
pub(super) fn check_table(ctx: &VarContext, table: &[(&str, &str)]) {
    let templar = Templar::new();
    let mut failures = Vec::new();
    for (template, expected_yaml) in table {
        let expected = crate::yaml::load_yaml(expected_yaml)
            .expect("expected YAML")
            .value
            .unwrap_or(Value::Null);
        match templar.template(&Value::Str(template.to_string()), ctx) {
            Ok(got) if got == expected => {}
            Ok(got) => failures.push(format!("{template}: expected {expected:?}, got {got:?}")),
            Err(e) => failures.push(format!("{template}: expected {expected:?}, error {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Each template must fail; returns nothing, panics with the ones that rendered.
pub(super) fn check_errors(ctx: &VarContext, templates: &[&str]) {
    let templar = Templar::new();
    let rendered: Vec<String> = templates
        .iter()
        .filter_map(|t| {
            templar
                .template(&Value::Str(t.to_string()), ctx)
                .ok()
                .map(|v| format!("{t} -> {v:?}"))
        })
        .collect();
    assert!(
        rendered.is_empty(),
        "expected errors:\n{}",
        rendered.join("\n")
    );
}
