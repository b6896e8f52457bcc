//! Ctrl-C on a terminal reaches roller alone.
//!
//! The terminal sends SIGINT to its whole foreground process group: roller and every
//! process it started (`/bin/sh -c` of the local connection, the `ssh` mux clients that
//! carry the SSH channels). Those would die at the first Ctrl-C and fail the tasks under way,
//! when the first Ctrl-C must let them finish. So while a run goes on a terminal, a small
//! relay process (`roller __interrupt-relay PID`, in its own process group) is the
//! terminal's foreground group: it receives the terminal's SIGINT and sends it to roller's
//! process only. Roller's group keeps writing to the terminal (it reads nothing from it
//! after the become prompt). At the end roller takes the terminal back; if roller is killed,
//! the shell takes it back as for any job, and the relay ends with its parent.
//! Ctrl-Z is ignored while the relay has the terminal (a roll is not suspended half-way).

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The hidden subcommand of the relay process.
pub const RELAY: &str = "__interrupt-relay";

pub struct TerminalShield {
    own_group: libc::pid_t,
    relay: Child,
}

/// Hands the terminal's foreground to a relay, when stdin is a terminal whose foreground
/// group is roller's; None otherwise (pipes, CI, a background job).
pub fn shield() -> Option<TerminalShield> {
    // SAFETY: plain libc queries on fd 0 and the calling process.
    let (own_group, foreground) = unsafe {
        if libc::isatty(0) != 1 {
            return None;
        }
        (libc::getpgrp(), libc::tcgetpgrp(0))
    };
    if foreground != own_group {
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    let relay = Command::new(exe)
        .arg(RELAY)
        .arg(std::process::id().to_string())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // SAFETY: tcsetpgrp on fd 0 to the relay's group (it exists once spawn returned).
    let ok = unsafe { libc::tcsetpgrp(0, relay.id() as libc::pid_t) } == 0;
    let mut shield = TerminalShield { own_group, relay };
    if !ok {
        let _ = shield.relay.kill();
        let _ = shield.relay.wait();
        return None;
    }
    Some(shield)
}

impl Drop for TerminalShield {
    fn drop(&mut self) {
        // SAFETY: SIGTTOU is blocked around tcsetpgrp, which a background group may call
        // then; the mask is restored after.
        unsafe {
            let mut block: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut block);
            libc::sigaddset(&mut block, libc::SIGTTOU);
            libc::pthread_sigmask(libc::SIG_BLOCK, &block, &mut old);
            libc::tcsetpgrp(0, self.own_group);
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        }
        let _ = self.relay.kill();
        let _ = self.relay.wait();
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// The relay: every SIGINT from the terminal goes to PARENT; ends when PARENT does.
pub fn relay(parent: &str) -> i32 {
    let Ok(parent) = parent.parse::<libc::pid_t>() else {
        return 2;
    };
    // SAFETY: installing an async-signal-safe handler (an atomic store), ignoring the
    // terminal's stop and quit keys, and asking for SIGKILL when the parent dies.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
        libc::signal(libc::SIGTSTP, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    loop {
        // SAFETY: getppid and kill are plain syscalls.
        unsafe {
            if libc::getppid() != parent {
                return 0;
            }
            if INTERRUPTED.swap(false, Ordering::SeqCst) {
                libc::kill(parent, libc::SIGINT);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
