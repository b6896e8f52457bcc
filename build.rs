//! Embeds the bundled playbooks (playbooks/) into the binary, so that `roller roll` works
//! from any directory after `cargo install`: the list is generated from the directory,
//! never kept by hand.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dir = root.join("playbooks");
    println!("cargo:rerun-if-changed=playbooks");
    let mut found = Vec::new();
    files(&dir, &mut found);
    found.sort();
    let mut code = String::from("&[\n");
    for f in &found {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&dir).expect("under playbooks/");
        code.push_str(&format!(
            "    ({:?}, include_bytes!({:?}) as &[u8]),\n",
            rel.to_string_lossy(),
            f.to_string_lossy()
        ));
    }
    code.push_str("]\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out.join("bundled_playbooks.rs"), code).expect("write OUT_DIR file");
}
