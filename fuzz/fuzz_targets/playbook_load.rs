//! Any text given as a playbook loads or fails with a located error: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roller::playbook::{LoadOptions, load::load_playbook_text};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let path = std::env::temp_dir().join("roller-fuzz-playbook.yml");
        let _ = load_playbook_text(&path, text, &LoadOptions::default());
    }
});
