//! `roller keytab`: the bundled Kerberos playbooks (build.rs embeds playbooks/) over an
//! inventory.
//!
//! - `roller keytab provision -i INV [playbook flags]`: playbooks/kerberos.yml, every
//!   principal and keytab (`--check --diff` previews, `-e kerberos_rotate=true` rotates).
//! - `roller keytab doctor -i INV [HOST...]`: playbooks/keytab_doctor.yml, krb5_diagnose
//!   on every host with a Kerberos principal. docs/kerberos.md.

use clap::{Args, Subcommand};

use super::CliError;
use super::bundled::Bundled;
use super::playbook;

#[derive(Debug, Args)]
pub struct KeytabArgs {
    #[command(subcommand)]
    pub command: KeytabCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeytabCommand {
    /// Create missing principals and make every keytab hold exactly the KDC's keys
    /// (playbooks/kerberos.yml). Preview with --check --diff.
    Provision(ProvisionArgs),
    /// Diagnose each host's keytab, principal, hostname, DNS, clock and krb5.conf; name
    /// the error the service would show for each problem (playbooks/keytab_doctor.yml).
    Doctor(DoctorArgs),
}

#[derive(Debug, Args)]
pub struct ProvisionArgs {
    /// Inventory source (file, directory or comma-separated host list); repeatable.
    #[arg(short = 'i', long = "inventory", value_name = "INVENTORY")]
    pub inventory: Vec<String>,
    /// Flags for the run, as for `roller playbook`: --check, --diff, -l SUBSET,
    /// -e kerberos_rotate=true, -b, -K, -v, ...
    #[arg(
        value_name = "PLAYBOOK FLAGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub flags: Vec<String>,
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
    /// Run with become (when the login user cannot read the keytabs).
    #[arg(short = 'b', long = "become")]
    pub become_: bool,
}

fn inventory_args(inventory: &[String]) -> Vec<String> {
    inventory
        .iter()
        .flat_map(|i| ["-i".to_string(), i.clone()])
        .collect()
}

/// The `roller playbook` command line a doctor run is.
pub fn doctor_argv(d: &DoctorArgs, playbook: &str) -> Vec<String> {
    let mut argv = vec!["roller".to_string(), "playbook".to_string()];
    argv.extend(inventory_args(&d.inventory));
    argv.push(playbook.to_string());
    for e in &d.extra_vars {
        argv.extend(["-e".into(), e.clone()]);
    }
    if !d.hosts.is_empty() {
        argv.extend(["--limit".into(), d.hosts.join(",")]);
    }
    if d.verbose > 0 {
        argv.push(format!("-{}", "v".repeat(usize::from(d.verbose))));
    }
    if d.become_ {
        argv.push("--become".into());
    }
    argv
}

/// The `roller playbook` command line a provisioning run is.
pub fn provision_argv(p: &ProvisionArgs, playbook: &str) -> Vec<String> {
    let mut argv = vec!["roller".to_string(), "playbook".to_string()];
    argv.extend(inventory_args(&p.inventory));
    argv.push(playbook.to_string());
    argv.extend(p.flags.iter().cloned());
    argv
}

pub fn run(args: &KeytabArgs) -> Result<i32, CliError> {
    let bundled = Bundled::install()
        .map_err(|e| CliError::error(format!("cannot write the bundled playbooks: {e}")))?;
    let argv = match &args.command {
        KeytabCommand::Provision(p) => {
            provision_argv(p, &bundled.path("kerberos.yml").to_string_lossy())
        }
        KeytabCommand::Doctor(d) => {
            doctor_argv(d, &bundled.path("keytab_doctor.yml").to_string_lossy())
        }
    };
    playbook::run_argv(&argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctor_and_provision_become_playbook_command_lines() {
        let d = DoctorArgs {
            inventory: vec!["hosts.yml".into()],
            hosts: vec!["b1".into(), "b2".into()],
            verbose: 2,
            extra_vars: vec!["x=1".into()],
            become_: true,
        };
        assert_eq!(
            doctor_argv(&d, "/p/keytab_doctor.yml"),
            [
                "roller",
                "playbook",
                "-i",
                "hosts.yml",
                "/p/keytab_doctor.yml",
                "-e",
                "x=1",
                "--limit",
                "b1,b2",
                "-vv",
                "--become"
            ]
        );
        let p = ProvisionArgs {
            inventory: vec!["hosts.yml".into()],
            flags: vec!["--check".into(), "--diff".into()],
        };
        assert_eq!(
            provision_argv(&p, "/p/kerberos.yml"),
            [
                "roller",
                "playbook",
                "-i",
                "hosts.yml",
                "/p/kerberos.yml",
                "--check",
                "--diff"
            ]
        );
    }
}
