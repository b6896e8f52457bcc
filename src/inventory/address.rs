//! `parse_address`: split `host:port` / `[v6]:port` and check that the host looks like a
//! hostname or an IP address (ranges such as `web[01:10]` allowed where asked).

use std::sync::LazyLock;

use regex::Regex;

const NUMERIC_RANGE: &str = r"\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]";
const HEX_RANGE: &str = r"\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]";
const ALNUM_RANGE: &str = r"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]";

static BRACKETED_HOSTPORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[(.+)\]:([0-9]+)$").expect("static regex"));
static HOSTPORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$").expect("static regex"));
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    let c = format!(r"(?:[01]?[0-9]{{1,2}}|2[0-4][0-9]|25[0-5]|{NUMERIC_RANGE})");
    Regex::new(&format!(r"(?i)^(?:{c}\.){{3}}{c}$")).expect("static regex")
});
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    let c = format!(r"(?:[0-9a-f]{{1,4}}|{HEX_RANGE})");
    let alts = [
        format!(r"(?:{c}:){{7}}{c}"),
        format!(r"(?:{c}:){{1,6}}:"),
        format!(r"(?:{c}:)(?::{c}){{1,6}}"),
        format!(r"(?:{c}:){{2}}(?::{c}){{1,5}}"),
        format!(r"(?:{c}:){{3}}(?::{c}){{1,4}}"),
        format!(r"(?:{c}:){{4}}(?::{c}){{1,3}}"),
        format!(r"(?:{c}:){{5}}(?::{c}){{1,2}}"),
        format!(r"(?:{c}:){{6}}(?::{c})"),
        format!(r":(?::{c}){{1,6}}"),
        format!(r"{c}?::"),
        format!(r"(?:0:){{6}}(?:{c}\.){{3}}{c}"),
        format!(r"::(?:ffff:)?(?:{c}\.){{3}}{c}"),
        format!(r"(?:0:){{5}}ffff:(?:{c}\.){{3}}{c}"),
    ];
    Regex::new(&format!(r"(?i)^(?:{})$", alts.join("|"))).expect("static regex")
});
/// One hostname label. Python's pattern also forbids a label ending in `_` or `-` with a
/// look-behind, which Rust's regex lacks: `is_hostname` checks that separately.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^(?:\w|{ALNUM_RANGE})(?:[\w_-]|{ALNUM_RANGE})*$"
    ))
    .expect("static regex")
});

fn is_hostname(s: &str) -> bool {
    // Ranges never contain dots, so labels split cleanly on '.'.
    s.split('.')
        .all(|label| LABEL.is_match(label) && !label.ends_with(['_', '-']))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    NotAHost(String),
    RangeNotAllowed,
}

/// Returns the host and an optional port.
pub fn parse_address(
    address: &str,
    allow_ranges: bool,
) -> Result<(String, Option<i64>), AddressError> {
    let mut address = address.to_string();
    let mut port = None;
    for pattern in [&*BRACKETED_HOSTPORT, &*HOSTPORT] {
        if let Some(caps) = pattern.captures(&address) {
            let host = caps[1].to_string();
            // Ports longer than i64 are not ports; Python would accept them, no one uses them.
            port = caps[2].parse::<i64>().ok();
            address = host;
        }
    }
    let host_ok = IPV4.is_match(&address) || IPV6.is_match(&address) || is_hostname(&address);
    if !host_ok {
        return Err(AddressError::NotAHost(address));
    }
    if !allow_ranges && address.contains('[') {
        return Err(AddressError::RangeNotAllowed);
    }
    Ok((address, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_ports() {
        assert_eq!(
            parse_address("web1:2222", true),
            Ok(("web1".into(), Some(2222)))
        );
        assert_eq!(
            parse_address("[::1]:22", true),
            Ok(("::1".into(), Some(22)))
        );
        assert_eq!(parse_address("fe80::1", true), Ok(("fe80::1".into(), None)));
        assert_eq!(
            parse_address("b[01:03].ex.com", true),
            Ok(("b[01:03].ex.com".into(), None))
        );
        assert!(parse_address("bad_", true).is_err());
        assert!(parse_address("a b", true).is_err());
    }
}
