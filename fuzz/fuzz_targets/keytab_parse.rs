//! Any bytes parse as a keytab or fail with a typed error: never a panic. What parses
//! writes back and parses again to the same entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roller::kerberos::keytab::{parse, write};

fuzz_target!(|data: &[u8]| {
    let Ok(kt) = parse(data) else { return };
    let _ = kt.key_set();
    let _ = kt.has_duplicates();
    let bytes = write(&kt.entries).expect("entries that parsed can be written");
    let again = parse(&bytes).expect("a written keytab parses");
    assert_eq!(again.entries, kt.entries);
});
