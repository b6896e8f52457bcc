//! Shared helpers for the integration tests: the roller binary, and the reference
//! ansible-core installed in the repo's venv.
#![allow(dead_code)]

pub mod conformance;
pub mod generator;
pub mod template_cases;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn roller_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_roller"))
}

/// The venv with ansible-core, installed on first use by tests/setup_venv.sh.
pub fn venv() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let status = Command::new("bash")
                .arg(repo_root().join("tests/setup_venv.sh"))
                .status()
                .expect("run tests/setup_venv.sh");
            assert!(
                status.success(),
                "tests/setup_venv.sh failed: cannot install ansible-core"
            );
            repo_root().join(".venv")
        })
        .clone()
}

/// A scratch directory removed when dropped (also when the test fails).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("roller-test-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One ansible-inventory / roller inventory invocation.
#[derive(Clone, Debug)]
pub struct Job {
    pub name: String,
    pub args: Vec<String>,
    pub cwd: PathBuf,
}

/// What a run printed and how it ended.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl From<Output> for Outcome {
    fn from(out: Output) -> Self {
        Outcome {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }
}

/// The environment both tools run with: no user or system ansible.cfg.
pub fn isolated_env(scratch: &Path, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let cfg = scratch.join("empty-ansible.cfg");
    if !cfg.exists() {
        std::fs::write(&cfg, "[defaults]\n").expect("write empty ansible.cfg");
    }
    let mut env = vec![
        (
            "ANSIBLE_CONFIG".to_string(),
            cfg.to_string_lossy().into_owned(),
        ),
        ("ANSIBLE_NOCOLOR".to_string(), "1".to_string()),
        (
            "ANSIBLE_LOCAL_TEMP".to_string(),
            scratch.join(".ansible-tmp").to_string_lossy().into_owned(),
        ),
        (
            "ANSIBLE_HOME".to_string(),
            scratch.join(".ansible-home").to_string_lossy().into_owned(),
        ),
        // roller's resume state files stay in the test's scratch directory.
        (
            "ROLLER_STATE_DIR".to_string(),
            scratch.join(".roller-state").to_string_lossy().into_owned(),
        ),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

/// Run jobs through the real ansible-inventory, in one batch process (see ansible_batch.py).
pub fn run_ansible_batch(scratch: &Path, jobs: &[Job], env: &[(String, String)]) -> Vec<Outcome> {
    let jobs: Vec<(Vec<String>, PathBuf)> = jobs
        .iter()
        .map(|j| (j.args.clone(), j.cwd.clone()))
        .collect();
    run_python_batch(scratch, "ansible_batch.py", &jobs, env)
}

/// Runs tests/support/SCRIPT (an ansible batch runner) on JOBS (arguments, working
/// directory), from one pre-imported Python process; each job's stdout, stderr and exit
/// code come back through files in SCRATCH.
pub fn run_python_batch(
    scratch: &Path,
    script: &str,
    jobs: &[(Vec<String>, PathBuf)],
    env: &[(String, String)],
) -> Vec<Outcome> {
    let out_dir = scratch.join(format!("{script}-out"));
    std::fs::create_dir_all(&out_dir).expect("create output dir");
    let spec: Vec<serde_json::Value> = jobs
        .iter()
        .enumerate()
        .map(|(i, (args, cwd))| {
            serde_json::json!({
                "args": args,
                "cwd": cwd,
                "out": out_dir.join(format!("{i}.out")),
                "err": out_dir.join(format!("{i}.err")),
            })
        })
        .collect();
    let spec_file = scratch.join(format!("{script}-jobs.json"));
    std::fs::write(&spec_file, serde_json::to_string(&spec).expect("jobs json"))
        .expect("write jobs");
    let status = Command::new(venv().join("bin/python"))
        .arg(repo_root().join("tests/support").join(script))
        .arg(&spec_file)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(scratch)
        .status()
        .expect("run an ansible batch");
    assert!(status.success(), "ansible batch runner {script} failed");
    (0..jobs.len())
        .map(|i| {
            let read = |ext: &str| {
                std::fs::read_to_string(out_dir.join(format!("{i}.{ext}"))).unwrap_or_default()
            };
            Outcome {
                stdout: read("out"),
                stderr: read("err"),
                code: read("out.rc").trim().parse().unwrap_or(-1),
            }
        })
        .collect()
}

pub fn run_roller(job: &Job, env: &[(String, String)]) -> Outcome {
    let out: Output = Command::new(roller_bin())
        .args(&job.args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(&job.cwd)
        .output()
        .expect("run roller");
    out.into()
}

/// The first differing line, with a little context, for failure messages.
pub fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let i = e
        .iter()
        .zip(a.iter())
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = i.saturating_sub(3);
    format!(
        "first difference at line {}:\n--- ansible-inventory\n{}\n+++ roller\n{}",
        i + 1,
        e[from..(i + 3).min(e.len())].join("\n"),
        a[from..(i + 3).min(a.len())].join("\n")
    )
}

/// Compare the two tools on every job; returns a report of mismatches (empty when equal).
/// `yaml_jobs` compare parsed YAML, the rest compare bytes.
pub fn compare(jobs: &[Job], reference: &[Outcome], env: &[(String, String)]) -> Vec<String> {
    let mut failures = Vec::new();
    for (job, want) in jobs.iter().zip(reference) {
        let got = run_roller(job, env);
        let ok_code = (want.code == 0) == (got.code == 0);
        let same = if job.args.iter().any(|a| a == "--yaml" || a == "-y") {
            yaml_equal(&want.stdout, &got.stdout)
        } else {
            want.stdout == got.stdout
        };
        if !ok_code || (want.code == 0 && !same) {
            failures.push(format!(
                "{} ({}): exit ansible={} roller={}\n{}\nroller stderr: {}\nansible stderr: {}",
                job.name,
                job.args.join(" "),
                want.code,
                got.code,
                first_difference(&want.stdout, &got.stdout),
                got.stderr.lines().take(5).collect::<Vec<_>>().join("\n"),
                want.stderr.lines().take(8).collect::<Vec<_>>().join("\n"),
            ));
        }
    }
    failures
}

fn yaml_equal(a: &str, b: &str) -> bool {
    let pa = roller::yaml::load_yaml(a).map(|l| l.value);
    let pb = roller::yaml::load_yaml(b).map(|l| l.value);
    match (pa, pb) {
        (Ok(x), Ok(y)) => unsafe_blind(x) == unsafe_blind(y),
        _ => false,
    }
}

/// PyYAML's dump writes `!unsafe` strings as plain strings; compare text only.
fn unsafe_blind(v: Option<roller::vars::Value>) -> Option<roller::vars::Value> {
    use roller::vars::Value;
    fn walk(v: Value) -> Value {
        match v {
            Value::Unsafe(s) => Value::Str(s),
            Value::List(l) => Value::List(l.into_iter().map(walk).collect()),
            Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, walk(v))).collect()),
            other => other,
        }
    }
    v.map(walk)
}
