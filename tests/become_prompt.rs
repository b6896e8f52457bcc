//! `-K` asks for the become password on the controlling terminal, as ansible-playbook
//! does: the prompt `BECOME password: `, typing not echoed. The terminal is a real
//! pseudo-terminal from util-linux `script`; the password is typed only once the prompt
//! is shown, as a person would.

mod support;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::{TempDir, roller_bin};

#[test]
fn ask_become_pass_prompts_on_the_terminal_without_echo() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: no script(1) here");
        return;
    }
    let dir = TempDir::new("become-prompt");
    let playbook = dir.path().join("pb.yml");
    std::fs::write(
        &playbook,
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - debug: msg=ran\n",
    )
    .expect("write playbook");
    let line = format!(
        "{} playbook -K -c local {}",
        roller_bin().display(),
        playbook.display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut stdin = child.stdin.take().expect("stdin");
    let mut typed = false;
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(chunk) => seen.extend(chunk),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if !typed && String::from_utf8_lossy(&seen).contains("BECOME password: ") {
            // Give roller the moment it takes to turn echo off after printing the prompt.
            std::thread::sleep(Duration::from_millis(300));
            stdin
                .write_all(b"typed-not-echoed\n")
                .expect("type the password");
            typed = true;
        }
    }
    drop(stdin);
    let status = child.wait().expect("script status");
    let text = String::from_utf8_lossy(&seen);
    assert!(typed, "no prompt on the terminal:\n{text}");
    assert!(status.success(), "roller failed:\n{text}");
    assert!(text.contains("\"msg\": \"ran\""), "{text}");
    assert!(
        !text.contains("typed-not-echoed"),
        "the password was echoed:\n{text}"
    );
}
