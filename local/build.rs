//! The sample events' fixtures as constants: `local/fixtures.json` is their one source, read
//! here and by `scripts/generate-events.py`, which writes the events from it.
use std::fmt::Write;

fn main() {
    println!("cargo::rerun-if-changed=fixtures.json");
    let source = std::fs::read_to_string("fixtures.json").expect("local/fixtures.json is readable");
    let fixtures: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&source).expect("local/fixtures.json is a JSON object");
    let mut constants = String::new();
    for (name, fixture) in &fixtures {
        let value = fixture["value"].as_str().unwrap_or_else(|| panic!("{name} has no string value"));
        if let Some(about) = fixture["about"].as_str() {
            writeln!(constants, "#[doc = {about:?}]").unwrap();
        }
        writeln!(constants, "pub const {name}: &str = {value:?};").unwrap();
    }
    std::fs::write(std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("fixtures.rs"), constants).unwrap();
}
