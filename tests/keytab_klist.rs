//! roller's keytab parser agrees with MIT's `klist -k -e -K` on every keytab fixture
//! (tests/fixtures/keytab/, written by kadmin.local's ktadd/ktremove and ktutil).

use std::path::PathBuf;
use std::process::Command;

use roller::kerberos::keytab::{enctype_name, parse};

fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keytab");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "keytab"))
        .collect();
    files.sort();
    files
}

/// `(kvno, principal, enctype, key hex)` for each entry line klist prints.
fn klist(path: &PathBuf) -> Vec<(u32, String, String, String)> {
    let out = Command::new("klist")
        .args(["-k", "-e", "-K"])
        .arg(path)
        .output()
        .expect("run klist");
    assert!(
        out.status.success(),
        "klist {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(3) // "Keytab name:", the header and the dashes
        .map(|line| {
            let mut words = line.split_whitespace();
            let kvno = words.next().unwrap().parse().unwrap();
            let principal = words.next().unwrap().to_string();
            let enctype = words.next().unwrap();
            let key = words.next().unwrap();
            (
                kvno,
                principal,
                enctype.trim_matches(['(', ')']).to_string(),
                key.trim_start_matches("(0x")
                    .trim_end_matches(')')
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn parser_agrees_with_klist_on_every_fixture() {
    if Command::new("klist").arg("-V").output().is_err() {
        eprintln!("SKIPPED: klist (MIT krb5-user) is not installed");
        return;
    }
    let files = fixtures();
    assert!(files.len() >= 9, "fixtures missing: {files:?}");
    for path in files {
        let kt = parse(&std::fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let ours: Vec<(u32, String, String, String)> = kt
            .entries
            .iter()
            .map(|e| {
                (
                    e.kvno,
                    e.principal.name(),
                    enctype_name(e.enctype),
                    e.key.hex(),
                )
            })
            .collect();
        assert_eq!(ours, klist(&path), "{}", path.display());
    }
}
