//! Cairn's kernel is a superset of SOM's core library: every selector of SOM-st/SOM's
//! `Smalltalk/` classes (listed in `tests/data/som-core-selectors.txt`, derived from a SOM
//! checkout by `tests/data/som_core_selectors.py`) is understood by the kernel class of
//! the same name, on the same side, unless `docs/design/kernel.md` ("SOM selectors Cairn
//! leaves out") lists it with its reason. A listed selector that the kernel does have is
//! an error too, so the list stays true.

use std::collections::BTreeSet;
use std::path::Path;

use cairn_vm::Vm;

/// (`Class` or `Class class`, selector) pairs from the data file.
fn som_selectors(root: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root.join("tests/data/som-core-selectors.txt"))
        .expect("tests/data/som-core-selectors.txt is readable");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (class, selector) = l.rsplit_once(' ').expect("`Class selector`");
            (class.to_owned(), selector.to_owned())
        })
        .collect()
}

/// The entries of kernel.md's list: `Class>>selector`, `Class class>>selector`, or a
/// bare `Class` for a class left out whole.
fn documented_omissions(root: &Path) -> BTreeSet<String> {
    let doc = std::fs::read_to_string(root.join("docs/design/kernel.md"))
        .expect("docs/design/kernel.md is readable");
    let section = doc
        .split("\n## SOM selectors Cairn leaves out\n")
        .nth(1)
        .expect("kernel.md has the section `SOM selectors Cairn leaves out`");
    let section = section.split("\n## ").next().unwrap_or_default();
    section
        .lines()
        .filter(|l| l.starts_with("- "))
        .flat_map(|l| {
            let head = l.split(':').next().unwrap_or_default().to_owned();
            let head = l.split("`: ").next().unwrap_or(&head).to_owned();
            head.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A Smalltalk string literal of `s`.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[test]
fn the_kernel_understands_every_som_core_library_selector() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pairs = som_selectors(root);
    assert!(pairs.len() > 250, "only {} selectors read", pairs.len());
    // One program asks every question; it prints `Class>>selector` for each missing
    // selector and `Class` for each missing class.
    let checks: Vec<String> = pairs
        .iter()
        .map(|(class, selector)| {
            let (name, meta) = match class.strip_suffix(" class") {
                Some(name) => (name, "true"),
                None => (class.as_str(), "false"),
            };
            format!("#({} {meta} {})", literal(name), literal(selector))
        })
        .collect();
    let program = format!(
        "| out | out := WriteStream on: String new. \
         #({}) do: [:t | | c | \
             c := system global: (t at: 1) asSymbol. \
             c isNil \
                 ifTrue: [out nextPutAll: (t at: 1); nextPutAll: ' '] \
                 ifFalse: [ \
                     (t at: 2) ifTrue: [c := c class]. \
                     (c canUnderstand: (t at: 3) asSymbol) ifFalse: [ \
                         out nextPutAll: (t at: 1); \
                             nextPutAll: ((t at: 2) ifTrue: [' class>>'] ifFalse: ['>>']); \
                             nextPutAll: (t at: 3); nextPutAll: ' ']]]. \
         out contents",
        checks.join(" ")
    );
    let mut vm = Vm::new(Vec::new()).expect("boots");
    let out = vm.eval(&program).expect("the check runs");
    let missing: BTreeSet<String> = out
        .trim_matches('\'')
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let documented = documented_omissions(root);
    let undocumented: Vec<&String> = missing.difference(&documented).collect();
    let stale: Vec<&String> = documented.difference(&missing).collect();
    assert!(
        undocumented.is_empty(),
        "SOM selectors the kernel lacks, not listed in kernel.md: {undocumented:?}"
    );
    assert!(
        stale.is_empty(),
        "kernel.md lists as left out what the kernel has: {stale:?}"
    );
}
