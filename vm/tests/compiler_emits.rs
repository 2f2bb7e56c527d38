//! What the bytecode compiler emits: inlining, closures and temp vectors, returns,
//! special selectors. Each test compiles a small method and checks its instructions.

use cairn_vm::bytecode::{decode_all, Instr};
use cairn_vm::compiler::{compile_method, CompiledCode};
use cairn_vm::syntax::parse_method;

fn compile(src: &str, fields: &[&str]) -> CompiledCode {
    let m = parse_method(src, "Test.som").expect("parses");
    let fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    compile_method(&m, &fields, "Test.som").expect("compiles")
}

fn instrs(c: &CompiledCode) -> Vec<Instr> {
    decode_all(&c.code)
        .expect("decodes")
        .into_iter()
        .map(|(_, i)| i)
        .collect()
}

fn has_send(c: &CompiledCode, selector: &str) -> bool {
    c.sites.iter().any(|s| s.selector == selector)
}

#[test]
fn getter_and_setter_compile_to_the_trivial_shapes() {
    let g = compile("x = ( ^x )", &["y", "x"]);
    assert_eq!(
        instrs(&g),
        vec![Instr::PushField { n: 1 }, Instr::ReturnTop]
    );
    let s = compile("x: v = ( x := v )", &["x"]);
    assert_eq!(
        instrs(&s),
        vec![
            Instr::PushLocal { n: 1 },
            Instr::PopField { n: 0 },
            Instr::ReturnSelf
        ]
    );
    assert_eq!(
        instrs(&compile("me = ( ^self )", &[])),
        vec![Instr::ReturnSelf]
    );
}

#[test]
fn if_true_if_false_is_inlined_into_jumps() {
    let c = compile("m: a = ( ^a ifTrue: [1] ifFalse: [2] )", &[]);
    assert!(c.blocks.is_empty(), "no closure is created");
    assert!(!has_send(&c, "ifTrue:ifFalse:"));
    assert_eq!(
        instrs(&c),
        vec![
            Instr::PushLocal { n: 1 },
            Instr::JumpIfFalse { offset: 5 },
            Instr::PushSmall { value: 1 },
            Instr::Jump { offset: 2 },
            Instr::PushSmall { value: 2 },
            Instr::ReturnTop,
        ]
    );
}

#[test]
fn non_literal_block_arguments_are_sent() {
    let c = compile("m: a b: b = ( ^a ifTrue: b )", &[]);
    assert!(has_send(&c, "ifTrue:"));
}

#[test]
fn while_true_loops_jump_back() {
    let c = compile(
        "m = ( | i | i := 0. [ i < 10 ] whileTrue: [ i := i + 1 ] )",
        &[],
    );
    assert!(c.blocks.is_empty());
    let is = instrs(&c);
    assert!(is.iter().any(|i| matches!(i, Instr::JumpBack { .. })));
    assert!(is.iter().any(|i| matches!(i, Instr::Lt { .. })));
    assert!(!has_send(&c, "whileTrue:"));
}

#[test]
fn to_do_uses_a_counter_and_increments_in_place() {
    let c = compile(
        "m = ( | s | s := 0. 1 to: 10 do: [ :i | s := s + i ]. ^s )",
        &[],
    );
    assert!(c.blocks.is_empty());
    let is = instrs(&c);
    assert!(is.iter().any(|i| matches!(i, Instr::IncLocal { .. })));
    assert!(is.iter().any(|i| matches!(i, Instr::Le { .. })));
    assert!(!has_send(&c, "to:do:"));
}

#[test]
fn and_or_if_nil_and_times_repeat_are_inlined() {
    for src in [
        "m: a = ( ^a and: [ a ] )",
        "m: a = ( ^a or: [ a ] )",
        "m: a = ( ^a ifNil: [ 3 ] ifNotNil: [ :x | x ] )",
        "m: a = ( ^a ifNotNil: [ :x | x ] )",
        "m: a = ( a timesRepeat: [ a foo ] )",
        "m: a = ( ^[ a foo ] whileFalse )",
    ] {
        let c = compile(src, &[]);
        assert!(
            c.blocks.is_empty(),
            "{src} creates no closure:\n{}",
            c.disassemble()
        );
    }
}

#[test]
fn read_only_captures_are_copied() {
    let c = compile("m: a = ( | t | t := a. ^[ a + 1 ] )", &[]);
    assert_eq!(c.blocks.len(), 1);
    let block = &c.blocks[0];
    assert_eq!(block.num_copied, 1);
    assert!(!instrs(&c)
        .iter()
        .any(|i| matches!(i, Instr::MakeTempVec { .. })));
    assert!(instrs(&c).contains(&Instr::MakeClosure {
        block: 0,
        copied: 1
    }));
    // The block reads its copy: frame slot 1 (self, then copied values).
    assert_eq!(instrs(block)[0], Instr::PushLocal { n: 1 });
}

#[test]
fn written_captures_share_a_temp_vector() {
    let c = compile("m = ( | n | n := 0. [ n := n + 1 ] value. ^n )", &[]);
    let outer = instrs(&c);
    assert!(matches!(outer[0], Instr::MakeTempVec { size: 1, .. }));
    assert!(outer.iter().any(|i| matches!(i, Instr::PushTempVec { .. })));
    let inner = instrs(&c.blocks[0]);
    assert!(inner
        .iter()
        .any(|i| matches!(i, Instr::StoreTempVec { .. } | Instr::PopTempVec { .. })));
}

#[test]
fn nested_blocks_pass_captures_through_the_middle_block() {
    let c = compile("m: a = ( ^[ [ a ] ] )", &[]);
    let middle = &c.blocks[0];
    assert_eq!(middle.num_copied, 1);
    assert_eq!(middle.blocks[0].num_copied, 1);
}

#[test]
fn returns_from_blocks_are_non_local_and_from_inlined_blocks_local() {
    let c = compile("m: a = ( a ifTrue: [ ^1 ]. #(1) do: [ :e | ^e ]. ^2 )", &[]);
    assert!(instrs(&c).contains(&Instr::ReturnTop));
    assert!(instrs(&c.blocks[0]).contains(&Instr::ReturnNonLocal));
}

#[test]
fn special_binary_selectors_get_fast_path_opcodes_and_super_sends_are_marked() {
    let c = compile("m: a = ( ^(a + 1) < (super foo: a) )", &[]);
    let is = instrs(&c);
    assert!(is.iter().any(|i| matches!(i, Instr::Add { .. })));
    assert!(is.iter().any(|i| matches!(i, Instr::Lt { .. })));
    assert!(is.iter().any(|i| matches!(i, Instr::SuperSend { .. })));
}

#[test]
fn line_table_maps_code_back_to_source_lines() {
    let c = compile("m = (\n  self foo.\n  self bar.\n  ^self baz )", &[]);
    let pc_of = |sel: &str| {
        let site = c.sites.iter().position(|s| s.selector == sel).unwrap() as u16;
        decode_all(&c.code)
            .unwrap()
            .into_iter()
            .find(|(_, i)| i.site() == Some(site))
            .unwrap()
            .0
    };
    assert_eq!(c.line_at(pc_of("foo")), 2);
    assert_eq!(c.line_at(pc_of("bar")), 3);
    assert_eq!(c.line_at(pc_of("baz")), 4);
}

#[test]
fn assigning_an_undeclared_name_is_a_located_error() {
    let m = parse_method("m = ( zork := 3 )", "T.som").unwrap();
    let err = compile_method(&m, &[], "T.som").unwrap_err();
    assert_eq!(
        err.to_string(),
        "T.som:1:7: error: cannot assign to undeclared variable 'zork'"
    );
}

#[test]
fn literal_blocks_of_the_wrong_arity_are_sent_not_inlined() {
    // Inlining a block of the wrong arity would drop or invent its parameters; the real
    // send reaches the kernel, where evaluating the block fails (tests/smalltalk/BlockArity.som).
    for (src, selector) in [
        ("m: a = ( ^a ifTrue: [ :x | 3 ] )", "ifTrue:"),
        ("m: a = ( ^a ifFalse: [ :x | 3 ] )", "ifFalse:"),
        (
            "m: a = ( ^a ifTrue: [ 3 ] ifFalse: [ :x | 4 ] )",
            "ifTrue:ifFalse:",
        ),
        (
            "m: a = ( ^a ifFalse: [ :x | 3 ] ifTrue: [ 4 ] )",
            "ifFalse:ifTrue:",
        ),
        ("m: a = ( ^a and: [ :x | 3 ] )", "and:"),
        ("m: a = ( ^a or: [ :x | 3 ] )", "or:"),
        ("m = ( ^[ :x | true ] whileTrue: [ 3 ] )", "whileTrue:"),
        ("m = ( ^[ true ] whileTrue: [ :x | 3 ] )", "whileTrue:"),
        ("m = ( ^[ :x | false ] whileFalse: [ 3 ] )", "whileFalse:"),
        ("m = ( ^[ :x | true ] whileTrue )", "whileTrue"),
        ("m = ( ^[ :x | false ] whileFalse )", "whileFalse"),
        ("m: a = ( a timesRepeat: [ :x | 3 ] )", "timesRepeat:"),
        ("m: a = ( 1 to: a do: [ 3 ] )", "to:do:"),
        ("m: a = ( 1 to: a do: [ :x :y | 3 ] )", "to:do:"),
        ("m: a = ( a downTo: 1 do: [ 3 ] )", "downTo:do:"),
        ("m: a = ( 1 to: a by: 2 do: [ 3 ] )", "to:by:do:"),
        ("m: a = ( ^a ifNil: [ :x | 3 ] )", "ifNil:"),
        ("m: a = ( ^a ifNotNil: [ :x :y | 3 ] )", "ifNotNil:"),
        (
            "m: a = ( ^a ifNil: [ :x | 3 ] ifNotNil: [ :x | x ] )",
            "ifNil:ifNotNil:",
        ),
        (
            "m: a = ( ^a ifNotNil: [ :x :y | x ] ifNil: [ 3 ] )",
            "ifNotNil:ifNil:",
        ),
    ] {
        let c = compile(src, &[]);
        assert!(
            has_send(&c, selector),
            "{src} sends {selector}:\n{}",
            c.disassemble()
        );
        assert!(!c.blocks.is_empty(), "{src} makes closures");
    }
}
