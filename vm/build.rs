//! Embeds the kernel library: generates a table of `(class name, source)` pairs from
//! `vm/kernel/*.som` with `include_str!`, so the binary carries its kernel.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<(String, String)> = Vec::new();
    if let Ok(read) = std::fs::read_dir(&dir) {
        for entry in read.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some("som") {
                println!("cargo:rerun-if-changed={}", path.display());
                let name = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_string();
                entries.push((name, path.display().to_string()));
            }
        }
    }
    entries.sort();
    let mut out = String::from("/// The embedded kernel: (class name, source), sorted by name.\npub static KERNEL_SOURCES: &[(&str, &str)] = &[\n");
    for (name, path) in entries {
        writeln!(out, "    ({name:?}, include_str!({path:?})),").expect("write to String");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR set by cargo"))
        .join("kernel_sources.rs");
    std::fs::write(dest, out).expect("write kernel table");
}
