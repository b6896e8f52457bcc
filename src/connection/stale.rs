//! What a killed roller leaves behind: its runtime directory (`$TMPDIR/roller-PID`), the
//! SSH master connections whose control sockets are in it (ControlPersist keeps them up
//! after roller is gone). (The bundled playbooks are not per run: crate::cli::bundled.)
//! Each playbook run ends those of rollers that no longer run
//! (`ssh -O exit` on each control socket) and removes their directories, so a SIGKILL
//! followed by `--resume` leaks nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The directories under TMP named PREFIX + PID (+ `-...`) of rollers that are gone.
fn stale_dirs(tmp: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix(prefix)?;
            let pid: u32 = rest.split('-').next()?.parse().ok()?;
            if prefix == "roller-" && rest.contains('-') {
                return None;
            }
            let gone = pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists();
            (gone && e.file_type().ok()?.is_dir()).then(|| e.path())
        })
        .collect()
}

/// Control sockets (`master`) up to three levels below DIR.
fn control_sockets(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() && !kind.is_symlink() && depth > 0 {
            control_sockets(&e.path(), depth - 1, out);
        } else if e.file_name() == "master" {
            out.push(e.path());
        }
    }
}

/// Ends the SSH masters of rollers that are gone and removes their runtime directories.
pub fn reap() {
    for dir in stale_dirs(&std::env::temp_dir(), "roller-") {
        let mut sockets = Vec::new();
        control_sockets(&dir, 3, &mut sockets);
        for s in sockets {
            let ended = Command::new("ssh")
                .args(["-o", "BatchMode=yes", "-S"])
                .arg(&s)
                .args(["-O", "exit", "roller-stale"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            tracing::info!(socket = %s.display(), ok = ended.is_ok_and(|s| s.success()), "ended a dead roller's ssh master");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
