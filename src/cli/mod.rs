//! The `roller` command line.

pub mod become_pass;
pub mod bundled;
pub mod exit;
pub mod extra_vars;
pub mod interrupt;
pub mod inventory;
pub mod logging;
pub mod playbook;
pub mod playbook_list;
pub mod roll;

use clap::{Parser, Subcommand};

pub use exit::{CliError, ExitCode};

/// roller: run Ansible inventories and playbooks against Kafka / Confluent clusters, one
/// host at a time, safely.
#[derive(Debug, Parser)]
#[command(name = "roller", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show an inventory the way Ansible resolves it (like `ansible-inventory`).
    #[command(long_about = "Show an inventory the way Ansible resolves it.\n\n\
        Output matches `ansible-inventory`: `--list` prints the same JSON, `--graph` the same \
        tree, `--host` one host's merged variables. Inventories are YAML or INI files, \
        directories of them, or comma-separated host lists; `group_vars/` and `host_vars/` \
        next to the inventory and next to the playbook directory are applied in Ansible's \
        precedence order. Settings come from ansible.cfg and ANSIBLE_* variables.")]
    Inventory(inventory::InventoryArgs),
    /// Run playbooks (like `ansible-playbook`: same flags, output and exit codes).
    Playbook(Box<playbook::PlaybookArgs>),
    /// Roll a group one host at a time with the bundled rolling update (health check,
    /// Kafka gate, stop, OS update, reboot, start, health), leader last.
    #[command(long_about = "Roll a group one host at a time with roller's bundled \
        playbooks/rolling_update.yml: health check, Kafka can-roll gate (kafka_broker), stop \
        the service, update the OS (-e rolling_update_command=...), reboot, start, health \
        check and Kafka health, with the active controller or ZooKeeper leader last. \
        Preview with --check. Flags after GROUP are `roller playbook`'s; the playbook's \
        variables are in docs/rolling_update.md.")]
    Roll(roll::RollArgs),
}

/// Parse arguments and run; returns the process exit code.
pub fn run() -> i32 {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == interrupt::RELAY {
        return interrupt::relay(&args[2]);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // argparse (and so ansible-*) exits 2 on usage errors; help/version exit 0.
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Inventory(args) => inventory::run(&args).map(|()| 0),
        Command::Playbook(args) => playbook::run(&args),
        Command::Roll(args) => roll::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("ERROR: {}", err.message);
            err.code as i32
        }
    }
}

/// Print warnings as Ansible does.
pub fn print_warnings<I: IntoIterator<Item = String>>(warnings: I) {
    for w in warnings {
        eprintln!("[WARNING]: {w}");
    }
}
