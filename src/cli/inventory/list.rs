//! `--list` as JSON (the inventory-script format) and as YAML.

use std::collections::HashSet;

use crate::cli::CliError;
use crate::inventory::model::{ALL, GroupId, HostId, Inventory};
use crate::inventory::variables::remove_internal;
use crate::inventory::{Selector, VarsResolver};
use crate::vars::{Key, Map, Value};

fn names(inv: &Inventory, hosts: impl Iterator<Item = HostId>) -> Value {
    Value::List(
        hosts
            .map(|h| Value::Str(inv.host(h).name.clone()))
            .collect(),
    )
}

fn host_vars(resolver: &VarsResolver, host: HostId) -> Result<Map, CliError> {
    resolver
        .host_vars(host)
        .map(remove_internal)
        .map_err(CliError::error)
}

/// `ansible-inventory --list`.
pub fn json_inventory(
    inv: &Inventory,
    selector: &mut Selector,
    resolver: &VarsResolver,
) -> Result<Value, CliError> {
    let hosts = selector.hosts("all").map_err(CliError::error)?;
    let available: HashSet<HostId> = hosts.iter().copied().collect();
    let mut results = Map::new();
    let mut seen = HashSet::new();
    format_group(inv, ALL, &available, &mut seen, &mut results);

    let mut hostvars = Map::new();
    for h in hosts {
        let vars = host_vars(resolver, h)?;
        if !vars.is_empty() {
            hostvars.insert(Key::Str(inv.host(h).name.clone()), Value::Map(vars));
        }
    }
    let mut meta = Map::new();
    meta.insert("hostvars".into(), Value::Map(hostvars));
    meta.insert("profile".into(), Value::Str("inventory_legacy".into()));
    results.insert("_meta".into(), Value::Map(meta));
    Ok(Value::Map(results))
}

fn format_group(
    inv: &Inventory,
    group: GroupId,
    available: &HashSet<HostId>,
    seen: &mut HashSet<GroupId>,
    results: &mut Map,
) {
    let g = inv.group(group);
    let mut entry = Map::new();
    if group != ALL {
        let hosts = names(
            inv,
            g.hosts.iter().copied().filter(|h| available.contains(h)),
        );
        if matches!(&hosts, Value::List(l) if !l.is_empty()) {
            entry.insert("hosts".into(), hosts);
        }
    }
    let mut children = Vec::new();
    for &sub in &g.child_groups {
        children.push(Value::Str(inv.group(sub).name.clone()));
        if !seen.contains(&sub) {
            format_group(inv, sub, available, seen, results);
            seen.insert(sub);
        }
    }
    if !children.is_empty() {
        entry.insert("children".into(), Value::List(children));
    }
    let key = Key::Str(g.name.clone());
    if entry.is_empty() {
        results.shift_remove(&key);
    } else {
        results.insert(key, Value::Map(entry));
    }
}

/// `ansible-inventory --list --yaml`: nested groups, host variables under their first group.
pub fn yaml_inventory(
    inv: &Inventory,
    selector: &mut Selector,
    resolver: &VarsResolver,
) -> Result<Value, CliError> {
    let available: HashSet<HostId> = selector
        .hosts("all")
        .map_err(CliError::error)?
        .into_iter()
        .collect();
    let mut seen_groups = HashSet::new();
    let mut seen_hosts = HashSet::new();
    let mut out = Map::new();
    yaml_group(
        inv,
        resolver,
        ALL,
        &available,
        &mut seen_groups,
        &mut seen_hosts,
        &mut out,
    )?;
    Ok(Value::Map(out))
}

fn yaml_group(
    inv: &Inventory,
    resolver: &VarsResolver,
    group: GroupId,
    available: &HashSet<HostId>,
    seen_groups: &mut HashSet<GroupId>,
    seen_hosts: &mut HashSet<HostId>,
    out: &mut Map,
) -> Result<(), CliError> {
    let g = inv.group(group);
    let mut children = Map::new();
    for &sub in &g.child_groups {
        if sub == ALL {
            continue;
        }
        if seen_groups.contains(&sub) {
            children.insert(
                Key::Str(inv.group(sub).name.clone()),
                Value::Map(Map::new()),
            );
        } else {
            yaml_group(
                inv,
                resolver,
                sub,
                available,
                seen_groups,
                seen_hosts,
                &mut children,
            )?;
            seen_groups.insert(sub);
        }
    }
    let mut hosts = Map::new();
    if group != ALL {
        for &h in &g.hosts {
            if !available.contains(&h) {
                continue;
            }
            let vars = if seen_hosts.insert(h) {
                host_vars(resolver, h)?
            } else {
                Map::new()
            };
            hosts.insert(Key::Str(inv.host(h).name.clone()), Value::Map(vars));
        }
    }
    let mut entry = Map::new();
    if !children.is_empty() {
        entry.insert("children".into(), Value::Map(children));
    }
    if !hosts.is_empty() {
        entry.insert("hosts".into(), Value::Map(hosts));
    }
    let key = Key::Str(g.name.clone());
    if entry.is_empty() {
        out.shift_remove(&key);
    } else {
        out.insert(key, Value::Map(entry));
    }
    Ok(())
}
