//! MIT keytab files (format version 0x0502, `doc/formats/keytab_file_format.rst` in MIT
//! krb5): parsed and written natively, so roller can compare a host's keytab with the
//! KDC's keys without trusting any tool's exit code.
//!
//! Layout: the bytes `05 02`, then records, each a big-endian signed 32-bit length and
//! that many bytes. A negative length is a hole (a removed entry, zero-filled) of `-length`
//! bytes; a zero length, or the end of the file, ends the keytab. An entry is: the number
//! of components (16 bits), the realm and each component (16-bit length + bytes), the name
//! type (32 bits), a timestamp (32 bits), the 8-bit key version, the enctype (16 bits), the
//! key (16-bit length + bytes) and, when at least 4 more bytes remain in the record and
//! they are non-zero, a 32-bit key version that overrides the 8-bit one. An entry may be
//! shorter than its record (it filled a larger hole).
//!
//! Parsing never panics: every malformed input is a [`KeytabError`]. Key bytes are never
//! printed (`Key`'s `Debug` shows only the length).

use std::collections::BTreeSet;
use std::fmt;

/// Why bytes are not a keytab roller can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeytabError {
    #[error("empty file, not a keytab")]
    Empty,
    #[error("not a keytab (first byte {0:#04x}, a keytab starts with 0x05)")]
    NotKeytab(u8),
    #[error("keytab format version 0x05{0:02x} is not supported (only 0x0502)")]
    UnsupportedVersion(u8),
    #[error("truncated keytab: record at byte {offset} needs {needed} bytes, {available} left")]
    Truncated {
        offset: usize,
        needed: usize,
        available: usize,
    },
    #[error("malformed keytab entry at byte {offset}: {what}")]
    Malformed { offset: usize, what: &'static str },
    #[error("keytab entry at byte {offset}: a principal name that is not UTF-8")]
    NotUtf8 { offset: usize },
}

/// Key bytes: compared and written, never shown.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(pub Vec<u8>);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({} bytes)", self.0.len())
    }
}

impl Key {
    /// Lower-case hex, as `klist -K` shows it (tests only compare it; never logged).
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        crate::connection::escalation::wipe(&mut self.0);
    }
}

/// A principal name as a keytab stores it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Principal {
    pub realm: String,
    pub components: Vec<String>,
    /// KRB5_NT_PRINCIPAL (1) for most; ktadd writes 1, some tools 2 (SRV_INST) or 3.
    pub name_type: u32,
}

impl Principal {
    /// `a/b@REALM` as MIT's `krb5_unparse_name` writes it (`/`, `@`, `\` and control
    /// characters inside a component escaped).
    pub fn name(&self) -> String {
        let comps: Vec<String> = self.components.iter().map(|c| escape(c, false)).collect();
        format!("{}@{}", comps.join("/"), escape(&self.realm, true))
    }
}

fn escape(s: &str, realm: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '@' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '/' if !realm => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\0' => out.push_str("\\0"),
            _ => out.push(c),
        }
    }
    out
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// One keytab entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub principal: Principal,
    /// Seconds since the epoch when the entry was written.
    pub timestamp: u32,
    /// The key version (the 32-bit field when present and non-zero, else the 8-bit one).
    pub kvno: u32,
    pub enctype: u16,
    pub key: Key,
}

/// What identifies a key: the comparison roller makes between a keytab and the KDC.
pub type KeyId = (String, u32, u16, Key);

impl Entry {
    pub fn id(&self) -> KeyId {
        (
            self.principal.name(),
            self.kvno,
            self.enctype,
            self.key.clone(),
        )
    }
}

/// A parsed keytab: its entries in file order (holes skipped) and how many holes it had.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keytab {
    pub entries: Vec<Entry>,
    pub holes: usize,
}

impl Keytab {
    /// The (principal, kvno, enctype, key) set.
    pub fn key_set(&self) -> BTreeSet<KeyId> {
        self.entries.iter().map(Entry::id).collect()
    }

    /// Whether some (principal, kvno, enctype, key) appears more than once.
    pub fn has_duplicates(&self) -> bool {
        self.key_set().len() != self.entries.len()
    }

    /// The highest key version of PRINCIPAL, if it has entries.
    pub fn kvno(&self, principal: &str) -> Option<u32> {
        self.entries
            .iter()
            .filter(|e| e.principal.name() == principal)
            .map(|e| e.kvno)
            .max()
    }

    /// The enctypes PRINCIPAL has at key version KVNO.
    pub fn enctypes(&self, principal: &str, kvno: u32) -> BTreeSet<u16> {
        self.entries
            .iter()
            .filter(|e| e.principal.name() == principal && e.kvno == kvno)
            .map(|e| e.enctype)
            .collect()
    }
}

/// A reader over one record's bytes, with offsets for messages.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the file.
    base: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], KeytabError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        let Some(end) = end else {
            return Err(KeytabError::Malformed {
                offset: self.base + self.pos,
                what,
            });
        };
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, KeytabError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, KeytabError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, KeytabError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self, what: &'static str) -> Result<String, KeytabError> {
        let offset = self.base + self.pos;
        let len = self.u16(what)? as usize;
        let bytes = self.take(len, what)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| KeytabError::NotUtf8 { offset })
    }
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
}

fn entry(record: &[u8], base: usize) -> Result<Entry, KeytabError> {
    let mut c = Cursor {
        buf: record,
        pos: 0,
        base,
    };
    let count = c.u16("component count")?;
    let realm = c.string("realm")?;
    let mut components = Vec::with_capacity(usize::from(count).min(16));
    for _ in 0..count {
        components.push(c.string("name component")?);
    }
    let name_type = c.u32("name type")?;
    let timestamp = c.u32("timestamp")?;
    let kvno8 = c.u8("key version")?;
    let enctype = c.u16("enctype")?;
    let key_len = c.u16("key length")? as usize;
    let key = Key(c.take(key_len, "key")?.to_vec());
    let mut kvno = u32::from(kvno8);
    if c.remaining() >= 4 {
        let kvno32 = c.u32("key version")?;
        if kvno32 != 0 {
            kvno = kvno32;
        }
    }
    Ok(Entry {
        principal: Principal {
            realm,
            components,
            name_type,
        },
        timestamp,
        kvno,
        enctype,
        key,
    })
}

/// Parse a keytab file's bytes.
pub fn parse(bytes: &[u8]) -> Result<Keytab, KeytabError> {
    match bytes {
        [] => return Err(KeytabError::Empty),
        [5] => {
            return Err(KeytabError::Truncated {
                offset: 0,
                needed: 2,
                available: 1,
            });
        }
        [5, 2, ..] => {}
        [5, v, ..] => return Err(KeytabError::UnsupportedVersion(*v)),
        [b, ..] => return Err(KeytabError::NotKeytab(*b)),
    }
    let mut kt = Keytab::default();
    let mut pos = 2;
    // Fewer than 4 bytes left, or a zero length: the end (as MIT's reader takes it).
    while bytes.len() - pos >= 4 {
        let len = i32::from_be_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]]);
        let offset = pos;
        pos += 4;
        if len == 0 {
            break;
        }
        let size = len.unsigned_abs() as usize;
        let available = bytes.len() - pos;
        if size > available {
            return Err(KeytabError::Truncated {
                offset,
                needed: size,
                available,
            });
        }
        let record = &bytes[pos..pos + size];
        pos += size;
        if len < 0 {
            kt.holes += 1;
            continue;
        }
        kt.entries.push(entry(record, offset + 4)?);
    }
    Ok(kt)
}

/// Write ENTRIES as a keytab (format 0x0502, no holes). The 8-bit key version holds the
/// kvno modulo 256 and the 32-bit field the kvno, as MIT writes them.
pub fn write(entries: &[Entry]) -> Result<Vec<u8>, KeytabError> {
    let too_long = |what| KeytabError::Malformed { offset: 0, what };
    let mut out = vec![5u8, 2];
    for e in entries {
        let mut rec = Vec::new();
        let count =
            u16::try_from(e.principal.components.len()).map_err(|_| too_long("component count"))?;
        rec.extend_from_slice(&count.to_be_bytes());
        for s in std::iter::once(&e.principal.realm).chain(&e.principal.components) {
            let len = u16::try_from(s.len()).map_err(|_| too_long("name component"))?;
            rec.extend_from_slice(&len.to_be_bytes());
            rec.extend_from_slice(s.as_bytes());
        }
        rec.extend_from_slice(&e.principal.name_type.to_be_bytes());
        rec.extend_from_slice(&e.timestamp.to_be_bytes());
        rec.push((e.kvno & 0xff) as u8);
        rec.extend_from_slice(&e.enctype.to_be_bytes());
        let key_len = u16::try_from(e.key.0.len()).map_err(|_| too_long("key"))?;
        rec.extend_from_slice(&key_len.to_be_bytes());
        rec.extend_from_slice(&e.key.0);
        rec.extend_from_slice(&e.kvno.to_be_bytes());
        let len = i32::try_from(rec.len()).map_err(|_| too_long("record"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&rec);
    }
    Ok(out)
}

/// MIT's name for an enctype number (as `klist -e` prints it).
pub fn enctype_name(enctype: u16) -> String {
    match enctype {
        1 => "des-cbc-crc".into(),
        3 => "des-cbc-md5".into(),
        16 => "des3-cbc-sha1".into(),
        17 => "aes128-cts-hmac-sha1-96".into(),
        18 => "aes256-cts-hmac-sha1-96".into(),
        19 => "aes128-cts-hmac-sha256-128".into(),
        20 => "aes256-cts-hmac-sha384-192".into(),
        23 => "arcfour-hmac".into(),
        24 => "arcfour-hmac-exp".into(),
        25 => "camellia128-cts-cmac".into(),
        26 => "camellia256-cts-cmac".into(),
        n => format!("etype {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/keytab/{name}.keytab",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn summary(kt: &Keytab) -> Vec<(String, u32, u16, usize)> {
        kt.entries
            .iter()
            .map(|e| (e.principal.name(), e.kvno, e.enctype, e.key.0.len()))
            .collect()
    }

    const B1: &str = "kafka/broker1.fixture.test@FIXTURE.TEST";
    const B2: &str = "kafka/broker2.fixture.test@FIXTURE.TEST";

    #[test]
    fn ktadd_export() {
        let kt = parse(&fixture("ktadd")).unwrap();
        assert_eq!(
            summary(&kt),
            vec![(B1.into(), 1, 18, 32), (B1.into(), 1, 17, 16)]
        );
        assert_eq!(kt.holes, 0);
        assert_eq!(kt.entries[0].principal.name_type, 1);
        assert!(kt.entries[0].timestamp > 1_700_000_000);
        assert!(!kt.has_duplicates());
        assert_eq!(kt.kvno(B1), Some(1));
        assert_eq!(kt.enctypes(B1, 1), BTreeSet::from([17, 18]));
    }

    #[test]
    fn holes_after_ktremove_are_skipped() {
        let kt = parse(&fixture("holes")).unwrap();
        // kvno 1 exported twice (alone, then beside kvno 2, kept by -keepold).
        assert_eq!(kt.holes, 4);
        assert_eq!(
            summary(&kt),
            vec![(B1.into(), 2, 18, 32), (B1.into(), 2, 17, 16)]
        );
        let all = parse(&fixture("all_holes")).unwrap();
        assert_eq!((all.entries.len(), all.holes), (0, 2));
    }

    #[test]
    fn entry_shorter_than_its_record() {
        let kt = parse(&fixture("filled_hole")).unwrap();
        let s = summary(&kt);
        assert_eq!(s[0], ("a@FIXTURE.TEST".into(), 1, 18, 32));
        assert_eq!(s[1], ("a@FIXTURE.TEST".into(), 1, 17, 16));
        assert_eq!(s[2..], [(B1.into(), 2, 18, 32), (B1.into(), 2, 17, 16)]);
    }

    #[test]
    fn kvno_above_255_from_the_32_bit_field() {
        let kt = parse(&fixture("kvno300")).unwrap();
        assert_eq!(kt.kvno(B2), Some(300));
        let keep = parse(&fixture("keepold")).unwrap();
        let kvnos: Vec<u32> = keep.entries.iter().map(|e| e.kvno).collect();
        assert_eq!(kvnos, vec![301, 301, 300, 300]);
    }

    #[test]
    fn duplicates_are_noticed() {
        let kt = parse(&fixture("duplicates")).unwrap();
        assert_eq!(kt.entries.len(), 4);
        assert!(kt.has_duplicates());
        assert_eq!(kt.key_set().len(), 2);
    }

    #[test]
    fn write_then_parse_is_identity_and_matches_mit() {
        for name in ["ktadd", "two_principals", "kvno300", "keepold", "ktutil"] {
            let bytes = fixture(name);
            let kt = parse(&bytes).unwrap();
            let written = write(&kt.entries).unwrap();
            // MIT's ktadd and ktutil write exactly this layout.
            assert_eq!(written, bytes, "{name}");
            assert_eq!(parse(&written).unwrap(), kt);
        }
    }

    #[test]
    fn malformed_inputs_are_errors() {
        assert_eq!(parse(b""), Err(KeytabError::Empty));
        assert_eq!(parse(b"\x04\x02"), Err(KeytabError::NotKeytab(4)));
        assert_eq!(parse(b"\x05\x01"), Err(KeytabError::UnsupportedVersion(1)));
        assert!(matches!(parse(b"\x05"), Err(KeytabError::Truncated { .. })));
        // A record longer than the file.
        assert!(matches!(
            parse(b"\x05\x02\x00\x00\x00\x10\x00"),
            Err(KeytabError::Truncated { offset: 2, .. })
        ));
        // A hole longer than the file, and i32::MIN.
        assert!(matches!(
            parse(b"\x05\x02\xff\xff\xff\xf0"),
            Err(KeytabError::Truncated { .. })
        ));
        assert!(matches!(
            parse(b"\x05\x02\x80\x00\x00\x00"),
            Err(KeytabError::Truncated { .. })
        ));
        // An entry whose fields run past its record.
        let mut bytes = fixture("ktadd");
        bytes[5] -= 40;
        assert!(matches!(
            parse(&bytes[..bytes.len()]),
            Err(KeytabError::Malformed { .. }) | Err(KeytabError::Truncated { .. })
        ));
        // Every prefix of a real keytab is either a keytab or an error, never a panic.
        let bytes = fixture("filled_hole");
        for n in 0..bytes.len() {
            let _ = parse(&bytes[..n]);
        }
        // Header only, and a zero length: empty keytabs.
        assert_eq!(parse(b"\x05\x02").unwrap().entries.len(), 0);
        assert_eq!(
            parse(b"\x05\x02\x00\x00\x00\x00junk")
                .unwrap()
                .entries
                .len(),
            0
        );
    }

    #[test]
    fn keys_are_not_printed() {
        let kt = parse(&fixture("ktadd")).unwrap();
        let shown = format!("{kt:?}");
        assert!(!shown.contains(&kt.entries[0].key.hex()));
        assert!(shown.contains("Key(32 bytes)"));
    }

    #[test]
    fn names_escape_as_mit() {
        let p = Principal {
            realm: "R".into(),
            components: vec!["a/b".into(), "c@d".into()],
            name_type: 1,
        };
        assert_eq!(p.name(), "a\\/b/c\\@d@R");
    }
}
