//! `roller roll -i INVENTORY GROUP [ansible-playbook flags]`: the common case in one
//! command: the bundled playbooks/rolling_update.yml over GROUP (one host at a time,
//! leader last, Kafka gate and health checks for kafka_broker). Every flag after GROUP is
//! `roller playbook`'s (--check, -l, -e, -K, -v, ...).

use clap::Args;

use super::bundled::Bundled;
use super::playbook;
use super::{CliError, ExitCode};

#[derive(Debug, Args)]
pub struct RollArgs {
    /// Inventory source (file, directory or comma-separated host list); repeatable.
    #[arg(short = 'i', long = "inventory", value_name = "INVENTORY")]
    pub inventory: Vec<String>,
    /// The cp-ansible group to roll: kafka_broker, kafka_controller, zookeeper,
    /// schema_registry, kafka_connect, kafka_rest, ksql, control_center, ...
    #[arg(value_name = "GROUP")]
    pub group: String,
    /// Flags for the run, as for `roller playbook`: --check, --diff, -l SUBSET,
    /// -e rolling_update_command='apt-get -y dist-upgrade', -K, -v, ...
    #[arg(
        value_name = "PLAYBOOK FLAGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub flags: Vec<String>,
}

/// The `roller playbook` command line a roll runs.
pub fn playbook_argv(args: &RollArgs, playbook: &str) -> Vec<String> {
    let mut argv = vec!["roller".to_string(), "playbook".to_string()];
    for i in &args.inventory {
        argv.push("-i".into());
        argv.push(i.clone());
    }
    argv.push(playbook.to_string());
    argv.push("-e".into());
    argv.push(format!("rolling_update_group={}", args.group));
    argv.extend(args.flags.iter().cloned());
    argv
}

pub fn run(args: &RollArgs) -> Result<i32, CliError> {
    if args.group.is_empty() || args.group.starts_with('-') {
        return Err(CliError {
            code: ExitCode::Options,
            message: format!("roll: '{}' is not a group name", args.group),
        });
    }
    let bundled = Bundled::install().map_err(|e| CliError {
        code: ExitCode::Error,
        message: format!("cannot write the bundled playbooks: {e}"),
    })?;
    let playbook = bundled.path("rolling_update.yml");
    let argv = playbook_argv(args, &playbook.to_string_lossy());
    playbook::run_argv(&argv)
}
