//! Host ranges (`broker[01:09].example.com`, `node[a:c]`, `x[0:10:2]`) as Ansible expands them.

use super::address::parse_address;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RangeError(pub String);

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// `expand_hostname_range`: expands the first `[...]`, then recurses for the rest.
pub fn expand_hostname_range(line: &str) -> Result<Vec<String>, RangeError> {
    let Some(open) = line.find('[') else {
        return Ok(vec![line.to_string()]);
    };
    let head = &line[..open];
    let rest = &line[open + 1..];
    // Python replaces the first '[' and the first ']' (anywhere) with '|' and splits on '|':
    // exactly three parts are required.
    let Some(close_rel) = line.find(']') else {
        return Err(RangeError(format!(
            "not enough values to unpack in host range {line:?}"
        )));
    };
    if close_rel < open {
        return Err(RangeError(format!("invalid host range {line:?}")));
    }
    let nrange = &rest[..close_rel - open - 1];
    let tail = &line[close_rel + 1..];
    if nrange.contains('|') || head.contains('|') || tail.contains('|') {
        return Err(RangeError(format!(
            "too many values to unpack in host range {line:?}"
        )));
    }
    let bounds: Vec<&str> = nrange.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err(RangeError(
            "host range must be begin:end or begin:end:step".into(),
        ));
    }
    let beg = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    let step = bounds.get(2).copied().unwrap_or("1");
    if end.is_empty() {
        return Err(RangeError("host range must specify end value".into()));
    }
    let width = if beg.starts_with('0') && beg.len() > 1 {
        if beg.len() != end.len() {
            return Err(RangeError(
                "host range must specify equal-length begin and end formats".into(),
            ));
        }
        Some(beg.len())
    } else {
        None
    };
    let step: i64 = parse_py_int(step)?;
    if step == 0 {
        return Err(RangeError("range() arg 3 must not be zero".into()));
    }
    let seq: Vec<String> = match (
        LETTERS.find(beg).filter(|_| beg.len() == 1),
        LETTERS.find(end).filter(|_| end.len() == 1),
    ) {
        (Some(ib), Some(ie)) => {
            if ib > ie {
                return Err(RangeError("host range must have begin <= end".into()));
            }
            let letters: Vec<char> = LETTERS.chars().collect();
            py_range(ib as i64, ie as i64 + 1, step)
                .into_iter()
                .map(|i| letters[i as usize].to_string())
                .collect()
        }
        _ => {
            let b = parse_py_int(beg)?;
            let e = parse_py_int(end)?;
            py_range(b, e + 1, step)
                .into_iter()
                .map(|i| i.to_string())
                .collect()
        }
    };
    let mut hosts = Vec::new();
    for item in seq {
        let item = match width {
            Some(w) => zfill(&item, w),
            None => item,
        };
        let name = format!("{head}{item}{tail}");
        if name.contains('[') {
            hosts.extend(expand_hostname_range(&name)?);
        } else {
            hosts.push(name);
        }
    }
    Ok(hosts)
}

fn zfill(s: &str, width: usize) -> String {
    let (sign, digits) = match s.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", s),
    };
    let pad = width.saturating_sub(s.len());
    format!("{sign}{}{digits}", "0".repeat(pad))
}

fn parse_py_int(s: &str) -> Result<i64, RangeError> {
    let t = s.trim();
    let cleaned: String = t.chars().filter(|c| *c != '_').collect();
    cleaned
        .parse::<i64>()
        .map_err(|_| RangeError(format!("invalid literal for int() with base 10: '{s}'")))
}

fn py_range(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut i = start;
    // Bounded: a typo like [1:99999999] must not eat the machine.
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i);
        if out.len() > 1_000_000 {
            break;
        }
        i += step;
    }
    out
}

/// `_expand_hostpattern`: one inventory host entry to host names and an optional port.
pub fn expand_hostpattern(pattern: &str) -> Result<(Vec<String>, Option<i64>), RangeError> {
    let (host, port) = match parse_address(pattern, true) {
        Ok((h, p)) => (h, p),
        Err(_) => (pattern.to_string(), None),
    };
    let names = if host.contains('[') {
        expand_hostname_range(&host)?
    } else {
        vec![host]
    };
    Ok((names, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_ansible() {
        assert_eq!(
            expand_hostname_range("b[01:03].x").unwrap(),
            vec!["b01.x", "b02.x", "b03.x"]
        );
        assert_eq!(
            expand_hostname_range("n[a:c]").unwrap(),
            vec!["na", "nb", "nc"]
        );
        assert_eq!(
            expand_hostname_range("h[0:6:3]").unwrap(),
            vec!["h0", "h3", "h6"]
        );
        assert_eq!(
            expand_hostname_range("r[1:2]-[a:b]").unwrap(),
            vec!["r1-a", "r1-b", "r2-a", "r2-b"]
        );
        assert!(expand_hostname_range("h[01:100]").is_err());
        assert_eq!(
            expand_hostpattern("db[1:2]:5432").unwrap(),
            (vec!["db1".into(), "db2".into()], Some(5432))
        );
    }
}
