//! Reading inventory sources (`-i`): files, directories of files, and host lists, with
//! Ansible's plugin order: host_list, then yaml, then ini for files.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::error::SourceError;
use super::host_list::parse_host_list;
use super::ini::parse_ini_inventory;
use super::model::Inventory;
use super::vars_files::{load_data_text, python_splitext_ext};
use super::yaml_source::parse_yaml_inventory;

/// Directory entries never read as inventory (Ansible's IGNORED_ALWAYS and the default
/// INVENTORY_IGNORE_EXTS).
static IGNORED: LazyLock<Regex> = LazyLock::new(|| {
    let exts = [
        ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg",
        ".retry",
    ];
    let mut alts = vec![
        r"^\.".to_string(),
        "^host_vars$".into(),
        "^group_vars$".into(),
        "^vars_plugins$".into(),
    ];
    alts.extend(exts.iter().map(|e| format!("{}$", regex::escape(e))));
    Regex::new(&alts.join("|")).expect("static regex")
});

const YAML_EXTENSIONS: [&str; 3] = [".yaml", ".yml", ".json"];

/// `unfrackpath(path, follow=False)`: `~` expanded, made absolute, normalised; symlinks kept.
pub fn unfrack_path(source: &str) -> PathBuf {
    let expanded = if let Some(rest) = source.strip_prefix("~/") {
        std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(rest))
            .unwrap_or_else(|| PathBuf::from(source))
    } else if source == "~" {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(source))
    } else {
        PathBuf::from(source)
    };
    let absolute = if expanded.is_absolute() {
        expanded
    } else {
        std::env::current_dir()
            .map(|d| d.join(&expanded))
            .unwrap_or(expanded)
    };
    normalize(&absolute)
}

/// `os.path.normpath` for absolute paths: drop `.`, fold `..`, no symlink resolution.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Reading an inventory source failed entirely.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourcesError {
    /// No parser accepted the file; the most telling parser error is kept.
    #[error("{0}")]
    Unparsable(SourceError),
    #[error("{0}")]
    Graph(SourceError),
}

/// Parse every source into `inv`. Returns whether any source was parsed.
pub fn parse_sources(inv: &mut Inventory, sources: &[String]) -> Result<bool, SourcesError> {
    let mut parsed = false;
    for source in sources.iter().filter(|s| !s.is_empty()) {
        let this = if source.contains(',') && !Path::new(source).exists() {
            parse_host_list(inv, source);
            true
        } else {
            let path = if source.contains(',') {
                PathBuf::from(source)
            } else {
                unfrack_path(source)
            };
            parse_source(inv, &path)?
        };
        parsed |= this;
    }
    if parsed {
        inv.reconcile()
            .map_err(|e| SourcesError::Graph(SourceError::new("<inventory>", e.0)))?;
    } else {
        inv.warn("No inventory was parsed, only implicit localhost is available");
    }
    Ok(parsed)
}

fn parse_source(inv: &mut Inventory, path: &Path) -> Result<bool, SourcesError> {
    if path.is_dir() {
        let mut names: Vec<String> = match std::fs::read_dir(path) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(e) => {
                return Err(SourcesError::Unparsable(SourceError::new(
                    path,
                    format!("cannot list directory: {e}"),
                )));
            }
        };
        names.sort();
        let mut parsed = false;
        for name in names {
            if IGNORED.is_match(&name) {
                continue;
            }
            parsed |= parse_source(inv, &path.join(name))?;
        }
        return Ok(parsed);
    }
    if !path.exists() {
        // Ansible only warns here; roller refuses to run against an inventory that is not
        // there (docs/inventory.md). The built-in default may be absent quietly.
        if path == Path::new("/etc/ansible/hosts") {
            return Ok(false);
        }
        return Err(SourcesError::Unparsable(SourceError::new(
            path,
            "inventory source not found: check the -i path (or `inventory` in ansible.cfg)",
        )));
    }
    parse_file(inv, path)
}

/// Try the file plugins in Ansible's order. A failed plugin may leave partial changes, as
/// in Ansible; the next one then runs on top of them.
fn parse_file(inv: &mut Inventory, path: &Path) -> Result<bool, SourcesError> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            return Err(SourcesError::Unparsable(SourceError::new(
                path,
                format!("cannot read file: {e}"),
            )));
        }
    };
    inv.current_source = Some(path.to_string_lossy().into_owned());
    let ext = python_splitext_ext(path.file_name().and_then(|n| n.to_str()).unwrap_or(""));
    let yaml_ok = ext.is_empty() || YAML_EXTENSIONS.contains(&ext);

    let mut yaml_error = None;
    let mut empty_yaml = false;
    if yaml_ok {
        let mut warnings = Vec::new();
        let attempt = load_data_text(path, &text, &mut warnings).and_then(|data| {
            empty_yaml = !data.as_ref().is_some_and(|d| d.is_truthy());
            parse_yaml_inventory(inv, path, &text, data)
        });
        match attempt {
            Ok(()) => {
                for w in warnings {
                    inv.warn(w);
                }
                inv.current_source = None;
                return Ok(true);
            }
            Err(e) => yaml_error = Some(e),
        }
    }
    let ini_error = if ext == ".toml" {
        SourceError::new(path, "TOML inventories are not supported by roller")
    } else {
        match parse_ini_inventory(inv, path, &text) {
            Ok(()) => {
                inv.current_source = None;
                return Ok(true);
            }
            Err(e) => e,
        }
    };
    inv.current_source = None;
    // A file with no data at all (only comments) is skipped with a warning, as Ansible
    // does; anything malformed stops the run (docs/inventory.md).
    if empty_yaml {
        inv.warn(format!("{}: Parsed empty YAML file", path.display()));
        inv.warn(format!(
            "Unable to parse {} as an inventory source",
            path.display()
        ));
        return Ok(false);
    }
    Err(SourcesError::Unparsable(pick_error(
        &text, ext, yaml_error, ini_error,
    )))
}

/// When no plugin could read a file, report the error of the format the file was meant to be.
fn pick_error(text: &str, ext: &str, yaml: Option<SourceError>, ini: SourceError) -> SourceError {
    let Some(yaml) = yaml else { return ini };
    if YAML_EXTENSIONS.contains(&ext) {
        return yaml;
    }
    let looks_ini = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with(['#', ';']))
        .is_some_and(|l| l.starts_with('['));
    if looks_ini { ini } else { yaml }
}
