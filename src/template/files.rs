//! Template files: `{% include %}` / `{% import %}` / `{% extends %}` resolved the way
//! Ansible's template action and `template` lookup do — next to the including file first,
//! then in the search directories of the current render (a role's and the playbook's
//! `templates/`).

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use minijinja::{Environment, Error as JError};

use super::source::prepare_source;

thread_local! {
    /// Directories searched for included templates during the current render.
    static SEARCH_DIRS: RefCell<Vec<PathBuf>> = const { RefCell::new(Vec::new()) };
}

/// Sets the search directories for the duration of a render; restores the previous ones.
pub(crate) struct SearchDirsGuard(Vec<PathBuf>);

impl SearchDirsGuard {
    pub(crate) fn set(dirs: Vec<PathBuf>) -> Self {
        SearchDirsGuard(SEARCH_DIRS.with(|d| std::mem::replace(&mut *d.borrow_mut(), dirs)))
    }
}

impl Drop for SearchDirsGuard {
    fn drop(&mut self) {
        let previous = std::mem::take(&mut self.0);
        SEARCH_DIRS.with(|d| *d.borrow_mut() = previous);
    }
}

pub(crate) fn configure(env: &mut Environment<'static>) {
    env.set_path_join_callback(|name, parent| resolve(name, parent).into());
    env.set_loader(load);
}

/// The file an include names: absolute as is; else beside the including file, then in
/// the search directories. A name that is found nowhere stays relative (and fails to
/// load with "template not found").
fn resolve(name: &str, parent: &str) -> String {
    let path = Path::new(name);
    if path.is_absolute() {
        return name.to_string();
    }
    let mut candidates = Vec::new();
    if let Some(dir) = Path::new(parent).parent().filter(|d| d.is_absolute()) {
        candidates.push(dir.join(name));
    }
    SEARCH_DIRS.with(|dirs| candidates.extend(dirs.borrow().iter().map(|d| d.join(name))));
    candidates
        .into_iter()
        .find(|c| c.is_file())
        .map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string())
}

fn load(name: &str) -> Result<Option<String>, JError> {
    let path = Path::new(name);
    if !path.is_absolute() || !path.is_file() {
        return Ok(None);
    }
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(prepare_source(&text))),
        Err(_) => Ok(None),
    }
}
