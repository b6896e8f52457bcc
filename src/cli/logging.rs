//! Tracing logs: to `--log-file FILE` (appended), or to stderr when RUST_LOG is set, never
//! to stdout (which is Ansible's output). The level comes from RUST_LOG when it is set,
//! else from `-v`: info, debug at -vv, trace at -vvvv.

use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use super::CliError;

pub fn init(log_file: Option<&Path>, verbose: u8) -> Result<(), CliError> {
    let from_env = std::env::var_os("RUST_LOG").is_some();
    if log_file.is_none() && !from_env {
        return Ok(());
    }
    let filter = if from_env {
        EnvFilter::from_default_env()
    } else {
        EnvFilter::new(match verbose {
            0 | 1 => "info",
            2 | 3 => "debug",
            _ => "trace",
        })
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| {
                    CliError::error(format!("--log-file: cannot open {}: {e}", path.display()))
                })?;
            builder
                .with_ansi(false)
                .with_writer(Mutex::new(file))
                .try_init()
        }
        None => {
            use std::io::IsTerminal;
            builder
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr)
                .try_init()
        }
    };
    // A subscriber set before (tests calling run twice) stays.
    let _ = result;
    Ok(())
}
