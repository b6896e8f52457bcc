//! The progress bar under a pseudo-terminal (util-linux's `script`, in Debian's essential
//! bsdutils): a 3-host serial roll shows hosts done/total, the batch, the host and task under
//! way, the elapsed time and an ETA, while Ansible's lines and the recap still print. Off a
//! terminal none of it is drawn.

mod support;

use std::process::Command;

use support::{TempDir, isolated_env, roller_bin};

const INVENTORY: &str = "all:
  hosts:
    h1: {}
    h2: {}
    h3: {}
  vars:
    ansible_connection: local
";

const PLAYBOOK: &str = "- name: slow roll
  hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - name: wait a bit
      command: sleep 1
    - name: say
      debug: msg=done
";

fn setup(dir: &TempDir) {
    std::fs::write(dir.path().join("hosts.yml"), INVENTORY).unwrap();
    std::fs::write(dir.path().join("play.yml"), PLAYBOOK).unwrap();
}

#[test]
fn progress_bar_is_drawn_on_a_terminal() {
    let dir = TempDir::new("progress-tty");
    setup(&dir);
    let typescript = dir.path().join("typescript");
    let cmd = format!(
        "stty cols 120 rows 40; exec {} playbook -i hosts.yml play.yml",
        roller_bin().display()
    );
    let out = Command::new("script")
        .args(["-q", "-f", "-e", "-c", &cmd])
        .arg(&typescript)
        .envs(isolated_env(dir.path(), &[("TERM", "xterm-256color")]))
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script(1)");
    let screen = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    assert!(
        out.status.success(),
        "roller under a pty failed: {}\n{screen}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "0/3 hosts, ETA --",
        "1/3 hosts, ETA ",
        "2/3 hosts, ETA ",
        "batch 1/3 h1: wait a bit",
        "batch 2/3 h2: wait a bit",
        "batch 3/3 h3: wait a bit",
        "[00:00:0",
        "TASK [wait a bit]",
        "PLAY RECAP",
    ] {
        assert!(
            screen.contains(want),
            "no {want:?} on the terminal:\n{screen}"
        );
    }
    // The ETA once a host is done: one host's time (a bit over 1 s) per host left, less the
    // time since.
    let etas: Vec<u64> = screen
        .split("1/3 hosts, ETA ")
        .skip(1)
        .filter_map(|rest| rest.split('s').next()?.parse().ok())
        .collect();
    assert!(!etas.is_empty(), "{screen}");
    assert!(
        etas.iter().all(|s| *s <= 3),
        "ETAs with 1 of 3 hosts done: {etas:?}"
    );
    // The bar is cleared at the end: the recap is the last thing on the screen.
    let last = screen.rfind("hosts, ETA").unwrap();
    assert!(screen.rfind("PLAY RECAP").unwrap() > last, "{screen}");
}

#[test]
fn no_progress_bar_off_a_terminal() {
    let dir = TempDir::new("progress-pipe");
    setup(&dir);
    let out = Command::new(roller_bin())
        .args(["playbook", "-i", "hosts.yml", "play.yml"])
        .envs(isolated_env(dir.path(), &[]))
        .current_dir(dir.path())
        .output()
        .expect("run roller");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        !stdout.contains("hosts, ETA") && !stdout.contains('\x1b'),
        "{stdout}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hosts, ETA"));
}
