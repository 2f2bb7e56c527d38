//! Checks every file in `tests/malformed/`: the parser reports exactly the error
//! line in the file's header comment (see `tests/malformed/README.md`).

use std::path::PathBuf;

use cairn_vm::syntax::parse_class;

/// What a malformed file's header says must happen.
enum Expect {
    /// `"expect: <error line>"`: the parser reports this error.
    Parse(String),
    /// `"expect-at-load: <error line>"`: the file parses; the engine reports this
    /// error when it loads the class.
    Load(String),
}

fn header(source: &str) -> Option<Expect> {
    let first = source.lines().next()?;
    let inner = first.strip_prefix('"')?.strip_suffix('"')?;
    if let Some(rest) = inner.strip_prefix("expect: ") {
        Some(Expect::Parse(rest.to_string()))
    } else {
        inner
            .strip_prefix("expect-at-load: ")
            .map(|rest| Expect::Load(rest.to_string()))
    }
}

fn malformed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/malformed")
}

#[test]
fn each_malformed_file_gives_its_expected_error() {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(malformed_dir())
        .map(|dir| dir.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.retain(|p| p.extension().is_some_and(|e| e == "som"));
    entries.sort();
    assert!(entries.len() >= 20, "malformed cases missing: {entries:?}");
    let mut failures = Vec::new();
    for path in &entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let source = std::fs::read_to_string(path).unwrap_or_default();
        let result = parse_class(&source, &name);
        match (header(&source), result) {
            (None, _) => failures.push(format!("{name}: no expect header")),
            (Some(Expect::Parse(want)), Err(got)) if got.to_string() == want => {}
            (Some(Expect::Parse(want)), got) => {
                let got = match got {
                    Ok(class) => format!("class {} parsed", class.name.name),
                    Err(err) => err.to_string(),
                };
                failures.push(format!("{name}:\n  want {want}\n  got  {got}"))
            }
            (Some(Expect::Load(want)), Ok(_)) if want.starts_with(&format!("{name}:")) => {}
            (Some(Expect::Load(want)), Ok(_)) => {
                failures.push(format!("{name}: load error must name the file: {want}"))
            }
            (Some(Expect::Load(_)), Err(got)) => {
                failures.push(format!("{name}: must parse, got {got}"))
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
