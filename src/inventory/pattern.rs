//! Host patterns as `ansible-playbook` and `--limit` read them: `all`, `*`, groups, hosts,
//! `a:b`, `a,b`, `a:&b`, `a:!b`, globs, `~regex`, `group[0]`, `group[1:3]`, `group[-1]`,
//! and `@file` for limits.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::address::parse_address;
use super::model::{HostId, Inventory};

static SUBSCRIPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$").expect("static regex")
});
static PATTERN_PART: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:[^\s:\[\]]|\[[^\]]*\])+").expect("static regex"));

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(pub String);

/// `split_host_pattern`: commas always separate; colons separate unless the whole pattern
/// is one address (IPv6, `host:port`).
pub fn split_host_pattern(pattern: &str) -> Vec<String> {
    let parts: Vec<String> = if pattern.contains(',') {
        pattern.split(',').map(str::to_string).collect()
    } else if parse_address(pattern, true).is_ok() {
        vec![pattern.to_string()]
    } else {
        PATTERN_PART
            .find_iter(pattern)
            .map(|m| m.as_str().to_string())
            .collect()
    };
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Regular patterns first, then `&` intersections, then `!` exclusions.
fn order_patterns(patterns: &[String]) -> Vec<String> {
    let mut regular = Vec::new();
    let mut inter = Vec::new();
    let mut excl = Vec::new();
    for p in patterns.iter().filter(|p| !p.is_empty()) {
        if p.starts_with('!') {
            excl.push(p.clone());
        } else if p.starts_with('&') {
            inter.push(p.clone());
        } else {
            regular.push(p.clone());
        }
    }
    if regular.is_empty() {
        regular.push("all".into());
    }
    regular.into_iter().chain(inter).chain(excl).collect()
}

/// Translate a shell glob (`fnmatch.translate`) into an anchored regex.
pub fn glob_to_regex(glob: &str) -> String {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = String::from("^(?s:");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => {
                while i < chars.len() && chars[i] == '*' {
                    i += 1;
                }
                out.push_str(".*");
            }
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str("\\[");
                } else {
                    let body: String = chars[i..j].iter().collect();
                    i = j + 1;
                    let (neg, body) = match body.strip_prefix('!') {
                        Some(b) => (true, b.to_string()),
                        None => (false, body),
                    };
                    let escaped: String = body
                        .chars()
                        .map(|c| match c {
                            '\\' | '[' | '&' | '~' | '|' => format!("\\{c}"),
                            c => c.to_string(),
                        })
                        .collect();
                    if escaped.is_empty() {
                        // `[!]` matches any character, `[]` nothing, as in Python.
                        out.push_str(if neg { "." } else { "[^\\s\\S]" });
                    } else {
                        out.push('[');
                        if neg {
                            out.push('^');
                        }
                        out.push_str(&escaped);
                        out.push(']');
                    }
                }
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push_str(")$");
    out
}

/// Hosts selected by patterns, with `--limit` applied.
pub struct Selector<'a> {
    inv: &'a Inventory,
    subset: Option<Vec<String>>,
    pub warnings: Vec<String>,
}

impl<'a> Selector<'a> {
    pub fn new(inv: &'a Inventory) -> Self {
        Selector {
            inv,
            subset: None,
            warnings: Vec::new(),
        }
    }

    /// `InventoryManager.subset`: `--limit`, where `@file` reads one pattern per line.
    pub fn set_limit(&mut self, limit: Option<&str>) -> Result<(), PatternError> {
        let Some(limit) = limit else {
            self.subset = None;
            return Ok(());
        };
        let mut results = Vec::new();
        for x in split_host_pattern(limit) {
            if let Some(file) = x.strip_prefix('@') {
                let path = std::path::Path::new(file);
                if !path.exists() {
                    return Err(PatternError(format!("Unable to find limit file {file}")));
                }
                if !path.is_file() {
                    return Err(PatternError(format!(
                        "Limit starting with \"@\" must be a file, not a directory: {file}"
                    )));
                }
                let text = std::fs::read_to_string(path)
                    .map_err(|e| PatternError(format!("Unable to read limit file {file}: {e}")))?;
                results.extend(text.split('\n').map(|l| l.trim().to_string()));
            } else {
                results.push(x);
            }
        }
        self.subset = Some(results);
        Ok(())
    }

    /// `InventoryManager.get_hosts(pattern)`.
    pub fn hosts(&mut self, pattern: &str) -> Result<Vec<HostId>, PatternError> {
        self.hosts_for(&split_host_pattern(pattern), true)
    }

    /// Like `hosts`, ignoring `--limit` (as `--host` and `--graph` do).
    pub fn hosts_ignoring_limit(&mut self, pattern: &str) -> Result<Vec<HostId>, PatternError> {
        self.hosts_for(&split_host_pattern(pattern), false)
    }

    fn hosts_for(
        &mut self,
        patterns: &[String],
        apply_limit: bool,
    ) -> Result<Vec<HostId>, PatternError> {
        let mut hosts = self.evaluate(patterns)?;
        if apply_limit && let Some(subset) = self.subset.clone() {
            let allowed: HashSet<HostId> = self.evaluate(&subset)?.into_iter().collect();
            hosts.retain(|h| allowed.contains(h));
        }
        let mut seen = HashSet::new();
        hosts.retain(|h| seen.insert(*h));
        Ok(hosts)
    }

    fn evaluate(&mut self, patterns: &[String]) -> Result<Vec<HostId>, PatternError> {
        let mut hosts: Vec<HostId> = Vec::new();
        for p in order_patterns(patterns) {
            if let Some(h) = self.inv.host_id(&p) {
                hosts.push(h);
                continue;
            }
            let that = self.match_one(&p)?;
            if p.starts_with('!') {
                let that: HashSet<HostId> = that.into_iter().collect();
                hosts.retain(|h| !that.contains(h));
            } else if p.starts_with('&') {
                let that: HashSet<HostId> = that.into_iter().collect();
                hosts.retain(|h| that.contains(h));
            } else {
                let existing: HashSet<HostId> = hosts.iter().copied().collect();
                hosts.extend(that.into_iter().filter(|h| !existing.contains(h)));
            }
        }
        Ok(hosts)
    }

    fn match_one(&mut self, pattern: &str) -> Result<Vec<HostId>, PatternError> {
        let pattern = pattern.strip_prefix(['&', '!']).unwrap_or(pattern);
        let (expr, subscript) = split_subscript(pattern);
        let hosts = self.enumerate(&expr)?;
        apply_subscript(hosts, subscript).ok_or_else(|| {
            PatternError(format!(
                "No hosts matched the subscripted pattern '{pattern}'"
            ))
        })
    }

    fn enumerate(&mut self, pattern: &str) -> Result<Vec<HostId>, PatternError> {
        let matcher = Matcher::new(pattern)?;
        let mut results = Vec::new();
        let groups: Vec<&str> = self
            .inv
            .group_names()
            .filter(|g| matcher.is_match(g))
            .collect();
        for g in &groups {
            if let Some(id) = self.inv.group_id(g) {
                results.extend(self.inv.group_hosts(id));
            }
        }
        let special = pattern.starts_with('~') || pattern.contains(['.', '?', '*', '[']);
        if groups.is_empty() || special {
            for h in self.inv.host_ids() {
                if matcher.is_match(&self.inv.host(h).name) {
                    results.push(h);
                }
            }
        }
        if results.is_empty() && groups.is_empty() && pattern != "all" {
            self.warnings.push(format!(
                "Could not match supplied host pattern, ignoring: {pattern}"
            ));
        }
        Ok(results)
    }
}

enum Matcher {
    Regex(Regex),
}

impl Matcher {
    fn new(pattern: &str) -> Result<Self, PatternError> {
        let re = match pattern.strip_prefix('~') {
            // Python's re.match anchors at the start only.
            Some(r) => format!("^(?:{r})"),
            None => glob_to_regex(pattern),
        };
        Regex::new(&re)
            .map(Matcher::Regex)
            .map_err(|_| PatternError(format!("Invalid host list pattern: {pattern}")))
    }

    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Regex(r) => r.is_match(s),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subscript {
    Index(i64),
    Range(i64, i64),
}

fn split_subscript(pattern: &str) -> (String, Option<Subscript>) {
    if pattern.starts_with('~') {
        return (pattern.to_string(), None);
    }
    let Some(c) = SUBSCRIPT.captures(pattern) else {
        return (pattern.to_string(), None);
    };
    let expr = c[1].to_string();
    if let Some(idx) = c.get(2) {
        return (expr, idx.as_str().parse().ok().map(Subscript::Index));
    }
    let start: i64 = c[3].parse().unwrap_or(0);
    let end: i64 = if c[5].is_empty() {
        -1
    } else {
        c[5].parse().unwrap_or(-1)
    };
    (expr, Some(Subscript::Range(start, end)))
}

/// Python list indexing and slicing (`hosts[i]`, `hosts[start:end+1]`); `None` is IndexError.
fn apply_subscript(hosts: Vec<HostId>, subscript: Option<Subscript>) -> Option<Vec<HostId>> {
    let Some(sub) = subscript else {
        return Some(hosts);
    };
    if hosts.is_empty() {
        return Some(hosts);
    }
    let len = hosts.len() as i64;
    let index = |i: i64| -> Option<HostId> {
        let i = if i < 0 { len + i } else { i };
        (0..len).contains(&i).then(|| hosts[i as usize])
    };
    match sub {
        Subscript::Index(i) => index(i).map(|h| vec![h]),
        // `if end:` in Python: an end of 0 means a single index.
        Subscript::Range(start, 0) => index(start).map(|h| vec![h]),
        Subscript::Range(start, end) => {
            let end = if end == -1 { len - 1 } else { end };
            let clamp = |i: i64| -> usize {
                if i < 0 {
                    (len + i).max(0) as usize
                } else {
                    i.min(len) as usize
                }
            };
            let (s, e) = (clamp(start), clamp(end + 1));
            Some(if s < e {
                hosts[s..e].to_vec()
            } else {
                Vec::new()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_patterns() {
        assert_eq!(split_host_pattern("a:b:&c:!d"), vec!["a", "b", "&c", "!d"]);
        assert_eq!(split_host_pattern("a, b[1:2] ,c"), vec!["a", "b[1:2]", "c"]);
        assert_eq!(split_host_pattern("fe80::1"), vec!["fe80::1"]);
        assert_eq!(split_host_pattern("web[1:3]"), vec!["web[1:3]"]);
    }

    #[test]
    fn globs() {
        let r = Regex::new(&glob_to_regex("web*.ex[!a]")).unwrap();
        assert!(r.is_match("web1.exb"));
        assert!(!r.is_match("web1.exa"));
    }
}
