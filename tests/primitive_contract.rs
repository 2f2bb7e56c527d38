//! Keeps `docs/design/primitives.md` and the kernel in step: every method declared
//! `primitive` in `vm/kernel/*.som` is listed in the contract's tables, and every
//! primitive the tables list is declared by the kernel. (The engine checks its own side
//! at boot: a declared primitive it does not implement is a boot error.)

use std::collections::BTreeSet;
use std::path::Path;

/// Removes `"comments"` (SOM comments cannot nest and contain no quotes).
fn strip_comments(source: &str) -> String {
    source
        .split('"')
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, part)| part)
        .collect()
}

/// The selector of a method pattern: `at: i put: v` → `at:put:`, `+ arg` → `+`.
fn selector_of(pattern: &str) -> String {
    let words: Vec<&str> = pattern.split_whitespace().collect();
    match words.as_slice() {
        [unary] => (*unary).to_owned(),
        [first, ..] if !first.starts_with(|c: char| c.is_ascii_alphabetic()) => (*first).to_owned(),
        _ => words.iter().step_by(2).copied().collect(),
    }
}

/// `Class>>selector` / `Class class>>selector` for every primitive the kernel declares.
fn declared_primitives(kernel: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let entries = std::fs::read_dir(kernel).expect("vm/kernel is readable");
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.extension().is_none_or(|ext| ext != "som") {
            continue;
        }
        let class = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let source = strip_comments(&std::fs::read_to_string(&path).unwrap_or_default());
        let Some(open) = source.find('(') else {
            continue;
        };
        let mut side = "";
        for line in source[open + 1..].lines() {
            let trimmed = line.trim();
            if trimmed.len() >= 4 && trimmed.chars().all(|c| c == '-') {
                side = " class";
                continue;
            }
            // The last `=` separates pattern and body (`=` may also be the selector).
            if let Some((pattern, body)) = trimmed.rsplit_once('=') {
                let is_primitive = body.trim() == "primitive";
                if is_primitive && !pattern.trim().is_empty() {
                    found.insert(format!("{class}{side}>>{}", selector_of(pattern.trim())));
                }
            }
        }
    }
    found
}

/// The primitives named in the first column of the contract's tables. A cell may
/// name several selectors of one class: `` `Integer>>+`, `-`, `*` ``.
fn listed_primitives(contract: &str) -> BTreeSet<String> {
    let mut listed = BTreeSet::new();
    for line in contract.lines() {
        let Some(cell) = line
            .strip_prefix('|')
            .and_then(|rest| rest.split('|').next())
        else {
            continue;
        };
        if !cell.contains(">>") {
            continue;
        }
        let mut class = String::new();
        for (i, item) in cell.split('`').enumerate() {
            if i % 2 == 0 {
                continue;
            }
            match item.split_once(">>") {
                Some((owner, selector)) => {
                    class = owner.to_owned();
                    listed.insert(format!("{owner}>>{selector}"));
                }
                None => {
                    listed.insert(format!("{class}>>{item}"));
                }
            }
        }
    }
    listed
}

#[test]
fn kernel_primitives_match_the_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let declared = declared_primitives(&root.join("vm/kernel"));
    let contract = std::fs::read_to_string(root.join("docs/design/primitives.md"))
        .expect("docs/design/primitives.md is readable");
    let listed = listed_primitives(&contract);
    let unlisted: Vec<_> = declared.difference(&listed).collect();
    let undeclared: Vec<_> = listed.difference(&declared).collect();
    assert!(
        unlisted.is_empty() && undeclared.is_empty(),
        "declared in vm/kernel but not in primitives.md: {unlisted:?}\n\
         listed in primitives.md but not declared in vm/kernel: {undeclared:?}"
    );
    assert!(
        declared.len() > 100,
        "too few primitives found: {declared:?}"
    );
}

#[test]
fn selectors_are_read_from_patterns() {
    assert_eq!(selector_of("at: index put: value"), "at:put:");
    assert_eq!(selector_of("+ argument"), "+");
    assert_eq!(selector_of("length"), "length");
    assert_eq!(selector_of("value: a with: b"), "value:with:");
}

#[test]
fn table_cells_may_name_several_selectors() {
    let listed = listed_primitives("| `Integer>>+`, `-` | sum |\n| `Array class>>new:` | x |");
    let expected: BTreeSet<String> = ["Integer>>+", "Integer>>-", "Array class>>new:"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(listed, expected);
}
