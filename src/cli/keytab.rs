//! `roller keytab doctor -i INV [HOST...]`: runs the bundled playbooks/keytab_doctor.yml
//! (krb5_diagnose on every host with a Kerberos principal) over an inventory.

use clap::{Args, Parser, Subcommand};

use super::CliError;
use super::playbook::{self, PlaybookArgs};
use crate::kerberos::kadmin::PrivateDir;

const DOCTOR_PLAYBOOK: &str = include_str!("../../playbooks/keytab_doctor.yml");

#[derive(Debug, Args)]
pub struct KeytabArgs {
    #[command(subcommand)]
    pub command: KeytabCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeytabCommand {
    /// Diagnose each host's keytab, principal, hostname, DNS, clock and krb5.conf; name
    /// the error the service would show for each problem.
    Doctor(DoctorArgs),
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Inventory source (as for `roller playbook`); repeatable.
    #[arg(short = 'i', long = "inventory", value_name = "INVENTORY")]
    pub inventory: Vec<String>,
    /// Hosts (or patterns) to diagnose; all hosts with a principal by default.
    #[arg(value_name = "HOST")]
    pub hosts: Vec<String>,
    /// Print every check's result, not only failures.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Extra variables (as for `roller playbook`).
    #[arg(short = 'e', long = "extra-vars", value_name = "EXTRA_VARS")]
    pub extra_vars: Vec<String>,
}

#[derive(Parser)]
struct Wrapped {
    #[command(flatten)]
    args: PlaybookArgs,
}

pub fn run(args: &KeytabArgs) -> Result<i32, CliError> {
    let KeytabCommand::Doctor(d) = &args.command;
    let dir = PrivateDir::new()
        .map_err(|e| CliError::error(format!("cannot create a private directory: {e}")))?;
    let path = dir.path().join("keytab_doctor.yml");
    std::fs::write(&path, DOCTOR_PLAYBOOK)
        .map_err(|e| CliError::error(format!("cannot write {}: {e}", path.display())))?;
    let mut argv = vec!["roller-keytab-doctor".to_string()];
    for i in &d.inventory {
        argv.extend(["-i".into(), i.clone()]);
    }
    for e in &d.extra_vars {
        argv.extend(["-e".into(), e.clone()]);
    }
    if !d.hosts.is_empty() {
        argv.extend(["--limit".into(), d.hosts.join(",")]);
    }
    if d.verbose > 0 {
        argv.push(format!("-{}", "v".repeat(usize::from(d.verbose))));
    }
    argv.push(path.display().to_string());
    let wrapped = Wrapped::try_parse_from(&argv).map_err(CliError::options)?;
    playbook::run(&wrapped.args)
}
