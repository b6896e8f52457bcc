//! The become password from the command line: `-K` asks on the controlling terminal
//! ("BECOME password: ", echo off), `--become-password-file` reads a file. Either is
//! only a fallback: `ansible_become_password` in the inventory takes precedence, as in
//! Ansible.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;

use crate::connection::Secret;

/// Ask on /dev/tty without echo; without a terminal, read a line from stdin (as Python's
/// getpass does). End of input gives no password.
pub fn ask(prompt: &str) -> std::io::Result<Option<Secret>> {
    let mut line = String::new();
    match OpenOptions::new().read(true).write(true).open("/dev/tty") {
        Ok(mut tty) => {
            let fd = tty.as_raw_fd();
            // SAFETY: a zeroed termios is a valid out-parameter for tcgetattr on our fd.
            let mut term: libc::termios = unsafe { std::mem::zeroed() };
            let saved = (unsafe { libc::tcgetattr(fd, &mut term) } == 0).then_some(term);
            if let Some(mut quiet) = saved {
                quiet.c_lflag &= !libc::ECHO;
                quiet.c_lflag |= libc::ECHONL;
                // SAFETY: fd is open; quiet is a termios from tcgetattr.
                unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
            }
            let _ = tty.write_all(prompt.as_bytes());
            let _ = tty.flush();
            let read = BufReader::new(&tty).read_line(&mut line);
            if let Some(term) = saved {
                // SAFETY: restores the settings read above on the same fd.
                unsafe { libc::tcsetattr(fd, libc::TCSANOW, &term) };
            }
            read?;
        }
        Err(_) => {
            eprint!("{prompt}");
            std::io::stdin().lock().read_line(&mut line)?;
            eprintln!();
        }
    }
    Ok(finish(line))
}

/// The first line of a password file (as Ansible reads `--become-password-file`).
pub fn from_file(path: &str) -> std::io::Result<Option<Secret>> {
    let text = std::fs::read_to_string(path)?;
    Ok(finish(text.lines().next().unwrap_or("").to_string()))
}

fn finish(mut line: String) -> Option<Secret> {
    if line.is_empty() {
        return None;
    }
    while line.ends_with(['\n', '\r']) {
        line.pop();
    }
    let secret = Secret::new(line.as_str());
    crate::connection::escalation::wipe(unsafe { line.as_bytes_mut() });
    Some(secret)
}
