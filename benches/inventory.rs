//! Inventory benchmark: parse all cp-ansible sample inventories and render `--list`, in
//! process and through the CLI, next to ansible-inventory on the same files.
//! Run: `cargo bench --bench inventory` (prints a table; no pass/fail).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use roller::cli::inventory::list::json_inventory;
use roller::inventory::sources::parse_sources;
use roller::inventory::{Inventory, Selector, VarsResolver};
use roller::output::json::{UnsafeStrings, to_python_json};
use roller::vars::HashBehaviour;

fn corpus() -> Vec<PathBuf> {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/cp-ansible/inventories");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p)
            } else {
                files.push(p)
            }
        }
    }
    files.sort();
    files
}

fn list_in_process(file: &Path) -> usize {
    let sources = [file.to_string_lossy().into_owned()];
    let mut inv = Inventory::new(HashBehaviour::Replace);
    parse_sources(&mut inv, &sources).expect("corpus parses");
    let resolver = VarsResolver::new(&inv, &sources, None);
    let mut selector = Selector::new(&inv);
    let value = json_inventory(&inv, &mut selector, &resolver).expect("list");
    to_python_json(&value, UnsafeStrings::Wrapped).len()
}

fn time<F: FnMut()>(mut f: F) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn row(what: &str, files: usize, total: Duration) {
    println!(
        "| {what:<44} | {files:>5} | {:>10.1} | {:>10.2} |",
        total.as_secs_f64() * 1000.0,
        total.as_secs_f64() * 1000.0 / files.max(1) as f64
    );
}

fn main() {
    let files = corpus();
    if files.is_empty() {
        eprintln!("no corpus at ../shared/corpus/cp-ansible/inventories");
        return;
    }
    println!(
        "| {:<44} | {:>5} | {:>10} | {:>10} |",
        "run", "files", "total ms", "ms/file"
    );
    println!("|{:-<46}|{:-<7}|{:-<12}|{:-<12}|", "", "", "", "");

    // Warm the page cache, then take the best of 5 passes.
    let mut bytes = 0;
    for f in &files {
        bytes += list_in_process(f);
    }
    let best = (0..5)
        .map(|_| {
            time(|| {
                files.iter().for_each(|f| {
                    list_in_process(f);
                })
            })
        })
        .min()
        .unwrap_or_default();
    row(
        "roller, in process (parse + --list JSON)",
        files.len(),
        best,
    );

    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/roller");
    if bin.exists() {
        let total = time(|| {
            for f in &files {
                let out = Command::new(&bin)
                    .args(["inventory", "-i"])
                    .arg(f)
                    .arg("--list")
                    .output()
                    .expect("roller");
                assert!(out.status.success());
            }
        });
        row("roller CLI, one process per file", files.len(), total);
    } else {
        println!("| (build target/release/roller for the CLI row: cargo build --release) |");
    }

    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/ansible-inventory");
    if venv.exists() {
        let sample: Vec<&PathBuf> = files.iter().step_by(files.len().div_ceil(5)).collect();
        let total = time(|| {
            for f in &sample {
                let out = Command::new(&venv)
                    .arg("-i")
                    .arg(f)
                    .arg("--list")
                    .output()
                    .expect("ansible-inventory");
                assert!(out.status.success());
            }
        });
        row(
            "ansible-inventory CLI (sample), one per file",
            sample.len(),
            total,
        );
    } else {
        println!("| (run tests/setup_venv.sh for the ansible-inventory row) |");
    }
    println!(
        "\n{} files, {} bytes of --list JSON per pass",
        files.len(),
        bytes
    );
}
