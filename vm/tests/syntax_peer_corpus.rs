//! Parses every `.som` file of Cairn's kernel library (`vm/kernel/`) and, when those
//! checkouts exist under `/work/peers`, of the SOM test suite, the SOM class library
//! and the Are-We-Fast-Yet benchmarks (an extra check on a development machine;
//! where none exists the test has nothing to read and says so on stderr).

use std::path::{Path, PathBuf};

use cairn_vm::syntax::parse_class;

const ROOTS: &[&str] = &[
    "/work/peers/SOM/TestSuite",
    "/work/peers/SOM/Smalltalk",
    "/work/peers/are-we-fast-yet/benchmarks/SOM",
];

fn som_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            som_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "som") {
            out.push(path);
        }
    }
}

#[test]
fn every_peer_som_file_parses() {
    let mut files = Vec::new();
    som_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel"),
        &mut files,
    );
    for root in ROOTS {
        som_files(Path::new(root), &mut files);
    }
    if files.is_empty() {
        eprintln!("no kernel sources and no peer checkouts: nothing to parse");
        return;
    }
    let mut failures = Vec::new();
    for path in &files {
        let Ok(source) = std::fs::read_to_string(path) else {
            failures.push(format!("{}: not UTF-8", path.display()));
            continue;
        };
        let name = path.display().to_string();
        let result = parse_class(&source, &name);
        if path.ends_with("BasicInterpreterTests/Self.som") {
            // Assigning to `self`/`super` is a definition error that SOM's
            // BasicInterpreterTests expect the compiler to reject.
            match result {
                Err(e) if e.message.starts_with("cannot assign to") => {}
                other => failures.push(format!("{name}: expected an error, got {other:?}")),
            }
            continue;
        }
        match result {
            Ok(class) => {
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                if class.name.name != stem {
                    failures.push(format!("{name}: class is named {}", class.name.name));
                }
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
