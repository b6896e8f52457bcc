//! `roller inventory`: the inventory as Ansible resolves it.

pub mod graph;
pub mod list;

use std::path::PathBuf;

use clap::Args;

use super::extra_vars::parse_extra_vars;
use super::{CliError, print_warnings};
use crate::config::AnsibleConfig;
use crate::inventory::model::Inventory;
use crate::inventory::sources::parse_sources;
use crate::inventory::variables::remove_internal;
use crate::inventory::{Selector, VarsResolver};
use crate::output::json::{UnsafeStrings, to_python_json};
use crate::output::yaml_emit::to_yaml;
use crate::vars::Value;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("action").required(true).args(["list", "host", "graph"])))]
pub struct InventoryArgs {
    /// Inventory source: a YAML or INI file, a directory of them, or a comma-separated host
    /// list such as `web1,web2,`. Repeatable. Defaults to `inventory` from ansible.cfg.
    #[arg(short = 'i', long = "inventory", value_name = "INVENTORY")]
    pub inventory: Vec<String>,

    /// Print every group and host with its variables as JSON (ansible-inventory --list).
    #[arg(long)]
    pub list: bool,

    /// Print one host's merged variables. Ignores --limit.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,

    /// Print the group tree, from `all` or from GROUP. Ignores --limit.
    #[arg(long)]
    pub graph: bool,

    /// Group to start the graph from (with --graph).
    #[arg(value_name = "GROUP")]
    pub group: Option<String>,

    /// With --graph, show each host's and group's variables.
    #[arg(long = "vars")]
    pub show_vars: bool,

    /// Print YAML instead of JSON (ignored for --graph).
    #[arg(short = 'y', long)]
    pub yaml: bool,

    /// Only hosts matching this pattern (`a:b`, `a:&b`, `a:!b`, `~regex`, `g[0:2]`,
    /// `@file`).
    #[arg(short = 'l', long, value_name = "SUBSET")]
    pub limit: Option<String>,

    /// Directory whose group_vars/ and host_vars/ apply as a playbook's would
    /// (default: the current directory, as for ansible-inventory).
    #[arg(long, value_name = "DIR")]
    pub playbook_dir: Option<PathBuf>,

    /// Extra variables (`key=value`, YAML/JSON, or `@file`); highest precedence.
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,

    /// Write the output to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// An inventory loaded from the command line and ansible.cfg.
pub struct Loaded {
    pub inventory: Inventory,
    pub sources: Vec<String>,
    pub config: AnsibleConfig,
}

/// Read the configured inventory sources.
pub fn load_inventory(sources: &[String]) -> Result<Loaded, CliError> {
    let config = AnsibleConfig::load().map_err(CliError::error)?;
    let sources = if sources.is_empty() {
        config.inventory.clone()
    } else {
        sources.to_vec()
    };
    let mut inventory = Inventory::new(config.hash_behaviour);
    parse_sources(&mut inventory, &sources).map_err(CliError::error)?;
    print_warnings(std::mem::take(&mut inventory.warnings));
    Ok(Loaded {
        inventory,
        sources,
        config,
    })
}

pub fn run(args: &InventoryArgs) -> Result<(), CliError> {
    if [args.list, args.host.is_some(), args.graph]
        .iter()
        .filter(|b| **b)
        .count()
        > 1
    {
        return Err(CliError::options(
            "Conflicting options used, only one of --host, --graph or --list can be used at the same time.",
        ));
    }
    let loaded = load_inventory(&args.inventory)?;
    let inv = &loaded.inventory;
    let how = inv.hash_behaviour;
    let extra = parse_extra_vars(&args.extra_vars, how).map_err(CliError::error)?;
    let playbook_dir = args
        .playbook_dir
        .clone()
        .or(loaded.config.playbook_dir.clone());
    let resolver =
        VarsResolver::new(inv, &loaded.sources, playbook_dir.as_deref()).with_extra_vars(extra);
    let mut selector = Selector::new(inv);

    let text = if let Some(host) = &args.host {
        let hosts = selector
            .hosts_ignoring_limit(host)
            .map_err(CliError::error)?;
        print_warnings(std::mem::take(&mut selector.warnings));
        if hosts.len() != 1 {
            return Err(CliError::options(
                "You must pass a single valid host to --host parameter",
            ));
        }
        let vars = remove_internal(resolver.host_vars(hosts[0]).map_err(CliError::error)?);
        if args.yaml {
            to_yaml(&Value::Map(vars))
        } else {
            to_python_json(&Value::Map(vars), UnsafeStrings::Plain) + "\n"
        }
    } else {
        selector
            .set_limit(args.limit.as_deref())
            .map_err(CliError::error)?;
        if args.graph {
            let start = args.group.as_deref().unwrap_or("all");
            graph::render(inv, &resolver, start, args.show_vars)? + "\n"
        } else if args.yaml {
            to_yaml(&list::yaml_inventory(inv, &mut selector, &resolver)?)
        } else {
            to_python_json(
                &list::json_inventory(inv, &mut selector, &resolver)?,
                UnsafeStrings::Wrapped,
            ) + "\n"
        }
    };
    print_warnings(std::mem::take(&mut selector.warnings));
    print_warnings(resolver.take_warnings());
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            CliError::error(format!(
                "Unable to write to destination file {}: {e}",
                path.display()
            ))
        }),
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = out.write_all(text.as_bytes());
            Ok(())
        }
    }
}
