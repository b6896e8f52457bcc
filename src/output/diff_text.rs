//! Unified diffs for `--diff`, from a module's `diff` result (`before`/`after` texts with
//! their headers), as Ansible's callback renders them.

use crate::vars::{Key, Value};

fn text(m: &crate::vars::Map, key: &str) -> Option<String> {
    m.get(&Key::from(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

pub fn render(diff: &Value) -> String {
    let entries: Vec<&crate::vars::Map> = match diff {
        Value::Map(m) => vec![m],
        Value::List(items) => items.iter().filter_map(Value::as_map).collect(),
        _ => Vec::new(),
    };
    let mut out = String::new();
    for d in entries {
        let (Some(before), Some(after)) = (text(d, "before"), text(d, "after")) else {
            continue;
        };
        if before == after {
            continue;
        }
        let bh = text(d, "before_header").unwrap_or_else(|| "before".into());
        let ah = text(d, "after_header").unwrap_or_else(|| "after".into());
        out.push_str(&format!("--- before: {bh}\n+++ after: {ah}\n"));
        out.push_str(&unified(&before, &after));
    }
    out
}

/// A minimal unified diff (one hunk covering the changed region, 3 lines of context).
fn unified(a: &str, b: &str) -> String {
    let al: Vec<&str> = a.lines().collect();
    let bl: Vec<&str> = b.lines().collect();
    let prefix = al.iter().zip(&bl).take_while(|(x, y)| x == y).count();
    let suffix = al[prefix..]
        .iter()
        .rev()
        .zip(bl[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let start = prefix.saturating_sub(3);
    let a_end = (al.len() - suffix + 3).min(al.len());
    let b_end = (bl.len() - suffix + 3).min(bl.len());
    let mut out = format!(
        "@@ -{},{} +{},{} @@\n",
        start + 1,
        a_end - start,
        start + 1,
        b_end - start
    );
    for l in &al[start..prefix] {
        out.push_str(&format!(" {l}\n"));
    }
    for l in &al[prefix..al.len() - suffix] {
        out.push_str(&format!("-{l}\n"));
    }
    for l in &bl[prefix..bl.len() - suffix] {
        out.push_str(&format!("+{l}\n"));
    }
    for l in &al[al.len() - suffix..a_end] {
        out.push_str(&format!(" {l}\n"));
    }
    out
}
