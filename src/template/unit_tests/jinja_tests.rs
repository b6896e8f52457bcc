use super::{check_table, ctx_from_yaml, standard_ctx};

#[test]
fn type_tests() {
    check_table(
        &standard_ctx(),
        &[
            ("{{ n is number }}", "true"),
            ("{{ n is integer }}", "true"),
            ("{{ 1.5 is float }}", "true"),
            ("{{ s is string }}", "true"),
            ("{{ s is sequence }}", "true"),
            ("{{ l is sequence }}", "true"),
            ("{{ d is mapping }}", "true"),
            ("{{ true is boolean }}", "true"),
            ("{{ none is none }}", "true"),
            ("{{ n is defined }}", "true"),
            ("{{ nope is undefined }}", "true"),
            ("{{ d.nope is defined }}", "false"),
            ("{{ 'yes' is truthy }}", "true"),
            ("{{ 0 is falsy }}", "true"),
            ("{{ 2 is in l }}", "true"),
            ("{{ 'a' is in d }}", "true"),
        ],
    );
}

#[test]
fn result_tests() {
    let ctx = ctx_from_yaml(
        "ok: {changed: false, failed: false}\nbad: {failed: true}\nchg: {changed: true}\nskip: {skipped: true}\n",
    );
    check_table(
        &ctx,
        &[
            ("{{ ok is success }}", "true"),
            ("{{ ok is succeeded }}", "true"),
            ("{{ bad is failed }}", "true"),
            ("{{ bad is success }}", "false"),
            ("{{ chg is changed }}", "true"),
            ("{{ ok is changed }}", "false"),
            ("{{ skip is skipped }}", "true"),
        ],
    );
}

#[test]
fn regex_tests() {
    check_table(
        &standard_ctx(),
        &[
            ("{{ host is match('kafka') }}", "true"),
            ("{{ host is match('example') }}", "false"),
            ("{{ host is search('example') }}", "true"),
            ("{{ host is regex('^k.*com$') }}", "true"),
            ("{{ 'ABC' is search('b', ignorecase=true) }}", "true"),
        ],
    );
}

#[test]
fn version_tests() {
    check_table(
        &ctx_from_yaml("v: 2.8.1\n"),
        &[
            ("{{ v is version('2.8.0', '>') }}", "true"),
            ("{{ v is version('2.10', 'lt') }}", "true"),
            ("{{ v is version('2.8.1', '==') }}", "true"),
            ("{{ v is version('2.8.1', 'eq') }}", "true"),
            ("{{ v is version('2.8', 'ge') }}", "true"),
            ("{{ v is version('2.8.1', '!=') }}", "false"),
            ("{{ v is version_compare('3.0', '>=') }}", "false"),
            ("{{ '1.0.0-beta' is version('1.0.0', '<') }}", "false"),
            ("{{ v is version('2.8.1') }}", "true"),
        ],
    );
}
