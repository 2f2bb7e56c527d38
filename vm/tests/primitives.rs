//! The primitive contract (docs/design/primitives.md): every method the kernel declares
//! `primitive` is implemented by the engine, and the engine implements nothing the
//! kernel does not declare.

use std::collections::BTreeSet;

use cairn_vm::syntax::ast::MethodBody;
use cairn_vm::syntax::parse_class;

#[test]
fn kernel_declarations_and_engine_primitives_match() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel");
    let mut declared = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("kernel dir") {
        let path = entry.expect("entry").path();
        let src = std::fs::read_to_string(&path).expect("readable");
        let class = parse_class(&src, &path.display().to_string()).expect("kernel parses");
        for (side, methods) in [
            (false, &class.instance_methods),
            (true, &class.class_methods),
        ] {
            for m in methods.iter().filter(|m| m.body == MethodBody::Primitive) {
                declared.insert((class.name.name.clone(), side, m.selector.clone()));
            }
        }
    }
    let implemented: BTreeSet<(String, bool, String)> = cairn_vm::implemented_primitives()
        .into_iter()
        .map(|(c, side, s)| (c.to_string(), side, s.to_string()))
        .collect();
    let missing: Vec<_> = declared.difference(&implemented).collect();
    let undeclared: Vec<_> = implemented.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "declared by the kernel, not implemented: {missing:?}"
    );
    assert!(
        undeclared.is_empty(),
        "implemented, not declared by the kernel: {undeclared:?}"
    );
}
