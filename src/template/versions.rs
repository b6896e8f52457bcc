//! Version comparison for the `version` test: distutils' LooseVersion (Ansible's
//! default), StrictVersion, and semantic versions.

use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionType {
    Loose,
    Strict,
    Semver,
}

pub(crate) fn compare_versions(a: &str, b: &str, kind: VersionType) -> Result<Ordering, String> {
    Ok(match kind {
        VersionType::Loose => loose_parts(a).cmp(&loose_parts(b)),
        VersionType::Strict => strict(a)?.cmp(&strict(b)?),
        VersionType::Semver => compare_semver(&semver(a)?, &semver(b)?),
    })
}

/// One component of a LooseVersion: numbers compare as numbers, the rest as text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Num(u64),
    Text(String),
}

impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Part {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Part::Num(a), Part::Num(b)) => a.cmp(b),
            (Part::Text(a), Part::Text(b)) => a.cmp(b),
            // Python 3 cannot compare int with str; Ansible then errors. Order numbers first.
            (Part::Num(_), Part::Text(_)) => Ordering::Less,
            (Part::Text(_), Part::Num(_)) => Ordering::Greater,
        }
    }
}

/// distutils' LooseVersion split: runs of digits, runs of letters, and other characters;
/// dots dropped.
fn loose_parts(v: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut chars = v.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(d);
                chars.next();
            }
            parts.push(n.parse().map(Part::Num).unwrap_or(Part::Text(n)));
        } else if c.is_ascii_alphabetic() {
            let mut t = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_alphabetic()) {
                t.push(d);
                chars.next();
            }
            parts.push(Part::Text(t));
        } else {
            chars.next();
            if c != '.' {
                parts.push(Part::Text(c.to_string()));
            }
        }
    }
    parts
}

/// StrictVersion: `N.N[.N][(a|b)N]`; a pre-release sorts before the release.
fn strict(v: &str) -> Result<(Vec<u64>, (u8, u64)), String> {
    let invalid = || format!("invalid version number '{v}'");
    let split = v.find(['a', 'b']).unwrap_or(v.len());
    let (numbers, pre) = v.split_at(split);
    let parts: Vec<u64> = numbers
        .split('.')
        .map(|p| p.parse::<u64>().map_err(|_| invalid()))
        .collect::<Result<_, _>>()?;
    if !(2..=3).contains(&parts.len()) {
        return Err(invalid());
    }
    let mut padded = parts;
    padded.resize(3, 0);
    let pre = match pre.chars().next() {
        None => (2, 0),
        Some(tag) => {
            let n = pre[1..].parse::<u64>().map_err(|_| invalid())?;
            (if tag == 'a' { 0 } else { 1 }, n)
        }
    };
    Ok((padded, pre))
}

struct Semver {
    core: [u64; 3],
    pre: Vec<String>,
}

fn semver(v: &str) -> Result<Semver, String> {
    let invalid = || format!("invalid semantic version '{v}'");
    let v = v.split('+').next().unwrap_or(v);
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) => (c, p.split('.').map(str::to_string).collect()),
        None => (v, Vec::new()),
    };
    let nums: Vec<u64> = core
        .split('.')
        .map(|p| p.parse::<u64>().map_err(|_| invalid()))
        .collect::<Result<_, _>>()?;
    let [major, minor, patch] = nums[..] else {
        return Err(invalid());
    };
    Ok(Semver {
        core: [major, minor, patch],
        pre,
    })
}

/// Semantic Versioning 2.0 precedence: a pre-release sorts before its release;
/// numeric identifiers compare as numbers and before alphanumeric ones.
fn compare_semver(a: &Semver, b: &Semver) -> Ordering {
    a.core
        .cmp(&b.core)
        .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (x, y) in a.pre.iter().zip(&b.pre) {
                    let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                        (Ok(m), Ok(n)) => m.cmp(&n),
                        (Ok(_), Err(_)) => Ordering::Less,
                        (Err(_), Ok(_)) => Ordering::Greater,
                        (Err(_), Err(_)) => x.cmp(y),
                    };
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                a.pre.len().cmp(&b.pre.len())
            }
        })
}
