//! `docs/design/safety.md` lists every source file of the workspace that contains
//! `unsafe` code, with its count of `unsafe` blocks and `unsafe fn`s. This test scans the
//! sources and fails when the table and the code disagree, so a new `unsafe` block cannot
//! land without its invariant being written down.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The keyword, spelled so that this file does not count itself.
const KEYWORD: &str = concat!("un", "safe");

/// (blocks, fns) per file, relative to the repository root.
type Counts = BTreeMap<String, (usize, usize)>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == ".git" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Counts `unsafe {` blocks and `unsafe fn`s outside comments.
fn count(source: &str) -> (usize, usize) {
    let block = format!("{KEYWORD} {{");
    let function = format!("{KEYWORD} fn ");
    let (mut blocks, mut fns) = (0, 0);
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        blocks += code.matches(&block).count();
        fns += code.matches(&function).count();
    }
    (blocks, fns)
}

fn scanned() -> Counts {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut out = Counts::new();
    for path in files {
        let text = fs::read_to_string(&path).expect("a readable source file");
        let (blocks, fns) = count(&text);
        if blocks + fns > 0 {
            let rel = path.strip_prefix(&root).expect("under the root");
            out.insert(rel.to_string_lossy().replace('\\', "/"), (blocks, fns));
        }
    }
    out
}

/// The rows `| `path` | blocks | fns | ... |` of the table in safety.md.
fn documented() -> Counts {
    let doc = fs::read_to_string(root().join("docs/design/safety.md")).expect("safety.md");
    let mut out = Counts::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 {
            continue;
        }
        let (file, blocks, fns) = (cells[1], cells[2], cells[3]);
        let Some(file) = file.strip_prefix('`').and_then(|f| f.strip_suffix('`')) else {
            continue;
        };
        if !file.ends_with(".rs") {
            continue;
        }
        if let (Ok(b), Ok(f)) = (blocks.parse(), fns.parse()) {
            out.insert(file.to_owned(), (b, f));
        }
    }
    out
}

#[test]
fn safety_md_lists_every_unsafe_block() {
    let (code, doc) = (scanned(), documented());
    let mut problems = Vec::new();
    for (file, counts) in &code {
        match doc.get(file) {
            None => problems.push(format!("{file}: {counts:?} (blocks, fns) not in safety.md")),
            Some(d) if d != counts => problems.push(format!(
                "{file}: safety.md says {d:?}, the code has {counts:?}"
            )),
            Some(_) => {}
        }
    }
    for file in doc.keys().filter(|f| !code.contains_key(*f)) {
        problems.push(format!(
            "{file}: listed in safety.md but has no unsafe code"
        ));
    }
    assert!(
        problems.is_empty(),
        "docs/design/safety.md is out of date:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_counter_sees_blocks_and_fns_but_not_comments() {
    let src = format!(
        "{k} fn f() {{}}\nlet x = {k} {{ 1 }};\n// {k} {{ in a comment }}\n",
        k = KEYWORD
    );
    assert_eq!(count(&src), (1, 1));
}
