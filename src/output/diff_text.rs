//! `--diff` output: a module's `diff` result (`before`/`after` texts or structures, with
//! optional headers, or a `prepared` text) as Ansible's callback renders it with Python's
//! `difflib.unified_diff` (three lines of context).

use crate::vars::{Key, Map, Value};

fn get<'a>(m: &'a Map, key: &str) -> Option<&'a Value> {
    m.get(&Key::from(key))
}

/// Texts as they are, structures as indented JSON (Ansible's `_serialize_diff`), None as
/// nothing.
fn side(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::Str(s)) | Some(Value::Unsafe(s)) => s.clone(),
        Some(other @ (Value::Map(_) | Value::List(_))) => {
            super::json::to_python_json(other, super::json::UnsafeStrings::Plain) + "\n"
        }
        Some(other) => crate::output::python_repr::python_str(other),
    }
}

/// Lines with their endings; a last line without one is marked as diff does.
fn lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if let Some(last) = out.last_mut()
        && !last.ends_with('\n')
    {
        last.push_str("\n\\ No newline at end of file\n");
    }
    out
}

pub fn render(diff: &Value) -> String {
    let entries: Vec<&Map> = match diff {
        Value::Map(m) => vec![m],
        Value::List(items) => items.iter().filter_map(Value::as_map).collect(),
        _ => Vec::new(),
    };
    let mut out = String::new();
    for d in entries {
        for (key, text) in [
            (
                "dst_binary",
                "diff skipped: destination file appears to be binary\n",
            ),
            (
                "src_binary",
                "diff skipped: source file appears to be binary\n",
            ),
        ] {
            if d.contains_key(&Key::from(key)) {
                out.push_str(text);
            }
        }
        if d.contains_key(&Key::from("before")) && d.contains_key(&Key::from("after")) {
            let header = |k: &str, plain: &str| match get(d, k) {
                Some(h) => format!("{plain}: {}", crate::output::python_repr::python_str(h)),
                None => plain.to_string(),
            };
            let a = lines(&side(get(d, "before")));
            let b = lines(&side(get(d, "after")));
            let text = unified(
                &a,
                &b,
                &header("before_header", "before"),
                &header("after_header", "after"),
                3,
            );
            if !text.is_empty() {
                out.push_str(&text);
                out.push('\n');
            }
        }
        if let Some(p) = get(d, "prepared") {
            out.push_str(&crate::output::python_repr::python_str(p));
        }
    }
    out
}

/// One difflib opcode: what to do with `a[i1..i2]` to get `b[j1..j2]`.
type Op = (Tag, usize, usize, usize, usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Equal,
    Replace,
    Delete,
    Insert,
}

/// (tag, a_start, a_end, b_start, b_end) from a longest-common-subsequence alignment.
fn opcodes(a: &[String], b: &[String]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    // Suffix LCS lengths; inputs are config files, so the quadratic table is small.
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs.push((n, m));
    let mut ops = Vec::new();
    let (mut ai, mut bj) = (0, 0);
    let mut k = 0;
    while k < pairs.len() {
        let (pi, pj) = pairs[k];
        let tag = match (ai < pi, bj < pj) {
            (true, true) => Some(Tag::Replace),
            (true, false) => Some(Tag::Delete),
            (false, true) => Some(Tag::Insert),
            _ => None,
        };
        if let Some(t) = tag {
            ops.push((t, ai, pi, bj, pj));
        }
        if pi == n && pj == m {
            break;
        }
        // A run of matching lines.
        let (si, sj) = (pi, pj);
        let mut len = 0;
        while k < pairs.len() - 1 && pairs[k] == (si + len, sj + len) {
            len += 1;
            k += 1;
        }
        ops.push((Tag::Equal, si, si + len, sj, sj + len));
        ai = si + len;
        bj = sj + len;
    }
    ops
}

/// difflib's `get_grouped_opcodes`: hunks with `n` lines of context.
fn grouped(ops: Vec<Op>, n: usize) -> Vec<Vec<Op>> {
    let mut codes = ops;
    if codes.is_empty() {
        codes.push((Tag::Equal, 0, 1, 0, 1));
    }
    if let Some(first) = codes.first_mut()
        && first.0 == Tag::Equal
    {
        let (_, i1, i2, j1, j2) = *first;
        *first = (
            Tag::Equal,
            i1.max(i2.saturating_sub(n)),
            i2,
            j1.max(j2.saturating_sub(n)),
            j2,
        );
    }
    if let Some(last) = codes.last_mut()
        && last.0 == Tag::Equal
    {
        let (_, i1, i2, j1, j2) = *last;
        *last = (Tag::Equal, i1, i2.min(i1 + n), j1, j2.min(j1 + n));
    }
    let nn = n + n;
    let mut groups = Vec::new();
    let mut group = Vec::new();
    for (tag, i1, i2, j1, j2) in codes {
        let (mut i1, mut j1) = (i1, j1);
        if tag == Tag::Equal && i2 - i1 > nn {
            group.push((tag, i1, i2.min(i1 + n), j1, j2.min(j1 + n)));
            groups.push(std::mem::take(&mut group));
            i1 = i1.max(i2.saturating_sub(n));
            j1 = j1.max(j2.saturating_sub(n));
        }
        group.push((tag, i1, i2, j1, j2));
    }
    let only_context = group.len() == 1 && group[0].0 == Tag::Equal;
    if !group.is_empty() && !only_context {
        groups.push(group);
    }
    groups
}

/// Python's `_format_range_unified`.
fn range(start: usize, stop: usize) -> String {
    let mut beginning = start + 1;
    let length = stop - start;
    if length == 1 {
        return beginning.to_string();
    }
    if length == 0 {
        beginning -= 1;
    }
    format!("{beginning},{length}")
}

fn unified(a: &[String], b: &[String], from: &str, to: &str, n: usize) -> String {
    let groups = grouped(opcodes(a, b), n);
    let mut out = String::new();
    for (gi, group) in groups.iter().enumerate() {
        if gi == 0 {
            out.push_str(&format!("--- {from}\n+++ {to}\n"));
        }
        let (first, last) = (group[0], group[group.len() - 1]);
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(first.1, last.2),
            range(first.3, last.4)
        ));
        for &(tag, i1, i2, j1, j2) in group {
            if tag == Tag::Equal {
                for l in &a[i1..i2] {
                    out.push(' ');
                    out.push_str(l);
                }
                continue;
            }
            if matches!(tag, Tag::Replace | Tag::Delete) {
                for l in &a[i1..i2] {
                    out.push('-');
                    out.push_str(l);
                }
            }
            if matches!(tag, Tag::Replace | Tag::Insert) {
                for l in &b[j1..j2] {
                    out.push('+');
                    out.push_str(l);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(before: &str, after: &str) -> String {
        let mut m = Map::new();
        m.insert("before".into(), Value::Str(before.into()));
        m.insert("after".into(), Value::Str(after.into()));
        render(&Value::Map(m))
    }

    #[test]
    fn one_changed_line_with_context() {
        let d = diff("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nD\ne\nf\ng\n");
        assert_eq!(
            d,
            "--- before\n+++ after\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n\n"
        );
    }

    #[test]
    fn single_line_ranges_and_missing_newline() {
        let d = diff("x", "y\n");
        assert_eq!(
            d,
            "--- before\n+++ after\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+y\n\n"
        );
    }

    #[test]
    fn far_apart_changes_make_two_hunks() {
        let a: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let b = a.replace("2\n", "two\n").replace("19\n", "nineteen\n");
        let d = diff(&a, &b);
        assert_eq!(d.matches("@@ ").count(), 2, "{d}");
    }
}
