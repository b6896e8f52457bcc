//! `--graph [GROUP] [--vars]`: the tree ansible-inventory draws.

use crate::cli::CliError;
use crate::inventory::VarsResolver;
use crate::inventory::model::{ALL, GroupId, Inventory};
use crate::inventory::variables::remove_internal;
use crate::output::python_repr::python_str;
use crate::vars::{Key, Map, Value};

pub fn render(
    inv: &Inventory,
    resolver: &VarsResolver,
    start: &str,
    show_vars: bool,
) -> Result<String, CliError> {
    let Some(group) = inv.group_id(start) else {
        return Err(CliError::options(
            "Pattern must be valid group name when using --graph",
        ));
    };
    let mut lines = Vec::new();
    graph_group(inv, resolver, group, 0, show_vars, &mut lines)?;
    Ok(lines.join("\n"))
}

fn graph_name(name: &str, depth: usize) -> String {
    if depth == 0 {
        name.to_string()
    } else {
        format!("{}--{name}", "  |".repeat(depth))
    }
}

fn show(vars: &Map, depth: usize, lines: &mut Vec<String>) {
    let mut entries: Vec<(&Key, &Value)> = vars.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in entries {
        let name = python_str(&Value::from_key(k));
        lines.push(graph_name(
            &format!("{{{name} = {}}}", python_str(v)),
            depth,
        ));
    }
}

fn graph_group(
    inv: &Inventory,
    resolver: &VarsResolver,
    group: GroupId,
    depth: usize,
    show_vars: bool,
    lines: &mut Vec<String>,
) -> Result<(), CliError> {
    let g = inv.group(group);
    lines.push(graph_name(&format!("@{}:", g.name), depth));
    for &kid in &g.child_groups {
        graph_group(inv, resolver, kid, depth + 1, show_vars, lines)?;
    }
    if group != ALL {
        for &h in &g.hosts {
            lines.push(graph_name(&inv.host(h).name, depth + 1));
            if show_vars {
                let vars = remove_internal(resolver.host_vars(h).map_err(CliError::error)?);
                show(&vars, depth + 2, lines);
            }
        }
    }
    if show_vars {
        let vars = resolver.group_vars(group).map_err(CliError::error)?;
        show(&vars, depth + 1, lines);
    }
    Ok(())
}
