use super::*;

fn vars(pairs: &[(&str, Value)]) -> VarContext {
    VarContext::new(
        pairs
            .iter()
            .map(|(k, v)| (Key::from(*k), v.clone()))
            .collect(),
    )
}

fn s(text: &str) -> Value {
    Value::Str(text.to_string())
}

fn render(template: &str, ctx: &VarContext) -> Result<Value, TemplateError> {
    Templar::new().template(&s(template), ctx)
}

#[test]
fn single_expression_is_native() {
    let ctx = vars(&[("a", Value::Int(1))]);
    assert_eq!(render("{{ a }}", &ctx).unwrap(), Value::Int(1));
    assert_eq!(
        render("{{ [a, 'x'] }}", &ctx).unwrap(),
        Value::List(vec![Value::Int(1), s("x")])
    );
    assert_eq!(render("{{ a }}\n", &ctx).unwrap(), Value::Int(1));
}

#[test]
fn mixed_text_uses_python_str() {
    let ctx = vars(&[("l", Value::List(vec![Value::Int(1), s("a")]))]);
    assert_eq!(
        render("x {{ l }} {{ none }} {{ true }} {{ 2.0 }}", &ctx).unwrap(),
        s("x [1, 'a']  True 2.0")
    );
}

#[test]
fn lazy_chains_render_on_access() {
    let ctx = vars(&[
        ("a", Value::Int(1)),
        ("b", s("{{ a }}")),
        ("c", s("{{ b + 1 }}")),
    ]);
    assert_eq!(render("{{ c }}", &ctx).unwrap(), Value::Int(2));
}

#[test]
fn recursion_is_an_error() {
    let ctx = vars(&[("a", s("{{ b }}")), ("b", s("{{ a }}"))]);
    let err = render("{{ a }}", &ctx).unwrap_err();
    assert!(
        matches!(err, TemplateError::RecursiveLoop { .. }),
        "{err:?}"
    );
}

#[test]
fn undefined_names_the_variable() {
    let ctx = vars(&[("d", Value::Map(Map::new()))]);
    assert_eq!(
        render("{{ foo }}", &ctx).unwrap_err().to_string(),
        "'foo' is undefined"
    );
    assert_eq!(
        render("x {{ d.bar }}", &ctx).unwrap_err().to_string(),
        "object of type 'dict' has no attribute 'bar'"
    );
    assert_eq!(
        render("{{ foo.bar | default(5) }}", &ctx).unwrap(),
        Value::Int(5)
    );
}

#[test]
fn unsafe_is_never_rendered() {
    let ctx = vars(&[("u", Value::Unsafe("{{ nope }}".into()))]);
    assert_eq!(
        render("{{ u }}", &ctx).unwrap(),
        Value::Unsafe("{{ nope }}".into())
    );
    assert_eq!(
        Templar::new()
            .template(&Value::Unsafe("{{ x }}".into()), &ctx)
            .unwrap(),
        Value::Unsafe("{{ x }}".into())
    );
}
