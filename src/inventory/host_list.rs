//! The `host_list` inventory plugin: `-i 'web1,web2:2222,'`.

use super::address::parse_address;
use super::model::{Inventory, UNGROUPED};

pub fn parse_host_list(inv: &mut Inventory, list: &str) {
    for entry in list.split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let (host, port) = parse_address(entry, false).unwrap_or((entry.to_string(), None));
        if inv.host_id(&host).is_none() {
            inv.add_host(&host, Some(UNGROUPED), port);
        }
    }
}
