//! Issue 9, "Secrets": roller handles an admin password (Kerberos keytab provisioning with
//! the lab KDC's admin password, and a principal created with it from a playbook), a
//! become password (`ansible_become_password` templated from a vars file in a `--check
//! --diff` preview, then `-K`, read from stdin without a terminal) and a `no_log: true`
//! secret (copied to a file, fed to a command on stdin, debugged), and none of them may
//! show:
//!
//! - in any process's argv or environment on the machine while roller runs (a sampler
//!   reads `/proc/*/cmdline` and `/proc/*/environ` every 20 ms; the lab hosts' processes
//!   are in child PID namespaces of the jumphost's, so they are sampled too);
//! - in stdout, stderr (at `-vvvv`), `--log-file`, `--json-events`, `--junit`, or the resume
//!   state files; also not base64-encoded;
//! - in a temporary file readable by others: an inotify watcher sees every file created in
//!   the jumphost's /tmp (roller's entries, and any file holding a secret) and in the lab
//!   host's own /tmp, /srv and keytab directory, and checks each one's mode when it appears
//!   and when it is written; afterwards nothing is left behind (roller's bundled playbook
//!   directory `roller-bundled-*` excepted: documented, docs/kerberos.md).
//!
//! Needs root (the lab); skips without it.

mod lab_support;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine;
use lab_support::{Lab, kadmin_stdin, lab_dir, read_trimmed, running_as_root};
use support::{Outcome, TempDir, repo_root, roller_bin};

const HOST: &str = "broker1.lab.test";
const CANARY: &str = "the canary";

/// A secret's name and what must never be seen of it: the text, and its base64 in each of
/// the three alignments (standard and URL-safe alphabets), cut to the characters that
/// depend on the secret alone.
struct Needles(Vec<(String, Vec<u8>)>);

impl Needles {
    fn new(secrets: &[(&str, &str)]) -> Needles {
        let mut all = Vec::new();
        for (name, secret) in secrets {
            all.push((name.to_string(), secret.as_bytes().to_vec()));
            for shift in 0..3 {
                let tail = &secret.as_bytes()[shift..];
                let whole = tail.len() / 3 * 3;
                for engine in [
                    base64::engine::general_purpose::STANDARD,
                    base64::engine::general_purpose::URL_SAFE,
                ] {
                    let b64 = engine.encode(&tail[..whole]);
                    all.push((format!("{name} (base64)"), b64.into_bytes()));
                }
            }
        }
        Needles(all)
    }

    /// The names of the secrets found in HAYSTACK.
    fn found(&self, haystack: &[u8]) -> Vec<String> {
        let mut found: Vec<String> = self
            .0
            .iter()
            .filter(|(_, n)| haystack.windows(n.len()).any(|w| w == n.as_slice()))
            .map(|(name, _)| name.clone())
            .collect();
        found.dedup();
        found
    }
}

fn random_hex() -> String {
    read_trimmed(Path::new("/proc/sys/kernel/random/uuid")).replace('-', "")
}

/// What the process sampler saw.
#[derive(Default, Debug)]
struct Sampled {
    rounds: usize,
    processes: BTreeSet<u32>,
    pid_namespaces: BTreeSet<String>,
    hits: BTreeSet<String>,
}

/// Reads every process's cmdline and environ every 20 ms until STOP.
fn sampler(needles: Arc<Needles>, stop: Arc<AtomicBool>) -> JoinHandle<Sampled> {
    std::thread::spawn(move || {
        let mut s = Sampled::default();
        while !stop.load(Ordering::Relaxed) {
            let round = Instant::now();
            for entry in std::fs::read_dir("/proc").unwrap().flatten() {
                let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                    continue;
                };
                if s.processes.insert(pid)
                    && let Ok(ns) = std::fs::read_link(entry.path().join("ns/pid"))
                {
                    s.pid_namespaces.insert(ns.to_string_lossy().into_owned());
                }
                for file in ["cmdline", "environ"] {
                    let Ok(data) = std::fs::read(entry.path().join(file)) else {
                        continue;
                    };
                    for name in needles.found(&data) {
                        let comm =
                            std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
                        let shown = String::from_utf8_lossy(&data).replace('\0', " ");
                        s.hits.insert(format!(
                            "{name} in /proc/{pid}/{file} ({}): {shown}",
                            comm.trim()
                        ));
                    }
                }
            }
            s.rounds += 1;
            std::thread::sleep(Duration::from_millis(20).saturating_sub(round.elapsed()));
        }
        s
    })
}

/// Where the watcher looks: the jumphost's /tmp is shared with everything else on the
/// machine, so there only roller's entries (and any file holding a secret) count; in the
/// lab host's own directories every file is roller's doing.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Scope {
    Shared,
    Host,
}

/// One sighting of a file: when created, written, or its mode changed.
#[derive(Debug, Clone)]
struct Sighting {
    path: PathBuf,
    scope: Scope,
    mode: u32,
    uid: u32,
    /// Readable by others: the other-read bit (or other-write, for a socket) and every
    /// directory below the watched root searchable by others.
    exposed: bool,
    secrets: Vec<String>,
}

#[derive(Default, Debug)]
struct Watched {
    sightings: Vec<Sighting>,
    /// roller's entries created in the shared /tmp.
    created_shared: BTreeSet<PathBuf>,
}

fn is_rollers(name: &str) -> bool {
    name.starts_with("roller") || name.starts_with(".roller")
}

struct Watcher {
    fd: i32,
    dirs: BTreeMap<i32, (PathBuf, Scope, PathBuf)>,
    needles: Arc<Needles>,
    out: Watched,
}

const MASK: u32 = libc::IN_CREATE | libc::IN_CLOSE_WRITE | libc::IN_ATTRIB | libc::IN_MOVED_TO;

impl Watcher {
    fn add(&mut self, dir: &Path, scope: Scope, root: &Path) {
        let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: fd is our inotify descriptor, c a NUL-terminated path.
        let wd = unsafe { libc::inotify_add_watch(self.fd, c.as_ptr(), MASK) };
        if wd >= 0 {
            self.dirs
                .insert(wd, (dir.to_path_buf(), scope, root.to_path_buf()));
        }
        // Whatever appeared before the watch was in place.
        if dir != root {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                self.see(&e.path(), scope, root, true);
            }
        }
    }

    fn exposed(path: &Path, root: &Path, meta: &std::fs::Metadata) -> bool {
        let mode = meta.permissions().mode();
        let kind = meta.file_type();
        use std::os::unix::fs::FileTypeExt;
        let open = if kind.is_socket() || kind.is_fifo() {
            mode & 0o006 != 0
        } else if kind.is_file() {
            mode & 0o004 != 0
        } else {
            return false;
        };
        open && path
            .ancestors()
            .skip(1)
            .take_while(|a| *a != root)
            .all(|a| std::fs::metadata(a).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
    }

    fn see(&mut self, path: &Path, scope: Scope, root: &Path, created: bool) {
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return;
        };
        let top = path.parent() == Some(root);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ours = scope == Scope::Host || !top || is_rollers(&name);
        if scope == Scope::Shared && top && is_rollers(&name) && created {
            self.out.created_shared.insert(path.to_path_buf());
        }
        if meta.is_dir() {
            if ours && created && !self.dirs.values().any(|(d, _, _)| d == path) {
                self.add(path, scope, root);
            }
            return;
        }
        let secrets = if meta.is_file() && meta.len() < (1 << 20) {
            self.needles.found(&std::fs::read(path).unwrap_or_default())
        } else {
            Vec::new()
        };
        if ours || !secrets.is_empty() {
            self.out.sightings.push(Sighting {
                path: path.to_path_buf(),
                scope,
                mode: meta.permissions().mode() & 0o7777,
                uid: meta.uid(),
                exposed: Self::exposed(path, root, &meta),
                secrets,
            });
        }
    }

    fn run(mut self, stop: Arc<AtomicBool>) -> Watched {
        let mut buf = vec![0u8; 64 * 1024];
        while !stop.load(Ordering::Relaxed) {
            let mut pfd = libc::pollfd {
                fd: self.fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            if unsafe { libc::poll(&mut pfd, 1, 20) } <= 0 {
                continue;
            }
            // SAFETY: buf is writable for its length.
            let n = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                continue;
            }
            let mut at = 0usize;
            while at + 16 <= n as usize {
                let field =
                    |o: usize| u32::from_ne_bytes(buf[at + o..at + o + 4].try_into().unwrap());
                let (wd, mask, len) = (field(0) as i32, field(4), field(12) as usize);
                let raw = &buf[at + 16..at + 16 + len];
                let name = String::from_utf8_lossy(
                    &raw[..raw.iter().position(|b| *b == 0).unwrap_or(len)],
                )
                .into_owned();
                at += 16 + len;
                if let Some((dir, scope, root)) = self.dirs.get(&wd).cloned()
                    && !name.is_empty()
                {
                    let created = mask & (libc::IN_CREATE | libc::IN_MOVED_TO) != 0;
                    self.see(&dir.join(&name), scope, &root, created);
                }
            }
        }
        // SAFETY: our descriptor, closed once.
        unsafe { libc::close(self.fd) };
        self.out
    }
}

fn watcher(
    roots: Vec<(PathBuf, Scope)>,
    needles: Arc<Needles>,
    stop: Arc<AtomicBool>,
) -> JoinHandle<Watched> {
    // SAFETY: plain syscall.
    let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
    assert!(fd >= 0, "inotify_init1");
    let mut w = Watcher {
        fd,
        dirs: BTreeMap::new(),
        needles,
        out: Watched::default(),
    };
    for (root, scope) in roots {
        w.add(&root, scope, &root);
    }
    std::thread::spawn(move || w.run(stop))
}

/// The value of `KEY: VALUE` in the lab's inventory.
fn inventory_value(inventory: &str, key: &str) -> String {
    inventory
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("{key} not in the lab inventory"))
        .trim_matches('"')
        .to_string()
}

const PLAYBOOK: &str = r#"- hosts: broker1.lab.test
  gather_facts: false
  become: true
  tasks:
    - name: Store the application secret
      copy:
        content: "{{ app_secret }}\n"
        dest: /srv/secret.txt
        mode: "0600"
      no_log: true
    - name: Feed the secret to a command on its stdin
      command: sha256sum
      args:
        stdin: "{{ app_secret }}"
      register: digest
      no_log: true
    - name: Show the secret (censored)
      debug:
        msg: "{{ app_secret }}"
      no_log: true
    - name: A principal created with the admin password
      krb5_principal:
        name: kafka/secrets.lab.test
        kadmin_password: "{{ admin_password }}"
"#;

/// One roller run at -vvvv with every report; its outputs, for the scan.
fn run_roller(
    scratch: &Path,
    label: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> (Outcome, Vec<PathBuf>) {
    let reports: Vec<PathBuf> = ["log", "jsonl", "xml"]
        .iter()
        .map(|ext| scratch.join(format!("{label}.{ext}")))
        .collect();
    // setsid: no controlling terminal, so -K reads the password from stdin.
    let mut cmd = Command::new("setsid");
    cmd.arg(roller_bin())
        .args(args)
        .arg("-vvvv")
        .arg("--log-file")
        .arg(&reports[0])
        .arg("--json-events")
        .arg(&reports[1])
        .arg("--junit")
        .arg(&reports[2])
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env("ROLLER_STATE_DIR", scratch.join("state"))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out: Outcome = child.wait_with_output().unwrap().into();
    (out, reports)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn no_secret_in_argv_output_reports_or_temp_files() {
    if !running_as_root("no_secret_in_argv_output_reports_or_temp_files") {
        return;
    }
    let scratch = TempDir::new("lab-secrets");
    let dir = scratch.path();
    let (mut lab, started) = {
        let lab = Lab::up(&["--no-kafka", "--hosts", "1"]);
        eprintln!("lab up in {:.1} s", lab.up_took.as_secs_f64());
        (lab, Instant::now())
    };

    // The secrets: the KDC admin's password (set now, over kadmin's stdin), the become
    // password of the lab's login user, and a no_log value. Distinctive, so that a match
    // is a leak.
    let admin = format!("RollerAdminPw{}", random_hex());
    let app = format!("RollerNoLogSecret{}", random_hex());
    let become_pw = read_trimmed(&lab_dir().join("accounts/labop.password"));
    assert!(become_pw.len() >= 12, "the lab's labop password");
    kadmin_stdin("cpw lab/admin@LAB.TEST", &format!("{admin}\n{admin}\n"));
    // A canary, shown on purpose in an argv and in a file readable by others: the
    // sampler and the watcher must catch it, or they would not catch a leak either.
    let canary = format!("RollerCanary{}", random_hex());
    let needles = Arc::new(Needles::new(&[
        ("the admin password", &admin),
        ("the no_log secret", &app),
        ("the become password", &become_pw),
        (CANARY, &canary),
    ]));

    // The variables (a file, as a vault would be): the inventory's Kerberos settings with
    // the admin password instead of the admin keytab.
    let inventory = std::fs::read_to_string(repo_root().join("inventories/lab/hosts.yml")).unwrap();
    let vars = dir.join("secrets.yml");
    std::fs::write(
        &vars,
        format!(
            "app_secret: \"{app}\"\nadmin_password: \"{admin}\"\nbecome_secret: \"{become_pw}\"\n\
             kerberos:\n  realm: LAB.TEST\n\
             \x20 kdc_hostname: \"{}\"\n  admin_hostname: \"{}\"\n  kadmin_principal: lab/admin@LAB.TEST\n\
             \x20 kadmin_password: \"{{{{ admin_password }}}}\"\n  kadmin_krb5_config: {}\n",
            inventory_value(&inventory, "kdc_hostname"),
            inventory_value(&inventory, "admin_hostname"),
            inventory_value(&inventory, "kadmin_krb5_config"),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&vars, std::fs::Permissions::from_mode(0o600)).unwrap();
    let playbook = dir.join("secrets-playbook.yml");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let as_labop = dir.join("labop.yml");
    std::fs::write(
        &as_labop,
        format!("all:\n  hosts:\n    {HOST}:\n      ansible_user: labop\n"),
    )
    .unwrap();
    // The same login with its become password from a (templated) inventory variable.
    let as_labop_with_password = dir.join("labop-password.yml");
    std::fs::write(
        &as_labop_with_password,
        format!(
            "all:\n  hosts:\n    {HOST}:\n      ansible_user: labop\n\
             \x20     ansible_become_password: \"{{{{ become_secret }}}}\"\n"
        ),
    )
    .unwrap();
    let extra_vars = format!("@{}", vars.display());

    // Watch and sample while roller runs.
    let host_dir = lab.host_dir(HOST);
    let stop = Arc::new(AtomicBool::new(false));
    let watch = watcher(
        vec![
            (std::env::temp_dir(), Scope::Shared),
            (host_dir.join("tmp"), Scope::Host),
            (host_dir.join("srv"), Scope::Host),
            (host_dir.join("keytabs"), Scope::Host),
        ],
        needles.clone(),
        stop.clone(),
    );
    let sample = sampler(needles.clone(), stop.clone());
    std::thread::sleep(Duration::from_millis(100));
    let canary_file = host_dir.join("tmp/canary");
    std::fs::write(&canary_file, &canary).unwrap();
    std::fs::set_permissions(&canary_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    Command::new("sh")
        .args(["-c", "sleep 0.2", "sh", &canary])
        .status()
        .unwrap();
    std::fs::remove_file(&canary_file).unwrap();

    let runs_started = Instant::now();
    let (provision, provision_reports) = run_roller(
        dir,
        "provision",
        &[
            "keytab",
            "provision",
            "-i",
            "inventories/lab/hosts.yml",
            "-e",
            &extra_vars,
        ],
        None,
    );
    let play_args = [
        "playbook",
        "-i",
        "inventories/lab/hosts.yml",
        "-i",
        as_labop.to_str().unwrap(),
        playbook.to_str().unwrap(),
        "-e",
        &extra_vars,
        "-K",
    ];
    let typed = format!("{become_pw}\n");
    // First a preview with --diff while /srv/secret.txt does not exist: copy's diff would
    // show the content, no_log must hide it. Its become password comes from the
    // inventory's ansible_become_password, the real run's from -K.
    let mut preview_args = play_args[..8].to_vec();
    preview_args[4] = as_labop_with_password.to_str().unwrap();
    preview_args.extend(["--check", "--diff"]);
    let (preview, preview_reports) = run_roller(dir, "preview", &preview_args, None);
    let (play, play_reports) = run_roller(dir, "playbook", &play_args, Some(&typed));
    let runs_took = runs_started.elapsed();
    // The SSH masters of the runs close, their remote shells clean up.
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    let sampled = sample.join().unwrap();
    let watched = watch.join().unwrap();

    // Both runs did their work.
    assert_eq!(
        provision.code, 0,
        "{}\n{}",
        provision.stdout, provision.stderr
    );
    assert_eq!(play.code, 0, "{}\n{}", play.stdout, play.stderr);
    assert_eq!(preview.code, 0, "{}\n{}", preview.stdout, preview.stderr);
    assert!(play.stdout.contains("censored"), "{}", play.stdout);
    let stored = lab.ssh_ok(HOST, "cat /srv/secret.txt; stat -c %a /srv/secret.txt");
    assert_eq!(stored, format!("{app}\n600"));
    eprintln!(
        "runs: {:.1} s; sampler: {} rounds over {} processes in {} PID namespaces; \
         watcher: {} sightings",
        runs_took.as_secs_f64(),
        sampled.rounds,
        sampled.processes.len(),
        sampled.pid_namespaces.len(),
        watched.sightings.len()
    );

    // The canary was seen: the sampler and the watcher work.
    let (canaries, hits): (Vec<String>, Vec<String>) = sampled
        .hits
        .iter()
        .cloned()
        .partition(|h| h.starts_with(CANARY));
    assert!(!canaries.is_empty(), "the sampler missed the canary");
    let (canaries, sightings): (Vec<Sighting>, Vec<Sighting>) = watched
        .sightings
        .iter()
        .cloned()
        .partition(|s| s.path == canary_file);
    assert!(
        canaries.iter().any(|s| s.exposed && s.secrets == [CANARY]),
        "the watcher missed the canary: {canaries:?}"
    );

    // 1. No process ever had a secret in its argv or environment.
    assert!(
        hits.is_empty(),
        "secrets in process arguments or environments:\n{}",
        hits.join("\n")
    );
    // The sampler saw the hosts' processes too (their own PID namespaces), often enough.
    assert!(sampled.pid_namespaces.len() >= 2, "{sampled:?}");
    assert!(
        sampled.rounds as f64 >= runs_took.as_secs_f64() * 10.0,
        "sampled too rarely: {} rounds in {runs_took:?}",
        sampled.rounds
    );

    // 2. Nothing roller wrote or printed holds a secret.
    let mut texts: Vec<(String, Vec<u8>)> = vec![
        (
            "provision stdout".into(),
            provision.stdout.clone().into_bytes(),
        ),
        (
            "provision stderr".into(),
            provision.stderr.clone().into_bytes(),
        ),
        ("preview stdout".into(), preview.stdout.clone().into_bytes()),
        ("preview stderr".into(), preview.stderr.clone().into_bytes()),
        ("playbook stdout".into(), play.stdout.clone().into_bytes()),
        ("playbook stderr".into(), play.stderr.clone().into_bytes()),
    ];
    let state_files = files_under(&dir.join("state"));
    assert!(!state_files.is_empty(), "no resume state written");
    for path in provision_reports
        .iter()
        .chain(&preview_reports)
        .chain(&play_reports)
        .chain(&state_files)
    {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let lock = path.extension().is_some_and(|e| e == "lock");
        assert!(lock || !data.is_empty(), "{} is empty", path.display());
        texts.push((path.display().to_string(), data));
    }
    assert!(
        play.stdout.contains("task path: "),
        "not a -vvvv output:\n{}",
        play.stdout
    );
    let leaks: Vec<String> = texts
        .iter()
        .flat_map(|(what, data)| {
            needles
                .found(data)
                .into_iter()
                .map(move |s| format!("{s} in {what}"))
        })
        .collect();
    assert!(leaks.is_empty(), "secrets in roller's output: {leaks:?}");

    // 3. No temporary file was ever readable by others; none is left.
    for s in &sightings {
        if !s.secrets.is_empty() || s.exposed {
            eprintln!(
                "  {} (mode {:o}, uid {}): {:?}{}",
                s.path.display(),
                s.mode,
                s.uid,
                s.secrets,
                if s.exposed {
                    ", readable by others"
                } else {
                    ""
                }
            );
        }
    }
    let exposed: Vec<&Sighting> = sightings.iter().filter(|s| s.exposed).collect();
    assert!(exposed.is_empty(), "files readable by others: {exposed:#?}");
    assert!(
        sightings
            .iter()
            .any(|s| s.scope == Scope::Host && s.path.starts_with(host_dir.join("tmp"))),
        "the watcher saw nothing in the host's /tmp: {:#?}",
        watched.sightings
    );
    let host_tmp: Vec<PathBuf> = files_under(&host_dir.join("tmp"));
    assert!(host_tmp.is_empty(), "left in the host's /tmp: {host_tmp:?}");
    let srv: Vec<PathBuf> = files_under(&host_dir.join("srv"))
        .into_iter()
        .filter(|p| {
            !p.starts_with(host_dir.join("srv/lab-pkg"))
                && !p.starts_with(host_dir.join("srv/lab-rpm"))
        })
        .collect();
    assert_eq!(srv, [host_dir.join("srv/secret.txt")], "left in /srv");
    let keytabs = files_under(&host_dir.join("keytabs"));
    assert_eq!(keytabs, [host_dir.join("keytabs/kafka_broker.keytab")]);
    let left: Vec<&PathBuf> = watched
        .created_shared
        .iter()
        .filter(|p| p.exists())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("roller-bundled-"))
        })
        .collect();
    assert!(left.is_empty(), "roller left in /tmp: {left:?}");
    eprintln!(
        "roller's entries created in /tmp: {:?}",
        watched.created_shared
    );

    eprintln!(
        "test took {:.1} s (lab up to lab down)",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(lab.down(), "", "lab down left things behind");
}
