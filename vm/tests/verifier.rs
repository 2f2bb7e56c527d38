//! The bytecode verifier accepts what the compiler emits and reports broken code.

use cairn_vm::bytecode::Instr;
use cairn_vm::compiler::{compile_method, CompiledCode};
use cairn_vm::syntax::ast::ClassDef;
use cairn_vm::syntax::{parse_class, parse_method};
use cairn_vm::verifier::verify;

fn compile(src: &str) -> CompiledCode {
    let m = parse_method(src, "T.som").expect("parses");
    compile_method(&m, &["f".to_string()], "T.som").expect("compiles")
}

fn with_code(mut c: CompiledCode, instrs: &[Instr]) -> CompiledCode {
    c.code.clear();
    for i in instrs {
        i.encode(&mut c.code);
    }
    c
}

#[test]
fn everything_the_compiler_emits_for_the_kernel_verifies() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel");
    let mut classes = std::collections::HashMap::new();
    for entry in std::fs::read_dir(dir).expect("kernel dir") {
        let path = entry.expect("entry").path();
        let src = std::fs::read_to_string(&path).expect("readable");
        let class = parse_class(&src, &path.display().to_string()).expect("kernel parses");
        classes.insert(class.name.name.clone(), class);
    }
    // Inherited fields first, as the loader lays them out.
    fn fields(
        classes: &std::collections::HashMap<String, ClassDef>,
        name: &str,
        class_side: bool,
    ) -> Vec<String> {
        let Some(c) = classes.get(name) else {
            return Vec::new();
        };
        let sup = match &c.superclass {
            Some(s) if s.name == "nil" => None,
            Some(s) => Some(s.name.clone()),
            None => Some("Object".to_string()),
        };
        let mut out = match sup {
            Some(s) => fields(classes, &s, class_side),
            None if class_side => fields(classes, "Class", false),
            None => Vec::new(),
        };
        let own = if class_side {
            &c.class_fields
        } else {
            &c.instance_fields
        };
        out.extend(own.iter().map(|f| f.name.clone()));
        out
    }
    let mut checked = 0;
    for (name, class) in &classes {
        for (side, methods) in [
            (false, &class.instance_methods),
            (true, &class.class_methods),
        ] {
            let f = fields(&classes, name, side);
            for m in methods {
                let code = compile_method(m, &f, "k").unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(verify(&code), Ok(()), "{name}>>{}", m.selector);
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} kernel methods");
}

#[test]
fn closures_loops_and_non_local_returns_verify() {
    for src in [
        "m: a = ( | s | s := 0. 1 to: a do: [:i | s := s + i]. ^s )",
        "m: a = ( a do: [:e | e isNil ifTrue: [^e]]. ^[:x | [x + f]] )",
        "m = ( [f < 3] whileTrue: [f := f + 1]. ^f ifNil: [0] ifNotNil: [:v | v] )",
    ] {
        assert_eq!(verify(&compile(src)), Ok(()), "{src}");
    }
}

#[test]
fn broken_code_is_reported_with_every_violation() {
    let base = compile("m = ( ^f )");
    let bad_slot = with_code(base.clone(), &[Instr::PushLocal { n: 9 }, Instr::ReturnTop]);
    assert!(verify(&bad_slot).unwrap_err()[0]
        .message
        .contains("out of range"));
    let bad_literal = with_code(
        base.clone(),
        &[Instr::PushLiteral { lit: 3 }, Instr::ReturnTop],
    );
    assert!(verify(&bad_literal).is_err());
    let underflow = with_code(base.clone(), &[Instr::Pop, Instr::ReturnSelf]);
    assert!(verify(&underflow).unwrap_err()[0]
        .message
        .contains("underflow"));
    let falls_off = with_code(base.clone(), &[Instr::PushNil]);
    assert!(verify(&falls_off).unwrap_err()[0]
        .message
        .contains("falls off"));
    let mid_jump = with_code(
        base.clone(),
        &[
            Instr::Jump { offset: 1 },
            Instr::PushLocal { n: 0 },
            Instr::ReturnTop,
        ],
    );
    assert!(verify(&mid_jump).unwrap_err()[0]
        .message
        .contains("not an instruction"));
    let two = with_code(
        base,
        &[
            Instr::PushLocal { n: 7 },
            Instr::PushLiteral { lit: 5 },
            Instr::ReturnTop,
        ],
    );
    assert!(
        verify(&two).unwrap_err().len() >= 2,
        "collects all violations"
    );
}
