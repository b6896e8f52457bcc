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

#[test]
fn lazy_container_items_render_on_access() {
    let ctx = super::ctx_from_yaml(
        "n: 5\nlazy: {ok: '{{ n }}', bad: '{{ nope }}'}\nitems: ['{{ n }}', x]\n",
    );
    let t = Templar::new();
    assert_eq!(
        t.template(&s("{{ lazy.ok }}"), &ctx).unwrap(),
        Value::Int(5)
    );
    assert_eq!(
        t.template(&s("{{ items }}"), &ctx).unwrap(),
        Value::List(vec![Value::Int(5), s("x")])
    );
    assert_eq!(
        t.template(&s("{{ lazy.bad | default(1) }}"), &ctx).unwrap(),
        Value::Int(1)
    );
    assert_eq!(
        t.template(&s("{{ lazy.bad }}"), &ctx)
            .unwrap_err()
            .to_string(),
        "'nope' is undefined"
    );
    assert_eq!(
        t.template(&s("{{ lazy }}"), &ctx).unwrap_err().to_string(),
        "'nope' is undefined"
    );
}

#[test]
fn a_variable_failing_on_undefined_is_itself_undefined() {
    let ctx = super::ctx_from_yaml("b: '{{ zzz }}'\n");
    let t = Templar::new();
    assert_eq!(
        t.template(&s("{{ b is defined }}"), &ctx).unwrap(),
        Value::Bool(false)
    );
    assert_eq!(
        t.template(&s("{{ b | default(3) }}"), &ctx).unwrap(),
        Value::Int(3)
    );
    assert_eq!(
        t.template(&s("{{ b }}"), &ctx).unwrap_err().to_string(),
        "'zzz' is undefined"
    );
}

#[test]
fn self_referencing_container_is_a_loop() {
    let ctx = super::ctx_from_yaml("d: {x: '{{ d.x }}'}\n");
    let err = Templar::new().template(&s("{{ d.x }}"), &ctx).unwrap_err();
    assert!(
        matches!(err, TemplateError::RecursiveLoop { .. }),
        "{err:?}"
    );
}

#[test]
fn template_walks_containers_and_keys() {
    let ctx = super::ctx_from_yaml("k: key\nv: 1\n");
    let value = crate::yaml::load_yaml("{'{{ k }}': ['{{ v }}', 'x{{ v }}'], plain: 2}")
        .unwrap()
        .value
        .unwrap();
    let got = Templar::new().template(&value, &ctx).unwrap();
    let want = crate::yaml::load_yaml("{key: [1, x1], plain: 2}")
        .unwrap()
        .value
        .unwrap();
    assert_eq!(got, want);
}

#[test]
fn conditions_need_booleans() {
    let ctx = super::ctx_from_yaml("t: true\nn: 5\nyes_str: 'yes'\nnothing: null\n");
    let t = Templar::new();
    assert!(t.condition("t", &ctx).unwrap());
    assert!(t.condition("n > 3", &ctx).unwrap());
    assert!(!t.condition("nope is defined", &ctx).unwrap());
    assert!(t.condition("{{ n > 3 }}", &ctx).unwrap());
    assert!(t.condition("", &ctx).unwrap());
    assert_eq!(
        t.condition("yes_str", &ctx).unwrap_err(),
        TemplateError::NonBooleanConditional {
            truthy: "True".into(),
            type_name: "str".into()
        }
    );
    assert!(t.condition("nothing", &ctx).is_err());
    assert!(t.condition("n", &ctx).is_err());
    // The rendered text of a templated conditional is evaluated again: `yes` is a name.
    assert_eq!(
        t.condition("{{ yes_str }}", &ctx).unwrap_err().to_string(),
        "'yes' is undefined"
    );
    assert_eq!(
        t.condition("nope", &ctx).unwrap_err().to_string(),
        "'nope' is undefined"
    );
}

#[test]
fn expression_returns_native_values() {
    let ctx = super::ctx_from_yaml("l: [1, 2]\nchain: '{{ l | length }}'\n");
    let t = Templar::new();
    assert_eq!(
        t.expression("l", &ctx).unwrap(),
        Value::List(vec![Value::Int(1), Value::Int(2)])
    );
    assert_eq!(t.expression("chain", &ctx).unwrap(), Value::Int(2));
    assert_eq!(t.expression("{{ l[0] }}", &ctx).unwrap(), Value::Int(1));
    assert!(t.expression("nope", &ctx).is_err());
}

#[test]
fn omit_is_dropped_or_placeholder() {
    let ctx = super::ctx_from_yaml("a: 1\n");
    let t = Templar::new();
    assert!(is_omit(&t.template(&s("{{ omit }}"), &ctx).unwrap()));
    assert!(is_omit(
        &t.template(&s("{{ nope | default(omit) }}"), &ctx).unwrap()
    ));
    assert_eq!(t.template(&s("x{{ omit }}"), &ctx).unwrap(), s("x"));
    assert_eq!(
        t.template(&s("{{ [1, omit] }}"), &ctx).unwrap(),
        Value::List(vec![Value::Int(1)])
    );
}

#[test]
fn literals_keep_backslashes_and_text_keeps_final_newline() {
    let ctx = super::ctx_from_yaml("a: 1\n");
    let t = Templar::new();
    assert_eq!(
        t.template(&s(r"{{ '\n' | length }}"), &ctx).unwrap(),
        Value::Int(2)
    );
    assert_eq!(t.template(&s("{{ 'abc' }}\n"), &ctx).unwrap(), s("abc\n"));
    assert_eq!(t.template(&s("{{ a }}\n"), &ctx).unwrap(), Value::Int(1));
    assert_eq!(
        t.template(&s("{% if true %}\nx{% endif %}\n"), &ctx)
            .unwrap(),
        s("x\n")
    );
    assert_eq!(
        t.template(
            &s("{% for i in [1, 2] %}{{ i }}{{ ',' if not loop.last }}{% endfor %}"),
            &ctx
        )
        .unwrap(),
        s("1,2")
    );
}

struct Hosts(Vec<(String, Arc<Map>)>);

impl HostvarsSource for Hosts {
    fn host_names(&self) -> Vec<String> {
        self.0.iter().map(|(n, _)| n.clone()).collect()
    }

    fn host_vars(&self, host: &str) -> Option<Arc<Map>> {
        self.0
            .iter()
            .find(|(n, _)| n == host)
            .map(|(_, v)| v.clone())
    }
}

#[test]
fn hostvars_render_in_the_other_hosts_context() {
    let host_map = |yaml: &str| match crate::yaml::load_yaml(yaml).unwrap().value {
        Some(Value::Map(m)) => Arc::new(m),
        _ => unreachable!(),
    };
    let hosts = Hosts(vec![
        ("a".into(), host_map("inventory_hostname: a\nid: 1\n")),
        (
            "b".into(),
            host_map(
                "inventory_hostname: b\nid: 2\nlistener: '{{ inventory_hostname }}:{{ id }}'\n",
            ),
        ),
    ]);
    let ctx = VarContext {
        vars: host_map("inventory_hostname: a\nid: 1\ngroups: {all: [a, b]}\n"),
        hostvars: Some(Arc::new(hosts)),
    };
    let t = Templar::new();
    assert_eq!(
        t.template(&s("{{ hostvars['b'].listener }}"), &ctx)
            .unwrap(),
        s("b:2")
    );
    assert_eq!(
        t.template(
            &s("{{ groups.all | map('extract', hostvars, 'id') | list }}"),
            &ctx
        )
        .unwrap(),
        Value::List(vec![Value::Int(1), Value::Int(2)])
    );
    assert_eq!(
        t.template(&s("{{ hostvars.b.nope }}"), &ctx)
            .unwrap_err()
            .to_string(),
        "object of type 'HostVarsVars' has no attribute 'nope'"
    );
    assert_eq!(
        t.template(&s("{{ hostvars | list | length }}"), &ctx)
            .unwrap(),
        Value::Int(2)
    );
}

#[test]
fn syntax_errors_carry_a_position() {
    let ctx = super::ctx_from_yaml("a: 1\n");
    match Templar::new()
        .template(&s("x\n{{ 1 + }}"), &ctx)
        .unwrap_err()
    {
        TemplateError::Syntax { line, .. } => assert_eq!(line, 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn python_methods() {
    super::check_table(
        &super::standard_ctx(),
        &[
            ("{{ 'a,b'.split(',') }}", "[a, b]"),
            ("{{ s.startswith('Hello') }}", "true"),
            ("{{ s.endswith('x') }}", "false"),
            ("{{ ' x '.strip() }}", "x"),
            ("{{ s.replace('o', '0') }}", "Hell0 W0rld"),
            ("{{ s.lower() }}", "hello world"),
            ("{{ s.upper() }}", "HELLO WORLD"),
            ("{{ d.keys() | list }}", "[a, b]"),
            ("{{ d.values() | list }}", "[1, 2]"),
            ("{{ d.items() | list }}", "[[a, 1], [b, 2]]"),
            ("{{ d.get('a') }}", "1"),
            ("{{ d.get('z', 'dflt') }}", "dflt"),
            ("{{ l.index(1) }}", "1"),
            ("{{ '7'.zfill(3) }}", "'007'"),
        ],
    );
}

#[test]
fn timestamps_stay_timestamps() {
    let ctx = super::ctx_from_yaml("day: 2024-01-02\n");
    let t = Templar::new();
    assert!(matches!(
        t.template(&s("{{ day }}"), &ctx).unwrap(),
        Value::Timestamp(_)
    ));
    assert_eq!(
        t.template(&s("on {{ day }}"), &ctx).unwrap(),
        s("on 2024-01-02")
    );
}

#[test]
fn undefined_is_strict_except_for_chains_into_default() {
    let ctx = super::ctx_from_yaml("d: {a: 1}\n");
    super::check_errors(
        &ctx,
        &[
            "{% if nope %}x{% endif %}",
            "{% for x in nope %}{% endfor %}",
            "{{ nope == 1 }}",
            "{{ nope | upper }}",
            "{{ nope.deeper }}",
            "{{ d.missing.deeper }}",
        ],
    );
    super::check_table(
        &ctx,
        &[
            ("{{ nope.deeper | default(1) }}", "1"),
            ("{{ d.missing.deeper | d(2) }}", "2"),
            ("{{ nope.deeper is defined }}", "false"),
            ("{{ d.missing is undefined }}", "true"),
        ],
    );
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    let ctx = super::ctx_from_yaml("a: 1\n");
    super::check_errors(
        &ctx,
        &[
            "{{ 'é if x",
            "{{ a if é",
            "{% if é %}",
            "{{ 'unterminated }}",
            "{{ a.é }}",
            "{{ é }}",
            "{% raw %}{{ x",
            "{{ '\\' }}é",
            "{{ (a if a) }}{{",
        ],
    );
}

/// Random template-like text: rendering may fail, but must never panic.
#[test]
fn random_templates_never_panic() {
    const PIECES: &[&str] = &[
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        "'",
        "\"",
        "\\",
        " if ",
        " else ",
        "a",
        "d",
        "l",
        ".",
        "é",
        "|",
        "default",
        "(",
        ")",
        "[",
        "]",
        "-",
        "~",
        " ",
        "\n",
        "raw",
        "endraw",
        "for x in l",
        "endfor",
        "1",
        "omit",
        "hostvars",
        "is defined",
        ",",
    ];
    let ctx = super::ctx_from_yaml("a: 1\nd: {k: '{{ a }}'}\nl: [1, '{{ a }}']\n");
    let templar = Templar::new();
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..10000 {
        let mut text = String::new();
        for _ in 0..(seed % 12 + 1) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
        }
        let _ = templar.template(&s(&text), &ctx);
        let _ = templar.condition(&text, &ctx);
    }
}
