//! `serial`: split a play's hosts into batches, as Ansible's PlaybookExecutor does.

use crate::vars::Value;

/// Ansible's `pct_to_int`: "30%" of `total`, rounded down, at least 1; numbers as they are.
fn batch_size(value: &Value, total: usize) -> Result<i64, String> {
    match value {
        Value::Str(s) if s.trim_end().ends_with('%') => {
            let pct: f64 = s
                .trim()
                .trim_end_matches('%')
                .trim()
                .parse()
                .map_err(|_| format!("invalid serial value {s:?}"))?;
            let n = ((pct.trunc() / 100.0) * total as f64) as i64;
            Ok(if n == 0 { 1 } else { n })
        }
        Value::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("invalid serial value {s:?}")),
        Value::Int(i) => Ok(*i),
        Value::Float(f) => Ok(*f as i64),
        Value::Null => Ok(-1),
        other => Err(format!(
            "invalid serial value {}",
            crate::output::python_repr::repr(other)
        )),
    }
}

/// The batches of `hosts` for a play's (templated) `serial` value.
pub fn serial_batches<T: Clone>(
    hosts: &[T],
    serial: Option<&Value>,
) -> Result<Vec<Vec<T>>, String> {
    let list: Vec<Value> = match serial {
        None | Some(Value::Null) => vec![Value::Int(-1)],
        Some(Value::List(items)) if items.is_empty() => vec![Value::Int(-1)],
        Some(Value::List(items)) => items.clone(),
        Some(v) => vec![v.clone()],
    };
    let total = hosts.len();
    let mut remaining: std::collections::VecDeque<T> = hosts.iter().cloned().collect();
    let mut batches = Vec::new();
    let mut cur = 0;
    while !remaining.is_empty() {
        let size = batch_size(&list[cur], total)?;
        if size <= 0 {
            batches.push(remaining.drain(..).collect());
            break;
        }
        let take = (size as usize).min(remaining.len());
        batches.push(remaining.drain(..take).collect());
        cur = (cur + 1).min(list.len() - 1);
    }
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(n: usize, serial: Value) -> Vec<usize> {
        let hosts: Vec<usize> = (0..n).collect();
        serial_batches(&hosts, Some(&serial))
            .unwrap()
            .iter()
            .map(Vec::len)
            .collect()
    }

    #[test]
    fn percentages_round_down_but_never_to_zero() {
        assert_eq!(sizes(10, Value::Str("30%".into())), vec![3, 3, 3, 1]);
        assert_eq!(sizes(3, Value::Str("10%".into())), vec![1, 1, 1]);
    }

    #[test]
    fn lists_repeat_their_last_value() {
        let serial = Value::List(vec![Value::Int(1), Value::Str("50%".into())]);
        assert_eq!(sizes(7, serial), vec![1, 3, 3]);
        assert_eq!(sizes(4, Value::Int(0)), vec![4]);
    }
}
