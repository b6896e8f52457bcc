//! The playbooks shipped inside the binary (build.rs embeds playbooks/): `roller roll`
//! writes them into a private directory for the run and removes it afterwards.

use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// (path under playbooks/, contents)
pub static FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/bundled_playbooks.rs"));

/// The prefix of the directories the bundled playbooks are written to.
pub const DIR_PREFIX: &str = "roller-playbooks-";

/// `bundled:FILE` for a playbook written out from the binary: the same run identity for
/// every `roller roll`, wherever this run's copy went (the resume state is keyed on it).
pub fn stable_name(playbook: &str) -> Option<String> {
    let path = Path::new(playbook);
    let dir = path.parent()?.file_name()?.to_str()?;
    let file = path.file_name()?.to_string_lossy();
    dir.starts_with(DIR_PREFIX)
        .then(|| format!("bundled:{file}"))
}

/// The bundled playbooks written out; removed when dropped.
pub struct Extracted {
    dir: PathBuf,
}

impl Extracted {
    /// Writes every bundled file under a new directory only the user can read (0700).
    pub fn new() -> io::Result<Extracted> {
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = base.join(format!("{DIR_PREFIX}{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let extracted = Extracted { dir };
        for (rel, contents) in FILES {
            let path = extracted.dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)?;
            }
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)?;
            io::Write::write_all(&mut f, contents)?;
        }
        Ok(extracted)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Extracted {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
