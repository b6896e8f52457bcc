//! The playbooks shipped inside the binary (build.rs embeds playbooks/). `roller roll`
//! runs them from a directory named after their contents, so that the same roller always
//! runs the same path: `--resume` finds an interrupted roll's state by the playbook's path.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// (path under playbooks/, contents)
pub static FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/bundled_playbooks.rs"));

/// The prefix of the directories the bundled playbooks are written to.
pub const DIR_PREFIX: &str = "roller-bundled-";

/// `bundled:FILE` for a bundled playbook: the run identity of every `roller roll` (the
/// resume state is keyed on it), whichever roller version's directory it ran from.
pub fn stable_name(playbook: &str) -> Option<String> {
    let path = Path::new(playbook);
    let dir = path.parent()?.file_name()?.to_str()?;
    let file = path.file_name()?.to_string_lossy();
    dir.starts_with(DIR_PREFIX)
        .then(|| format!("bundled:{file}"))
}

/// The bundled playbooks on disk, private to the user (0700), kept between runs.
pub struct Bundled {
    dir: PathBuf,
}

fn content_id() -> String {
    let mut h = Sha256::new();
    for (path, contents) in FILES {
        h.update(path.as_bytes());
        h.update([0]);
        h.update((contents.len() as u64).to_be_bytes());
        h.update(contents);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An existing directory is used only if it is ours, private and not a symlink (the base
/// may be a shared /tmp).
fn check_private(dir: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(dir)?;
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    if !meta.is_dir() || meta.uid() != uid || meta.permissions().mode() & 0o077 != 0 {
        return Err(io::Error::other(format!(
            "{} is not a private directory of this user; remove it",
            dir.display()
        )));
    }
    Ok(())
}

impl Bundled {
    /// Writes the bundled files if this version's directory does not hold them yet.
    pub fn install() -> io::Result<Bundled> {
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        let dir = base.join(format!("{DIR_PREFIX}{uid}-{}", content_id()));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => check_private(&dir)?,
            Err(e) => return Err(e),
        }
        for (rel, contents) in FILES {
            let path = dir.join(rel);
            if std::fs::read(&path).is_ok_and(|c| c == *contents) {
                continue;
            }
            if let Some(parent) = path.parent() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)?;
            }
            // Written beside and renamed: a concurrent roller never reads half a file.
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            io::Write::write_all(&mut f, contents)?;
            std::fs::rename(&tmp, &path)?;
        }
        Ok(Bundled { dir })
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
