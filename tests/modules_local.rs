//! Differential tests of the file modules (`file`, `copy`, `template`, `lineinfile`):
//! the same playbook run by ansible-playbook and by roller over `connection: local`, each
//! in its own scratch directory. Both must report the same status per task and leave
//! identical trees (kinds, modes, contents, link targets) in `check`, first and second
//! (idempotent) runs.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use support::{TempDir, isolated_env, roller_bin, venv};

/// What a tree holds: relative path → description.
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let md = std::fs::symlink_metadata(&p).unwrap();
            let mode = md.permissions().mode() & 0o7777;
            let ids = {
                use std::os::unix::fs::MetadataExt;
                format!("{}:{}", md.uid(), md.gid())
            };
            let desc = if md.file_type().is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                let target = target.to_string_lossy();
                let root_text = root.to_string_lossy();
                format!(
                    "link {ids} -> {}",
                    target.replace(root_text.as_ref(), "OUT")
                )
            } else if md.is_dir() {
                walk(root, &p, out);
                format!("dir {mode:04o} {ids}")
            } else {
                let content = std::fs::read(&p).unwrap();
                format!(
                    "file {mode:04o} {ids} {:?}",
                    String::from_utf8_lossy(&content).into_owned()
                )
            };
            // Backups are named `<file>.<pid>.<date>@<time>~`: keep only what is stable.
            static BACKUP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
                regex::Regex::new(r"\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$").unwrap()
            });
            let rel = BACKUP.replace(&rel, ".BACKUP~").into_owned();
            out.insert(rel, desc);
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The per-task status words (`ok`, `changed`, `failed`, `skipping`), the warnings, and the
/// recap.
fn statuses(stdout: &str) -> (Vec<String>, String) {
    let mut st = Vec::new();
    let mut recap = String::new();
    for line in stdout.lines() {
        for (prefix, word) in [
            ("ok: [", "ok"),
            ("changed: [", "changed"),
            ("fatal: [", "failed"),
            ("skipping: [", "skipping"),
        ] {
            if line.starts_with(prefix) {
                st.push(word.to_string());
            }
        }
        if line.starts_with("[WARNING]: ") {
            st.push(line.to_string());
        }
        if line.starts_with("localhost ") && line.contains(" : ok=") {
            recap = line
                .split_whitespace()
                .skip(2)
                .collect::<Vec<_>>()
                .join(" ");
        }
    }
    (st, recap)
}

struct Tool {
    name: &'static str,
    dir: TempDir,
}

impl Tool {
    fn out(&self) -> std::path::PathBuf {
        self.dir.path().join("out")
    }

    /// The results as the default callback shows them at `-v` (banners, per-host results
    /// with their JSON, `[ERROR]` headlines), the tool's scratch path replaced by `DIR`.
    fn results(&self, stdout: &str) -> Vec<String> {
        let text = stdout.replace(&self.dir.path().to_string_lossy().into_owned(), "DIR");
        support::conformance::parse(&text)
            .sections
            .iter()
            // ansible-playbook -v names its config file there; roller does not.
            .filter(|s| s.banner != "(before the first banner)")
            .map(|s| format!("{}\n{:?}\n{:?}", s.banner, s.results, s.errors))
            .collect()
    }

    fn run(&self, extra: &[&str]) -> (Vec<String>, String, String) {
        // HOME is the tool's output directory, so that `~` paths land in the compared tree.
        let home = self.out().to_string_lossy().into_owned();
        let env = isolated_env(self.dir.path(), &[("HOME", &home)]);
        let d = format!("d={}", self.out().display());
        let mut cmd = if self.name == "ansible" {
            Command::new(venv().join("bin/ansible-playbook"))
        } else {
            let mut c = Command::new(roller_bin());
            c.arg("playbook");
            c
        };
        cmd.args(["-e", &d])
            .args(extra)
            .arg("play.yml")
            .current_dir(self.dir.path())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let out = cmd.output().expect("run playbook");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let (mut st, recap) = statuses(&stdout);
        if extra.contains(&"-v") {
            st.extend(self.results(&stdout));
        }
        // Warnings go to stderr; the run's own (inventory) warnings are the same for both.
        st.extend(statuses(&stderr).0);
        let log = format!(
            "--- {} {:?} stdout:\n{stdout}\n--- stderr:\n{stderr}",
            self.name, extra,
        );
        (st, recap, log)
    }
}

/// Set up both tools' scratch dirs with the playbook, support files and initial `out/`
/// files, then compare check, first and second runs (the second changes nothing when
/// `idempotent`).
fn differential(
    label: &str,
    play: &str,
    files: &[(&str, &str)],
    initial: &[(&str, &str)],
    idempotent: bool,
) {
    differential_with(label, play, files, initial, idempotent, &[]);
}

/// [`differential`] with extra arguments for every run (`-v` also compares every result's
/// JSON and the `[ERROR]` headlines).
fn differential_with(
    label: &str,
    play: &str,
    files: &[(&str, &str)],
    initial: &[(&str, &str)],
    idempotent: bool,
    extra: &[&str],
) {
    let tools: Vec<Tool> = ["ansible", "roller"]
        .into_iter()
        .map(|name| Tool {
            name,
            dir: TempDir::new(&format!("modules-{label}-{name}")),
        })
        .collect();
    for t in &tools {
        std::fs::write(t.dir.path().join("play.yml"), play).unwrap();
        for (rel, content) in files {
            let p = t.dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        std::fs::create_dir_all(t.out()).unwrap();
        for (rel, content) in initial {
            let p = t.out().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, content).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let phases: [(&str, &[&str]); 3] = [
        ("check", &["--check", "--diff"]),
        ("first", &["--diff"]),
        ("second", &[]),
    ];
    for (phase, args) in phases {
        let before: Vec<_> = tools.iter().map(|t| snapshot(&t.out())).collect();
        let args: Vec<&str> = args.iter().chain(extra).copied().collect();
        let runs: Vec<_> = tools.iter().map(|t| t.run(&args)).collect();
        let after: Vec<_> = tools.iter().map(|t| snapshot(&t.out())).collect();
        let (a, r) = (&runs[0], &runs[1]);
        assert_eq!(
            a.0, r.0,
            "{label} {phase}: task statuses differ\n{}\n{}",
            a.2, r.2
        );
        assert_eq!(a.1, r.1, "{label} {phase}: recap differs\n{}\n{}", a.2, r.2);
        assert_eq!(
            after[0], after[1],
            "{label} {phase}: trees differ\n{}\n{}",
            a.2, r.2
        );
        if phase == "check" {
            assert_eq!(before[1], after[1], "{label}: check mode changed the tree");
        }
        if phase == "second" && idempotent {
            assert!(
                a.1.contains("changed=0"),
                "{label}: not idempotent under ansible\n{}",
                a.2
            );
        }
    }
}

const HEAD: &str = "- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n";

#[test]
fn file_states_modes_links() {
    let play = format!(
        "{HEAD}{}",
        r#"    - file: {path: "{{ d }}/dir/sub", state: directory, mode: "0750"}
    - file: {path: "{{ d }}/dir/sub", state: directory, mode: "0750"}
    - file: {path: "{{ d }}/made", state: directory}
    - file: {path: "{{ d }}/made/t1", state: touch, mode: 0600}
    - file: {path: "{{ d }}/existing", state: file, mode: "0640"}
    - file: {path: "{{ d }}/existing", mode: "u+x,g+r,o-r"}
    - file: {path: "{{ d }}/l1", src: existing, state: link}
    - file: {path: "{{ d }}/l2", src: "{{ d }}/existing", state: link}
    - file: {path: "{{ d }}/h1", src: "{{ d }}/existing", state: hard}
    - file: {path: "{{ d }}/dir", state: directory, recurse: true, mode: "u=rwX,g=rX,o="}
    - file: {path: "{{ d }}/gone", state: absent}
    - file: {path: "{{ d }}/gonedir", state: absent}
    - file: {path: "{{ d }}/never", state: absent}
    - file: {path: "{{ d }}/missing", state: file}
      ignore_errors: true
"#
    );
    differential(
        "file",
        &play,
        &[],
        &[
            ("existing", "data\n"),
            ("gone", "x"),
            ("gonedir/a/b", "y"),
            ("dir/f", "z"),
        ],
        false,
    );
}

#[test]
fn copy_content_src_and_attributes() {
    let play = format!(
        "{HEAD}{}",
        r#"    - copy: {content: "x=1\n", dest: "{{ d }}/c1", mode: "0640"}
    - copy: {content: "x=2\n", dest: "{{ d }}/existing"}
    - copy: {content: "same\n", dest: "{{ d }}/same", mode: "0600"}
    - copy: {src: f1.txt, dest: "{{ d }}/"}
    - copy: {src: f1.txt, dest: "{{ d }}/newdir/"}
    - copy: {src: f1.txt, dest: "{{ d }}/adir"}
    - copy: {src: f1.txt, dest: "{{ d }}/kept", force: false}
    - copy: {content: "abc", dest: "{{ d }}/backed", backup: true}
    - copy: {content: "v", dest: "{{ d }}/nodir/x"}
      ignore_errors: true
"#
    );
    differential(
        "copy",
        &play,
        &[("files/f1.txt", "from file\n")],
        &[
            ("existing", "old\n"),
            ("same", "same\n"),
            ("kept", "keep me\n"),
            ("backed", "old\n"),
            ("adir/.keep", ""),
        ],
        true,
    );
}

#[test]
fn template_simple_variables() {
    let play = "- hosts: localhost\n  connection: local\n  gather_facts: false\n  vars: {who: world, broker_port: 9092}\n  tasks:\n"
        .to_string()
        + r#"    - template: {src: server.properties.j2, dest: "{{ d }}/server.properties", mode: "0640"}
    - template: {src: server.properties.j2, dest: "{{ d }}/"}
    - template: {src: managed.j2, dest: "{{ d }}/managed"}
    - template: {src: server.properties.j2, dest: "{{ d }}/changed"}
    - template: {src: missing.j2, dest: "{{ d }}/x"}
      ignore_errors: true
"#;
    differential(
        "template",
        &play,
        &[
            (
                "templates/server.properties.j2",
                "# for {{ who }}\nlisteners=PLAINTEXT://:{{ broker_port }}\n\n",
            ),
            (
                "templates/managed.j2",
                "# {{ ansible_managed }}\n{{ template_path }}\n",
            ),
        ],
        &[("changed", "old\n")],
        true,
    );
}

#[test]
fn lineinfile_edits() {
    let play = format!(
        "{HEAD}{}",
        r#"    - lineinfile: {path: "{{ d }}/cfg", line: "y=2"}
    - lineinfile: {path: "{{ d }}/cfg", line: "x=3", regexp: "^x="}
    - lineinfile: {path: "{{ d }}/cfg", line: "first", insertbefore: BOF}
    - lineinfile: {path: "{{ d }}/cfg", line: "after-a", insertafter: "^a"}
    - lineinfile: {path: "{{ d }}/cfg", line: "before-b", insertbefore: "^b"}
    - lineinfile: {path: "{{ d }}/cfg", line: 'port=\1\2', regexp: '^listen=(\d+)(.*)$', backrefs: true}
    - lineinfile: {path: "{{ d }}/cfg", line: 'nomatch=\1', regexp: '^zzz=(.*)$', backrefs: true}
    - lineinfile: {path: "{{ d }}/cfg", regexp: "^rm", state: absent}
    - lineinfile: {path: "{{ d }}/cfg", line: "gone", state: absent}
    - lineinfile: {path: "{{ d }}/cfg", line: "z=1", mode: "0600"}
    - lineinfile: {path: "{{ d }}/cfg", search_string: "needle", line: "found needle"}
    - lineinfile: {path: "{{ d }}/new/sub/file", line: "a", create: true, mode: "0640"}
    - lineinfile: {path: "{{ d }}/nofile", line: "a"}
      ignore_errors: true
    - lineinfile: {path: "{{ d }}/nofile", line: "a", state: absent}
    - lineinfile: {path: "{{ d }}/noeol", line: "b", backup: true}
"#
    );
    differential(
        "lineinfile",
        &play,
        &[],
        &[
            (
                "cfg",
                "a\nb\nx=1\nlisten=9092 #c\nrm1\nrm2\ngone\nsome needle here\n",
            ),
            ("noeol", "a"),
        ],
        false,
    );
}

#[test]
fn lineinfile_idempotent_config() {
    let play = format!(
        "{HEAD}{}",
        r#"    - lineinfile: {path: "{{ d }}/server.properties", regexp: "^broker.id=", line: "broker.id=1"}
    - lineinfile: {path: "{{ d }}/server.properties", regexp: "^#?log.dirs=", line: "log.dirs=/var/lib/kafka"}
    - lineinfile: {path: "{{ d }}/server.properties", line: "auto.create.topics.enable=false", insertafter: "^broker.id="}
    - lineinfile: {path: "{{ d }}/server.properties", regexp: "^zookeeper", state: absent}
"#
    );
    differential(
        "lineinfile-idem",
        &play,
        &[],
        &[(
            "server.properties",
            "broker.id=0\n#log.dirs=/tmp\nzookeeper.connect=zk:2181\nnum.partitions=1\n",
        )],
        true,
    );
}

#[test]
fn copy_remote_src() {
    let play = format!(
        "{HEAD}{}",
        r#"    - copy: {src: "{{ d }}/srcfile", dest: "{{ d }}/r1", remote_src: true}
    - copy: {src: "{{ d }}/srcfile", dest: "{{ d }}/adir", remote_src: true, mode: "0600"}
    - copy: {src: "{{ d }}/srcfile", dest: "{{ d }}/same", remote_src: true}
    - copy: {src: "{{ d }}/srcfile", dest: "{{ d }}/other", remote_src: true, mode: "u=rw,g=r"}
    - copy: {src: "{{ d }}/nosuch", dest: "{{ d }}/x", remote_src: true}
      ignore_errors: true
"#
    );
    differential(
        "copy-remote",
        &play,
        &[],
        &[
            ("srcfile", "secret\n"),
            ("adir/.keep", ""),
            ("same", "secret\n"),
            ("other", "old\n"),
        ],
        true,
    );
}

/// Owner and group changes need root (and the usual `nobody`, `nogroup`, `daemon`).
#[test]
fn ownership_as_root() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let have = |db: &str, name: &str| {
        Command::new("getent")
            .args([db, name])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if !root || !have("passwd", "nobody") || !have("group", "nogroup") || !have("passwd", "daemon")
    {
        eprintln!("skipped: needs root and the users nobody, daemon and the group nogroup");
        return;
    }
    let play = format!(
        "{HEAD}{}",
        r#"    - file: {path: "{{ d }}/dir", state: directory, owner: nobody, group: nogroup, mode: "0750"}
    - file: {path: "{{ d }}/tree", state: directory, owner: daemon, group: "1", recurse: true}
    - copy: {content: "a\n", dest: "{{ d }}/c", owner: nobody, group: daemon, mode: "u=rw,g=r,o="}
    - copy: {content: "b\n", dest: "{{ d }}/owned"}
    - template: {src: t.j2, dest: "{{ d }}/t", owner: "65534"}
    - lineinfile: {path: "{{ d }}/owned", line: "x", owner: nobody}
    - file: {path: "{{ d }}/c", owner: nosuchuser}
      ignore_errors: true
"#
    );
    differential(
        "ownership",
        &play,
        &[("templates/t.j2", "t\n")],
        &[("tree/a/f", "x\n"), ("owned", "y\n")],
        false,
    );
}

#[test]
fn symlinks_through_modules() {
    let play = format!(
        "{HEAD}{}",
        r#"    - copy: {content: "new\n", dest: "{{ d }}/lnk"}
    - copy: {content: "new2\n", dest: "{{ d }}/lnk2", follow: true}
    - lineinfile: {path: "{{ d }}/lnk3", line: "added"}
    - file: {path: "{{ d }}/plain", src: target, state: link}
      ignore_errors: true
    - file: {path: "{{ d }}/plain", src: target, state: link, force: true}
    - file: {path: "{{ d }}/dangling", src: nowhere, state: link}
      ignore_errors: true
    - file: {path: "{{ d }}/dangling2", src: nowhere, state: link, force: true}
    - file: {path: "{{ d }}/linkdir", state: directory, mode: "0700"}
    - file: {path: "{{ d }}/emptydir", src: target, state: link, force: true}
    - file: {path: "{{ d }}/t2", state: touch, mode: "u=rw,g=,o="}
    - file: {path: "{{ d }}/target", mode: "0600"}
    - file: {path: "{{ d }}/lnk4", mode: "0640"}
    - copy: {content: "c", dest: "{{ d }}/target", mode: preserve}
"#
    );
    let tools_setup: &[(&str, &str)] = &[
        ("target", "t\n"),
        ("target2", "t\n"),
        ("target3", "t3\n"),
        ("target4", "t4\n"),
        ("plain", "p\n"),
        ("realdir/.keep", ""),
        ("emptydir/.gone", ""),
    ];
    // The links themselves are made by a first play of the same playbook.
    let links = "- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n    - file: {path: \"{{ d }}/emptydir/.gone\", state: absent}\n".to_string()
        + &["lnk:target", "lnk2:target2", "lnk3:target3", "lnk4:target4", "linkdir:realdir"]
            .iter()
            .map(|l| {
                let (p, t) = l.split_once(':').unwrap();
                format!("    - file: {{path: \"{{{{ d }}}}/{p}\", src: {t}, state: link}}\n")
            })
            .collect::<String>();
    differential(
        "symlinks",
        &format!("{links}{play}"),
        &[],
        tools_setup,
        false,
    );
}

#[test]
fn copy_directory_src() {
    let play = format!(
        "{HEAD}{}",
        r#"    - copy: {src: conf, dest: "{{ d }}/one"}
    - copy: {src: conf/, dest: "{{ d }}/two/", mode: "0600"}
    - copy: {src: conf/, dest: "{{ d }}/three", directory_mode: "0700"}
    - copy: {src: conf, dest: "{{ d }}/four/"}
"#
    );
    differential(
        "copy-dir",
        &play,
        &[
            ("files/conf/a.properties", "a=1\n"),
            ("files/conf/sub/b.txt", "b\n"),
        ],
        &[("four/conf/a.properties", "old\n")],
        true,
    );
}

/// `~` is `$HOME` for modules (`file`, `lineinfile`) but the user's home from the password
/// database for action plugins (`copy` and `template` dest): only the former can be
/// compared with a scratch HOME.
#[test]
fn home_directory_paths() {
    let play = format!(
        "{HEAD}{}",
        r#"    - file: {path: "~/made", state: directory}
    - lineinfile: {path: "~/made/c", line: "y", create: true}
    - file: {path: "~/made/c", mode: "0600"}
    - copy: {src: "~/made/c", dest: "~/made/d", remote_src: true}
    - file: {path: "$HOME/v", state: directory}
    - lineinfile: {path: "${HOME}/made/e", line: "z", create: true}
"#
    );
    differential("home", &play, &[("templates/t.j2", "t\n")], &[], true);
}

/// (Distinct names: ansible-playbook prints a repeated warning only once per run.)
#[test]
fn check_mode_unknown_owner_warns() {
    let play = format!(
        "{HEAD}{}",
        r#"    - file: {path: "{{ d }}/newdir", state: directory, owner: roller_no_such_user, group: roller_no_such_group}
      check_mode: true
    - file: {path: "{{ d }}/exists", owner: roller_no_such_user2}
      ignore_errors: true
"#
    );
    differential("unknown-owner", &play, &[], &[("exists", "")], false);
}

#[test]
fn lineinfile_empty_patterns_warn() {
    let play = format!(
        "{HEAD}{}",
        r#"    - lineinfile: {path: "{{ d }}/cfg", regexp: "", line: "all"}
    - lineinfile: {path: "{{ d }}/cfg", search_string: "", line: "all2"}
"#
    );
    differential("lineinfile-empty", &play, &[], &[("cfg", "a\nb\n")], false);
}

#[test]
fn slurp_and_fetch() {
    let play = format!(
        "{HEAD}{}",
        r#"    - slurp: {src: "{{ d }}/f1"}
    - slurp: {path: "{{ d }}/bin"}
    - slurp: {src: "{{ d }}/nope"}
      ignore_errors: true
    - slurp: {src: "{{ d }}/sub"}
      ignore_errors: true
    - slurp: {src: "{{ d }}/f1/x"}
      ignore_errors: true
    - fetch: {src: out/f1, dest: "{{ d }}/fetched"}
    - fetch: {src: "out/f2", dest: "{{ d }}/fetched"}
    - fetch: {src: "out/sub/f3", dest: "{{ d }}/flat/", flat: true}
    - fetch: {src: "out/f1", dest: "{{ d }}/named.txt", flat: yes}
    - fetch: {src: "out/bin", dest: "{{ d }}/fetched", validate_checksum: false}
    - fetch: {src: "out/nope", dest: "{{ d }}/fetched"}
      ignore_errors: true
    - fetch: {src: "out/nope", dest: "{{ d }}/fetched", fail_on_missing: false}
    - fetch: {src: "out/sub", dest: "{{ d }}/fetched"}
      ignore_errors: true
    - fetch: {src: "out/sub", dest: "{{ d }}/fetched", fail_on_missing: false}
    - fetch: {src: "out/f1/x", dest: "{{ d }}/fetched", fail_on_missing: false}
    - fetch: {src: "out/f1", dest: "{{ d }}/sub", flat: true}
      ignore_errors: true
    - fetch: {src: "out/f1"}
      ignore_errors: true
    - fetch: {src: "out/f1", dest: "{{ d }}/become"}
      become: true
    - fetch: {src: "out/sub", dest: "{{ d }}/become"}
      become: true
      ignore_errors: true
    - fetch: {src: "out/nope", dest: "{{ d }}/become", fail_on_missing: false}
      become: true
"#
    );
    differential_with(
        "slurp-fetch",
        &play,
        &[],
        &[
            ("f1", "hello\n"),
            ("f2", "new content\n"),
            ("bin", "\u{1}\u{2}\u{ff}binary"),
            ("sub/f3", "three\n"),
            ("fetched/localhost/out/f2", "old content\n"),
        ],
        true,
        &["-v"],
    );
}

#[test]
fn script_runs_and_skips() {
    let play = format!(
        "{HEAD}{}",
        r#"    - script: mk.sh "{{ d }}/made" "two words" creates="{{ d }}/made"
    - script: mk.sh "{{ d }}/made" removes="{{ d }}/never"
    - script:
        cmd: files/show.sh one 'x y' "$HOME"
        chdir: "{{ d }}"
      environment: {FOO: bar}
    - script: show.sh
      environment: {RC: "3"}
      ignore_errors: true
    - script: plain.txt
      args:
        executable: /bin/sh
    - script: missing.sh
      ignore_errors: true
    - script: show.sh
      args: {chdir: relative}
      ignore_errors: true
    - script: show.sh as-root
      become: true
"#
    );
    differential_with(
        "script",
        &play,
        &[
            (
                "files/mk.sh",
                "#!/bin/sh\nprintf '%s\\n' \"$2\" > \"$1\"\necho made \"$1\"\n",
            ),
            (
                "files/show.sh",
                "#!/bin/sh\necho \"args $#: $*\"\necho oops >&2\npwd\necho \"FOO=$FOO\"\nexit ${RC:-0}\n",
            ),
            ("plain.txt", "echo from sh; printf 'a\\rb\\n'\n"),
        ],
        &[],
        false,
        &["-v"],
    );
}

#[test]
fn service_facts_of_this_machine() {
    let play = format!(
        "{HEAD}{}",
        r#"    - service_facts:
    - debug: {var: ansible_facts.services | length > 0}
    - service_facts:
      register: r
    - debug: {msg: "{{ r.ansible_facts.services | dict2items | map(attribute='value.source') | unique | list }}"}
"#
    );
    differential_with("service-facts", &play, &[], &[], true, &["-v"]);
}
