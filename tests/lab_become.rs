//! Privilege escalation with passwords on the lab (docs/connection.md, "become"): the SSH
//! login is the lab's non-root user `labop`, which may sudo with its password (and only
//! to `nobody` without one); root has a password for su. Each case runs with roller and
//! with the real ansible-playbook on the same inventory and is compared (results, recap,
//! exit code), and the password must never be visible: not in `ps` or any process
//! environment on the target while a command runs under become, not in the channel's
//! files, not in roller's output at -vvv. Needs root; skips without it.

mod lab_support;
mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lab_support::{Lab, lab_command, lab_dir, read_trimmed, repo_root, running_as_root};
use support::Outcome;
use support::conformance::{
    compare_runs, conformance_env, run_ansible_playbooks, run_roller_playbook,
};

const HOST: &str = "broker1.lab.test";

const PLAYBOOK: &str = r#"- hosts: all
  gather_facts: false
  tasks:
    - name: become root
      command: id -un
      become: true
      register: who
    - debug: var=who.stdout
    - name: stdin reaches the command, and only it
      shell: cat
      args:
        stdin: "the command's own input"
      become: true
      register: input
    - debug: var=input.stdout
"#;

const OTHER_USERS: &str = r#"- hosts: all
  gather_facts: false
  become: true
  tasks:
    - name: another user (with the password)
      command: id -un
      become_user: daemon
      register: daemon
    - debug: var=daemon.stdout
    - name: a NOPASSWD user gets no password on its stdin
      shell: cat
      args:
        stdin: "only this"
      become_user: nobody
      register: nopasswd
    - debug: var=nopasswd.stdout
"#;

const SU: &str = r#"- hosts: all
  gather_facts: false
  tasks:
    - name: su to root
      command: id -un
      become: true
      become_method: su
      register: who
    - debug: var=who.stdout
"#;

const SLEEP: &str = r#"- hosts: all
  gather_facts: false
  tasks:
    - name: a long command under become
      command: sleep 4
      become: true
"#;

struct Case<'a> {
    name: &'a str,
    playbook: &'a Path,
    /// Host variables of the case's inventory (YAML lines under the host).
    vars: String,
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path.to_path_buf()
}

/// The lab's inventory plus one with the case's variables for the host (templated
/// passwords, as an inventory would have them).
fn inventory(dir: &Path, name: &str, vars: &str) -> PathBuf {
    let text = format!("all:\n  hosts:\n    {HOST}:\n      ansible_user: labop\n{vars}");
    write(&dir.join(format!("{name}.yml")), &text)
}

fn args(dir: &Path, case: &Case, extra: &[&str]) -> Vec<String> {
    let inv = inventory(dir, case.name, &case.vars);
    let mut a = vec![
        "-i".to_string(),
        repo_root()
            .join("inventories/lab/hosts.yml")
            .to_string_lossy()
            .into_owned(),
        "-i".to_string(),
        inv.to_string_lossy().into_owned(),
        case.playbook.to_string_lossy().into_owned(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn vars(lines: &[(&str, &str)]) -> String {
    lines
        .iter()
        .map(|(k, v)| format!("      {k}: {v}\n"))
        .collect()
}

fn show(o: &Outcome) -> String {
    format!("exit {}\n{}\n{}", o.code, o.stdout, o.stderr)
}

#[test]
fn become_with_passwords_as_ansible_does() {
    if !running_as_root("become_with_passwords_as_ansible_does") {
        return;
    }
    let mut lab = Lab::up(&["--no-kafka", "--no-kdc", "--hosts", "1"]);
    let user_pw = read_trimmed(&lab_dir().join("accounts/labop.password"));
    let root_pw = read_trimmed(&lab_dir().join("accounts/root.password"));
    let scratch = support::TempDir::new("lab-become");
    let dir = scratch.path();
    // Ansible's remote temporary files go to the login user's home on the host (su cannot
    // pipeline), not to the jumphost's scratch directory, which labop cannot write.
    let mut env: Vec<(String, String)> = conformance_env(dir)
        .into_iter()
        .filter(|(k, _)| k != "ANSIBLE_REMOTE_TEMP")
        .collect();
    // Ansible needs pipelining to become an unprivileged user without world-readable
    // temporary files (roller never writes the module to a file).
    env.push(("ANSIBLE_PIPELINING".into(), "True".into()));
    let become_pb = write(&dir.join("become.yml"), PLAYBOOK);
    let others_pb = write(&dir.join("others.yml"), OTHER_USERS);
    let su_pb = write(&dir.join("su.yml"), SU);
    let templated = |pw: &str| {
        vars(&[
            ("lab_secret", &format!("\"{pw}\"")),
            ("ansible_become_password", "\"{{ lab_secret }}\""),
        ])
    };
    let cases = [
        Case {
            name: "sudo-right",
            playbook: &become_pb,
            vars: templated(&user_pw),
        },
        Case {
            name: "sudo-other-users",
            playbook: &others_pb,
            vars: vars(&[("ansible_become_pass", &user_pw)]),
        },
        Case {
            name: "sudo-wrong",
            playbook: &become_pb,
            vars: templated("not-the-password"),
        },
        Case {
            name: "sudo-missing",
            playbook: &become_pb,
            vars: String::new(),
        },
        Case {
            name: "su-right",
            playbook: &su_pb,
            vars: templated(&root_pw),
        },
        Case {
            name: "su-wrong",
            playbook: &su_pb,
            vars: templated("not-the-password"),
        },
    ];
    let jobs: Vec<Vec<String>> = cases.iter().map(|c| args(dir, c, &[])).collect();
    let started = Instant::now();
    let ansible = run_ansible_playbooks(dir, &jobs, &env);
    let ansible_took = started.elapsed();
    let started = Instant::now();
    let roller: Vec<Outcome> = jobs.iter().map(|a| run_roller_playbook(a, &env)).collect();
    let roller_took = started.elapsed();
    eprintln!(
        "{} cases: ansible-playbook {:.1} s, roller {:.1} s",
        cases.len(),
        ansible_took.as_secs_f64(),
        roller_took.as_secs_f64()
    );
    let mut problems = Vec::new();
    for ((case, a), r) in cases.iter().zip(&ansible).zip(&roller) {
        if let Some(diff) = compare_runs(a, r) {
            problems.push(format!("{}: {diff}", case.name));
        }
        for secret in [&user_pw, &root_pw] {
            assert!(
                !r.stdout.contains(secret.as_str()) && !r.stderr.contains(secret.as_str()),
                "{}: the password is in roller's output:\n{}",
                case.name,
                show(r)
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // What the comparison saw, spelled out.
    let expect = |i: usize, text: &str| {
        assert!(
            roller[i].stdout.contains(text),
            "{}: no {text:?} in\n{}",
            cases[i].name,
            show(&roller[i])
        )
    };
    expect(0, "\"who.stdout\": \"root\"");
    expect(0, "\"input.stdout\": \"the command's own input\"");
    expect(1, "\"daemon.stdout\": \"daemon\"");
    expect(1, "\"nopasswd.stdout\": \"only this\"");
    expect(2, "Task failed: Incorrect sudo password");
    expect(3, "Task failed: Missing sudo password");
    expect(4, "\"who.stdout\": \"root\"");
    expect(5, "Task failed: Incorrect su password");

    // su without a password: Ansible waits 12 s for a prompt answer and reports the host
    // UNREACHABLE; roller sees the prompt, has nothing to send and fails the task at once.
    let case = Case {
        name: "su-missing",
        playbook: &su_pb,
        vars: String::new(),
    };
    let started = Instant::now();
    let r = run_roller_playbook(&args(dir, &case, &[]), &env);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "su without a password took {:?}",
        started.elapsed()
    );
    assert_eq!(r.code, 2, "{}", show(&r));
    assert!(
        r.stdout.contains("Task failed: Missing su password"),
        "{}",
        show(&r)
    );

    // -K: the password from the prompt (without a terminal, read from stdin as Python's
    // getpass does), at -vvv, while a long command runs under become: the target's
    // processes, their environments and the channel's files never show it.
    let case = Case {
        name: "ask-become-pass",
        playbook: &write(&dir.join("sleep.yml"), SLEEP),
        vars: String::new(),
    };
    let mut child = Command::new("setsid")
        .arg(env!("CARGO_BIN_EXE_roller"))
        .arg("playbook")
        .args(args(dir, &case, &["-K", "-vvv"]))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run roller -K");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{user_pw}\n").as_bytes())
        .expect("type the password");
    let probe = "ps -eo user,args; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n'; \
         find /tmp -maxdepth 2 -user labop -type f -exec cat {} + 2>/dev/null";
    let mut seen_sleep = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && child.try_wait().expect("roller status").is_none() {
        let out = lab_command(&["exec", "broker1", "sh", "-c", probe])
            .output()
            .expect("look at the target");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains(user_pw.as_str()),
            "the password is visible on the target:\n{text}"
        );
        seen_sleep |= text
            .lines()
            .any(|l| l.starts_with("root") && l.contains("sleep 4"));
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().expect("roller -K");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "roller -K failed:\n{stdout}\n{stderr}"
    );
    assert!(
        seen_sleep,
        "never saw `sleep 4` running as root on the target"
    );
    assert!(stderr.contains("BECOME password: "), "no prompt: {stderr}");
    assert!(
        !stdout.contains(user_pw.as_str()) && !stderr.contains(user_pw.as_str()),
        "the password is in roller's -vvv output:\n{stdout}\n{stderr}"
    );

    // What roller does not have: a clear error that names the host, never a fallback.
    let unsupported = [
        (
            "doas",
            vars(&[("ansible_become_method", "doas")]),
            2,
            "Invalid become method specified: roller has the become methods 'sudo' and 'su', not 'doas'.",
        ),
        (
            "ssh-password",
            vars(&[("ansible_password", "secret")]),
            4,
            "broker1.lab.test: ansible_password is set, but roller does not do SSH password authentication.",
        ),
        (
            "winrm",
            vars(&[("ansible_connection", "winrm")]),
            4,
            "broker1.lab.test: roller has no 'winrm' connection",
        ),
    ];
    for (name, v, code, msg) in unsupported {
        let case = Case {
            name,
            playbook: &become_pb,
            vars: v,
        };
        let r = run_roller_playbook(&args(dir, &case, &[]), &env);
        assert_eq!(r.code, code, "{name}: {}", show(&r));
        assert!(r.stdout.contains(msg), "{name}: no {msg:?} in {}", show(&r));
    }

    let leftovers = lab.down();
    assert!(leftovers.is_empty(), "lab leftovers:\n{leftovers}");
}
