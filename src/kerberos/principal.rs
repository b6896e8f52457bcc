//! A principal as the KDC holds it, from `kadmin`'s `getprinc -terse` line: tab-separated
//! fields in kadmin's fixed order (name, expiration, last password change, password
//! expiration, max life, modified by, modified at, attributes, kvno, master kvno, policy,
//! max renewable life, last success, last failure, failure count, number of keys), then
//! four fields per key: key data version, kvno, enctype, salt type.

use std::collections::BTreeSet;

/// One key the KDC holds for a principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyInfo {
    pub kvno: u32,
    pub enctype: u16,
    pub salt_type: i32,
}

/// What `getprinc -terse` says about a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalInfo {
    pub name: String,
    /// The principal's current key version.
    pub kvno: u32,
    pub attributes: u32,
    pub policy: Option<String>,
    pub keys: Vec<KeyInfo>,
}

impl PrincipalInfo {
    /// The enctypes of the current key version.
    pub fn enctypes(&self) -> BTreeSet<u16> {
        self.keys
            .iter()
            .filter(|k| k.kvno == self.kvno)
            .map(|k| k.enctype)
            .collect()
    }

    /// The key versions the KDC holds (the current one and any kept with `-keepold`).
    pub fn kvnos(&self) -> BTreeSet<u32> {
        self.keys.iter().map(|k| k.kvno).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerseError {
    #[error("no getprinc -terse line in kadmin's output")]
    Missing,
    #[error("getprinc -terse line has {0} fields, expected 16 plus 4 per key")]
    FieldCount(usize),
    #[error("getprinc -terse field {index} ({what}) is not a number: {value:?}")]
    NotANumber {
        index: usize,
        what: &'static str,
        value: String,
    },
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

fn number<T: std::str::FromStr>(
    fields: &[&str],
    index: usize,
    what: &'static str,
) -> Result<T, TerseError> {
    let value = fields.get(index).copied().unwrap_or_default();
    value.trim().parse().map_err(|_| TerseError::NotANumber {
        index,
        what,
        value: value.to_string(),
    })
}

/// Parse kadmin's stdout for `getprinc -terse`: the first line that starts with a quoted
/// name (kadmin prints `Authenticating as principal ...` first).
pub fn parse_terse(stdout: &str) -> Result<PrincipalInfo, TerseError> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with('"') && l.contains('\t'))
        .ok_or(TerseError::Missing)?;
    let fields: Vec<&str> = line.trim_end_matches(['\r', '\n']).split('\t').collect();
    if fields.len() < 16 {
        return Err(TerseError::FieldCount(fields.len()));
    }
    let n_keys: usize = number(&fields, 15, "number of keys")?;
    if fields.len() != 16 + 4 * n_keys {
        return Err(TerseError::FieldCount(fields.len()));
    }
    let mut keys = Vec::with_capacity(n_keys);
    for k in 0..n_keys {
        let at = 16 + 4 * k;
        keys.push(KeyInfo {
            kvno: number(&fields, at + 1, "key kvno")?,
            enctype: number(&fields, at + 2, "key enctype")?,
            salt_type: number(&fields, at + 3, "key salt type")?,
        });
    }
    let policy = unquote(fields[10]);
    Ok(PrincipalInfo {
        name: unquote(fields[0]).to_string(),
        kvno: number(&fields, 8, "kvno")?,
        attributes: number(&fields, 7, "attributes")?,
        policy: (policy != "[none]").then(|| policy.to_string()),
        keys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real kadmin.local output (MIT krb5 1.21, Debian).
    const TERSE: &str = "Authenticating as principal root/admin@FIXTURE.TEST with password.\n\
        \"kafka/broker1.fixture.test@FIXTURE.TEST\"\t0\t1795696823\t0\t86400\t\
        \"root/admin@FIXTURE.TEST\"\t1795696823\t0\t301\t1\t\"[none]\"\t0\t0\t0\t0\t4\t\
        1\t301\t18\t0\t1\t301\t17\t0\t1\t300\t18\t0\t1\t300\t17\t0\n";

    #[test]
    fn parses_kvno_and_keys() {
        let p = parse_terse(TERSE).unwrap();
        assert_eq!(p.name, "kafka/broker1.fixture.test@FIXTURE.TEST");
        assert_eq!(p.kvno, 301);
        assert_eq!(p.policy, None);
        assert_eq!(p.keys.len(), 4);
        assert_eq!(p.enctypes(), BTreeSet::from([17, 18]));
        assert_eq!(p.kvnos(), BTreeSet::from([300, 301]));
    }

    #[test]
    fn rejects_what_is_not_a_terse_line() {
        assert_eq!(parse_terse(""), Err(TerseError::Missing));
        assert_eq!(
            parse_terse("Authenticating as principal x with keytab y.\n"),
            Err(TerseError::Missing)
        );
        assert!(matches!(
            parse_terse("\"p@R\"\t0\t0\n"),
            Err(TerseError::FieldCount(3))
        ));
        // Says 2 keys, carries one.
        let one_short = TERSE.replace("\t4\t1\t301", "\t5\t1\t301");
        assert!(matches!(
            parse_terse(&one_short),
            Err(TerseError::FieldCount(32))
        ));
        let bad = TERSE.replace("\t301\t1\t", "\tx\t1\t");
        assert!(matches!(
            parse_terse(&bad),
            Err(TerseError::NotANumber { index: 8, .. })
        ));
    }

    #[test]
    fn policy_is_kept() {
        let p = parse_terse(&TERSE.replace("[none]", "services")).unwrap();
        assert_eq!(p.policy.as_deref(), Some("services"));
    }
}
