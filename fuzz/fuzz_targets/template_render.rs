//! Any template renders or fails with an error: never a panic or a hang.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use roller::template::{Templar, VarContext};
use roller::vars::{Key, Map, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut vars = Map::new();
    vars.insert(Key::from("name"), Value::Str("broker1".into()));
    vars.insert(Key::from("port"), Value::Int(9092));
    vars.insert(Key::from("lazy"), Value::Str("{{ name }}:{{ port }}".into()));
    vars.insert(Key::from("loop"), Value::Str("{{ loop }}".into()));
    vars.insert(
        Key::from("hosts"),
        Value::List(vec![Value::Str("a".into()), Value::Str("b".into())]),
    );
    let ctx = VarContext { vars: Arc::new(vars), hostvars: None };
    let templar = Templar::new();
    let _ = templar.template(&Value::Str(text.to_string()), &ctx);
    let _ = templar.condition(text, &ctx);
});
