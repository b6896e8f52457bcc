use super::{check_errors, check_table, standard_ctx};

#[test]
fn conversion_filters() {
    check_table(
        &standard_ctx(),
        &[
            ("{{ 'yes' | bool }}", "true"),
            ("{{ 'no' | bool }}", "false"),
            ("{{ 'on' | bool }}", "true"),
            ("{{ 'maybe' | bool }}", "false"),
            ("{{ 2 | bool }}", "false"),
            ("{{ '42' | int }}", "42"),
            ("{{ '3.7' | int }}", "3"),
            ("{{ 'x' | int }}", "0"),
            ("{{ 'x' | int(default=7) }}", "7"),
            ("{{ '1A' | int(0, 16) }}", "26"),
            ("{{ '3.5' | float }}", "3.5"),
            ("{{ n | float }}", "5.0"),
            ("{{ n | string }}", "'5'"),
            ("{{ [1, 'a'] | string }}", "\"[1, 'a']\""),
            ("{{ 'ab' | list }}", "[a, b]"),
            ("{{ d | list }}", "[a, b]"),
            ("{{ n | type_debug }}", "int"),
            ("{{ d | type_debug }}", "dict"),
        ],
    );
}

#[test]
fn choice_and_default_filters() {
    check_table(
        &standard_ctx(),
        &[
            ("{{ nope | default('x') }}", "x"),
            ("{{ nope | d('x') }}", "x"),
            ("{{ '' | default('x') }}", "''"),
            ("{{ '' | default('x', true) }}", "x"),
            ("{{ none | default('x') }}", "null"),
            ("{{ d.missing | default(3) }}", "3"),
            ("{{ nope.deeper | default(4) }}", "4"),
            ("{{ true | ternary('a', 'b') }}", "a"),
            ("{{ false | ternary('a', 'b') }}", "b"),
            ("{{ none | ternary('a', 'b', 'c') }}", "c"),
            ("{{ n | mandatory }}", "5"),
        ],
    );
    check_errors(&standard_ctx(), &["{{ nope | mandatory }}"]);
}

#[test]
fn string_and_path_filters() {
    check_table(
        &standard_ctx(),
        &[
            ("{{ s | lower }}", "hello world"),
            ("{{ s | upper }}", "HELLO WORLD"),
            ("{{ s | replace('World', 'There') }}", "Hello There"),
            ("{{ 'Hello' | replace('l', 'L', 1) }}", "HeLlo"),
            ("{{ '  x  ' | trim }}", "x"),
            ("{{ 'a,b' | split(',') }}", "[a, b]"),
            ("{{ 'a b  c' | split }}", "[a, b, c]"),
            ("{{ path | basename }}", "server.properties"),
            ("{{ path | dirname }}", "/etc/kafka"),
            ("{{ path | splitext }}", "[/etc/kafka/server, .properties]"),
            ("{{ ['/etc', 'kafka', 'x'] | path_join }}", "/etc/kafka/x"),
            ("{{ ['/etc', '/abs', 'x'] | path_join }}", "/abs/x"),
            ("{{ '/a/b/../c' | realpath }}", "/a/c"),
            ("{{ 'hello world' | quote }}", "\"'hello world'\""),
            ("{{ 'simple' | quote }}", "simple"),
            ("{{ '' | quote }}", "\"''\""),
            ("{{ '10M' | human_to_bytes }}", "10485760"),
            ("{{ 1024 | human_readable }}", "1.00 KB"),
            ("{{ 100 | human_readable }}", "100.00 Bytes"),
        ],
    );
}

#[test]
fn regex_filters() {
    check_table(
        &standard_ctx(),
        &[
            (
                r"{{ host | regex_replace('\.example\.com$', '') }}",
                "kafka-1",
            ),
            (r"{{ 'abc' | regex_replace('(b)', '[\1]') }}", "a[b]c"),
            (
                r"{{ 'k=v' | regex_replace('(?P<a>\w)=(?P<b>\w)', '\g<b>=\g<a>') }}",
                "v=k",
            ),
            (
                "{{ 'ABC' | regex_replace('b', 'x', ignorecase=True) }}",
                "AxC",
            ),
            ("{{ 'aXbXc' | regex_replace('X', '-', count=1) }}", "a-bXc"),
            (r"{{ host | regex_search('kafka-(\d+)') }}", "kafka-1"),
            (r"{{ host | regex_search('kafka-(\d+)', '\1') }}", "['1']"),
            ("{{ host | regex_search('nomatch') }}", "null"),
            (r"{{ 'a1b22' | regex_findall('\d+') }}", "['1', '22']"),
            (
                r"{{ 'k=v,x=y' | regex_findall('(\w)=(\w)') }}",
                "[[k, v], [x, y]]",
            ),
            ("{{ 'a.b' | regex_escape }}", "a\\.b"),
        ],
    );
    check_errors(&standard_ctx(), &["{{ 'x' | regex_replace('(', '') }}"]);
}

#[test]
fn encoding_filters() {
    check_table(
        &standard_ctx(),
        &[
            ("{{ 'hello' | b64encode }}", "aGVsbG8="),
            ("{{ 'aGVsbG8=' | b64decode }}", "hello"),
            (
                "{{ 'hello' | hash('sha1') }}",
                "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
            ),
            (
                "{{ 'hello' | hash('md5') }}",
                "5d41402abc4b2a76b9719d911017c592",
            ),
            ("{{ 'hello' | md5 }}", "5d41402abc4b2a76b9719d911017c592"),
            (
                "{{ 'hello' | sha1 }}",
                "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
            ),
            (
                "{{ 'hello' | hash('sha256') }}",
                "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            ),
            ("{{ d | to_json }}", "'{\"a\": 1, \"b\": 2}'"),
            ("{{ 'é' | to_json }}", "'\"\\u00e9\"'"),
            (
                "{{ d | to_nice_json }}",
                "\"{\\n    \\\"a\\\": 1,\\n    \\\"b\\\": 2\\n}\"",
            ),
            ("{{ '{\"a\": [1, null]}' | from_json }}", "{a: [1, null]}"),
            ("{{ d | to_yaml }}", "\"{a: 1, b: 2}\\n\""),
            ("{{ 'yes' | to_yaml }}", "\"'yes'\\n\""),
            (
                "{{ {'x': [1, 2]} | to_nice_yaml }}",
                "\"x:\\n- 1\\n- 2\\n\"",
            ),
            (
                "{{ [{'a': 1, 'b': [1]}] | to_nice_yaml }}",
                "\"-   a: 1\\n    b:\\n    - 1\\n\"",
            ),
            ("{{ 'a: 1' | from_yaml }}", "{a: 1}"),
        ],
    );
}

#[test]
fn dict_and_list_filters() {
    check_table(
        &standard_ctx(),
        &[
            ("{{ d | combine({'b': 3, 'c': 4}) }}", "{a: 1, b: 3, c: 4}"),
            ("{{ nested | combine({'x': {'z': 2}}) }}", "{x: {z: 2}}"),
            (
                "{{ nested | combine({'x': {'z': 2}}, recursive=True) }}",
                "{x: {y: 1, z: 2}}",
            ),
            (
                "{{ {'a': [1]} | combine({'a': [2]}, list_merge='append') }}",
                "{a: [1, 2]}",
            ),
            (
                "{{ {'a': [1, 2]} | combine({'a': [2, 3]}, list_merge='append_rp') }}",
                "{a: [1, 2, 3]}",
            ),
            (
                "{{ {'a': [1]} | combine({'a': [2]}, list_merge='prepend') }}",
                "{a: [2, 1]}",
            ),
            (
                "{{ {'a': [1]} | combine({'a': [2]}, list_merge='keep') }}",
                "{a: [1]}",
            ),
            ("{{ [d, {'c': 5}] | combine }}", "{a: 1, b: 2, c: 5}"),
            (
                "{{ d | dict2items }}",
                "[{key: a, value: 1}, {key: b, value: 2}]",
            ),
            (
                "{{ d | dict2items(key_name='k', value_name='v') }}",
                "[{k: a, v: 1}, {k: b, v: 2}]",
            ),
            ("{{ [{'key': 'a', 'value': 1}] | items2dict }}", "{a: 1}"),
            (
                "{{ users | items2dict(key_name='name', value_name='uid') }}",
                "{alice: 1, bob: 2}",
            ),
            (
                "{{ ['a', 'b'] | product([1, 2]) | list }}",
                "[[a, 1], [a, 2], [b, 1], [b, 2]]",
            ),
            ("{{ [1, 2, 2, 3] | unique }}", "[1, 2, 3]"),
            ("{{ [1, 2] | union([2, 3]) }}", "[1, 2, 3]"),
            ("{{ [1, 2, 3] | difference([2]) }}", "[1, 3]"),
            ("{{ [1, 2, 3] | intersect([2, 3, 4]) }}", "[2, 3]"),
            (
                "{{ [1, 2, 3] | symmetric_difference([2, 3, 4]) }}",
                "[1, 4]",
            ),
            ("{{ [1, [2, [3]], none] | flatten }}", "[1, 2, 3]"),
            ("{{ [1, [2, [3]]] | flatten(levels=1) }}", "[1, 2, [3]]"),
            ("{{ l | first }}", "3"),
            ("{{ l | last }}", "2"),
            ("{{ l | min }}", "1"),
            ("{{ l | max }}", "3"),
            ("{{ l | sum }}", "6"),
            ("{{ l | sort }}", "[1, 2, 3]"),
            ("{{ l | sort(reverse=true) }}", "[3, 2, 1]"),
            ("{{ l | length }}", "3"),
            ("{{ d | count }}", "2"),
            ("{{ l | join('-') }}", "3-1-2"),
            ("{{ {'b': 1, 'a': 2} | dictsort }}", "[[a, 2], [b, 1]]"),
            (
                "{{ {'b': 1, 'a': 2} | dictsort(false, 'value') }}",
                "[[b, 1], [a, 2]]",
            ),
            ("{{ users | map(attribute='name') | list }}", "[alice, bob]"),
            ("{{ ['a'] | map('upper') | list }}", "[A]"),
            (
                "{{ users | selectattr('admin') | map(attribute='name') | list }}",
                "[alice]",
            ),
            (
                "{{ users | rejectattr('admin') | map(attribute='name') | list }}",
                "[bob]",
            ),
            (
                "{{ users | selectattr('uid', 'equalto', 2) | map(attribute='name') | first }}",
                "bob",
            ),
            ("{{ [0, 1, ''] | select | list }}", "[1]"),
            ("{{ l | reject('equalto', 1) | list }}", "[3, 2]"),
            (
                "{{ [{'n': 'a', 'l': [1, 2]}] | subelements('l') | length }}",
                "2",
            ),
            (
                "{{ [1, 2] | zip_longest(['a']) | list }}",
                "[[1, a], [2, null]]",
            ),
            ("{{ 'x' | extract({'x': 1}) }}", "1"),
            ("{{ range(3) | list }}", "[0, 1, 2]"),
            ("{{ dict(a=1) }}", "{a: 1}"),
            ("{{ 2.567 | round(2) }}", "2.57"),
            ("{{ -3 | abs }}", "3"),
        ],
    );
}

#[test]
fn lookups() {
    let ctx = super::ctx_from_yaml("n: 5\nchain: '{{ n + 1 }}'\n");
    check_table(
        &ctx,
        &[
            ("{{ lookup('vars', 'chain') }}", "6"),
            ("{{ query('vars', 'n', 'chain') }}", "[5, 6]"),
            ("{{ lookup('env', 'ROLLER_SURELY_UNSET_VARIABLE') }}", "''"),
            (
                "{{ lookup('env', 'ROLLER_SURELY_UNSET_VARIABLE', default='d') }}",
                "d",
            ),
        ],
    );
    check_errors(
        &ctx,
        &["{{ lookup('vars', 'nope') }}", "{{ lookup('nope', 'x') }}"],
    );
}

#[test]
fn fqcn_names() {
    check_table(
        &standard_ctx(),
        &[
            ("{{ d | ansible.builtin.combine({'c': 3}) | length }}", "3"),
            ("{{ '2.1' is ansible.builtin.version('2.0', '>') }}", "true"),
        ],
    );
}
