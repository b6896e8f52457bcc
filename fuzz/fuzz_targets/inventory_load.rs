//! Any text given as an inventory file loads (through the yaml plugin, then the ini
//! plugin, as Ansible tries them) or fails with a located error: never a panic. What loads
//! is also selected (`all`) and each host's variables are resolved.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roller::inventory::sources::parse_sources;
use roller::inventory::{Inventory, Selector, VarsResolver};
use roller::vars::HashBehaviour;

fuzz_target!(|data: &[u8]| {
    // No extension: both plugins accept the file (the yaml plugin also reads .yml).
    let dir = std::env::temp_dir().join(format!("roller-fuzz-inventory-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("hosts");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let sources = vec![path.to_string_lossy().into_owned()];
    let mut inv = Inventory::new(HashBehaviour::Replace);
    if parse_sources(&mut inv, &sources).is_err() {
        return;
    }
    let Ok(hosts) = Selector::new(&inv).hosts("all") else {
        return;
    };
    let resolver = VarsResolver::new(&inv, &sources, None);
    for host in hosts {
        let _ = resolver.host_vars(host);
    }
});
