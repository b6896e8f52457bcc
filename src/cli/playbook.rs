//! `roller playbook`: reserved for the playbook engine (a later issue).

use clap::Args;

use super::CliError;

#[derive(Debug, Args)]
pub struct PlaybookArgs {
    /// Playbook file(s) to run.
    #[arg(required = true)]
    pub playbooks: Vec<String>,
    /// Inventory source (file, directory or comma-separated host list); repeatable.
    #[arg(short = 'i', long = "inventory")]
    pub inventory: Vec<String>,
}

pub fn run(_args: &PlaybookArgs) -> Result<(), CliError> {
    Err(CliError::error(
        "`roller playbook` is not implemented yet; use `roller inventory` to check inventories",
    ))
}
