//! Every limit of the bytecode format (compiler/limits.rs) is a compile error at the
//! offending construct: a generated method exactly at the limit compiles and verifies,
//! one past it is refused with `file:line:column`. The generators put each repeated
//! item on its own line, so the expected position is the item's line and indentation.
//! Nesting at the parser's limit compiles within a small stack.

use cairn_vm::compiler::limits::{
    check_fields, MAX_ARGS, MAX_BLOCKS, MAX_FIELDS, MAX_FRAME_SLOTS, MAX_GLOBALS, MAX_JUMP,
    MAX_LITERALS, MAX_SEND_SITES, MAX_STACK_DEPTH,
};
use cairn_vm::compiler::{compile_method, CompiledCode};
use cairn_vm::syntax::{parse_class, parse_method, MAX_DEPTH};
use cairn_vm::verifier::verify;

const FILE: &str = "T.som";

fn compile(src: &str) -> Result<CompiledCode, String> {
    let m = parse_method(src, FILE).map_err(|e| format!("parse: {e}"))?;
    compile_method(&m, &[], FILE).map_err(|e| e.to_string())
}

/// Compiles `src`, which must be accepted and verify.
fn accepted(src: &str) -> CompiledCode {
    let code = compile(src).unwrap_or_else(|e| panic!("at the limit: {e}"));
    if let Err(v) = verify(&code) {
        panic!("at the limit the code does not verify: {v:?}");
    }
    code
}

/// Compiles `src`, which must be refused at `line:column` with a message containing
/// `what`.
fn refused(src: &str, line: usize, column: usize, what: &str) {
    let err = match compile(src) {
        Ok(_) => panic!("one past the limit compiled (expected {what})"),
        Err(e) => e,
    };
    let prefix = format!("{FILE}:{line}:{column}: error: ");
    assert!(
        err.starts_with(&prefix) && err.contains(what),
        "expected {prefix}...{what}..., got {err}"
    );
}

/// `head`, then `n` lines made by `item`, then `tail`: item i is on line `2 + i` when
/// `head` is one line.
fn lines(head: &str, n: usize, item: impl Fn(usize) -> String, tail: &str) -> String {
    let mut s = format!("{head}\n");
    for i in 0..n {
        s.push_str(&item(i));
        s.push('\n');
    }
    s.push_str(tail);
    s
}

#[test]
fn arguments_of_a_send() {
    // Argument i is at column 11 of line 2 + i ("    k000: i").
    let send = |n| lines("m = ( ^self", n, |i| format!("    k{i:03}: {i}"), ")");
    let code = accepted(&send(MAX_ARGS));
    assert_eq!(code.sites[0].argc as usize, MAX_ARGS);
    refused(
        &send(MAX_ARGS + 1),
        2 + MAX_ARGS,
        11,
        "too many arguments in one send",
    );
    // The reproducer: 256 and more keywords never wrap the count.
    refused(&send(300), 2 + MAX_ARGS, 11, "at most 255");
}

#[test]
fn arguments_of_a_method_and_of_a_block() {
    // Parameter i of the method is at column 7 of line 1 + i ("k000: a000").
    let method = |n| {
        let mut s = String::new();
        for i in 0..n {
            s.push_str(&format!("k{i:03}: a{i:03}\n"));
        }
        s + "= ( ^a000 )"
    };
    assert_eq!(accepted(&method(MAX_ARGS)).num_args, MAX_ARGS);
    refused(
        &method(MAX_ARGS + 1),
        1 + MAX_ARGS,
        7,
        "a method takes at most 255",
    );
    // Parameter i of the block is named at column 6 of line 2 + i ("    :a000").
    let block = |n| lines("m = ( ^[", n, |i| format!("    :a{i:03}"), "    | 1 ] )");
    assert_eq!(accepted(&block(MAX_ARGS)).blocks[0].num_args, MAX_ARGS);
    refused(
        &block(MAX_ARGS + 1),
        2 + MAX_ARGS,
        6,
        "a block takes at most 255",
    );
}

#[test]
fn frame_slots_bound_temporaries_and_captured_values() {
    // Temporary i is at column 5 of line 2 + i; the receiver takes slot 0.
    let temps = |n| lines("m = ( |", n, |i| format!("    t{i:03}"), "    | ^1 )");
    let max_temps = MAX_FRAME_SLOTS - 1;
    assert_eq!(accepted(&temps(max_temps)).num_temps, max_temps);
    refused(
        &temps(max_temps + 1),
        2 + max_temps,
        5,
        "too many temporaries",
    );
    // A block that copies 200 outer variables has room for 55 locals of its own.
    let outer = (0..200).map(|i| format!("o{i:03}")).collect::<Vec<_>>();
    let block = |n: usize| {
        let head = format!("m = ( | {} | ^[ |", outer.join(" "));
        let tail = format!("    | {} ] )", outer.join(". "));
        lines(&head, n, |i| format!("    b{i:03}"), &tail)
    };
    let room = MAX_FRAME_SLOTS - 1 - outer.len();
    let code = accepted(&block(room));
    assert_eq!(
        (code.blocks[0].num_copied, code.blocks[0].num_temps),
        (200, room)
    );
    refused(&block(room + 1), 2 + room, 5, "too many temporaries");
    // Variables captured and assigned share a temp vector, which takes a slot too.
    let vectored = |n| {
        let head = "m = ( |";
        let assigns: Vec<String> = (0..n).map(|i| format!("t{i:03} := 1")).collect();
        let tail = format!("    | [ {} ]. ^1 )", assigns.join(". "));
        lines(head, n, |i| format!("    t{i:03}"), &tail)
    };
    accepted(&vectored(MAX_FRAME_SLOTS - 2));
    refused(&vectored(MAX_FRAME_SLOTS - 1), 2, 5, "too many temporaries");
}

#[test]
fn literals_sends_globals_and_blocks_of_one_method() {
    // Distinct SmallIntegers above 255 are literals; each on its own line at column 5.
    let literals = |n| lines("m = (", n, |i| format!("    {}.", 256 + i), "    ^1 )");
    assert_eq!(
        accepted(&literals(MAX_LITERALS)).literals.len(),
        MAX_LITERALS
    );
    refused(
        &literals(MAX_LITERALS + 1),
        2 + MAX_LITERALS,
        5,
        "too many literals",
    );
    // A send site is reported at its selector: column 10 of "    self a.".
    let sends = |n| lines("m = (", n, |_| "    self a.".to_string(), "    ^1 )");
    assert_eq!(accepted(&sends(MAX_SEND_SITES)).sites.len(), MAX_SEND_SITES);
    refused(
        &sends(MAX_SEND_SITES + 1),
        2 + MAX_SEND_SITES,
        10,
        "too many sends",
    );
    let globals = |n| lines("m = (", n, |i| format!("    G{i:05}."), "    ^1 )");
    assert_eq!(accepted(&globals(MAX_GLOBALS)).globals.len(), MAX_GLOBALS);
    refused(
        &globals(MAX_GLOBALS + 1),
        2 + MAX_GLOBALS,
        5,
        "too many global names",
    );
    let blocks = |n| lines("m = (", n, |_| "    [].".to_string(), "    ^1 )");
    assert_eq!(accepted(&blocks(MAX_BLOCKS)).blocks.len(), MAX_BLOCKS);
    refused(
        &blocks(MAX_BLOCKS + 1),
        2 + MAX_BLOCKS,
        5,
        "too many blocks",
    );
}

#[test]
fn operand_stack_depth() {
    // Nested sends of 255 arguments whose last argument is the next send: every
    // receiver and argument line pushes one value that stays until the innermost send.
    // The push that passes the limit is reported (an argument at column 11).
    let nested = |depth: usize| {
        let mut s = String::from("m = ( ^\n");
        let mut pushed = 0;
        let mut open = 0;
        let mut line_of_last = 0;
        let mut line = 2;
        while pushed < depth {
            s.push_str("    (self\n");
            pushed += 1;
            open += 1;
            line += 1;
            let mut k = 0;
            while pushed < depth && k < MAX_ARGS - 1 {
                s.push_str(&format!("    k{k:03}: {k}\n"));
                pushed += 1;
                k += 1;
                line_of_last = line;
                line += 1;
            }
            if pushed < depth {
                s.push_str(&format!("    k{k:03}:\n"));
                line += 1;
            }
        }
        s.push_str(&")".repeat(open));
        s.push_str(" )");
        (s, line_of_last)
    };
    let (ok, _) = nested(MAX_STACK_DEPTH);
    accepted(&ok);
    let (over, line) = nested(MAX_STACK_DEPTH + 1);
    refused(&over, line, 11, "too deep for the operand stack");
}

#[test]
fn jump_distance() {
    // `t := t.` is 4 bytes; the ifTrue: skip jump crosses the body and a 3-byte jump.
    let body = |n| {
        lines(
            "m = ( | t | t := true. t ifTrue: [",
            n,
            |_| "    t := t.".to_string(),
            "    ] )",
        )
    };
    let fits = (MAX_JUMP - 3) / 4;
    accepted(&body(fits));
    refused(&body(fits + 1), 1, 24, "a jump over this construct");
    // A loop's back jump too.
    let lp = |n| {
        lines(
            "m = ( | t | t := true. [ t ] whileTrue: [",
            n,
            |_| "    t := t.".to_string(),
            "    ] )",
        )
    };
    refused(&lp(MAX_JUMP / 4 + 1), 1, 24, "a jump over this construct");
}

#[test]
fn instance_variables_of_a_class_inherited_ones_included() {
    // Field i is at column 5 of line 2 + i.
    let class = |n| lines("C = ( |", n, |i| format!("    f{i:03}"), "    | )");
    let def = parse_class(&class(MAX_FIELDS), FILE).expect("parses");
    assert!(check_fields(0, &def.instance_fields, FILE).is_ok());
    let def = parse_class(&class(MAX_FIELDS + 1), FILE).expect("parses");
    let err = check_fields(0, &def.instance_fields, FILE).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "{FILE}:{}:5: error: too many instance variables",
            2 + MAX_FIELDS
        )),
        "{err}"
    );
    // 200 inherited: the 57th own field is the first too many.
    let def = parse_class(&class(57), FILE).expect("parses");
    let err = check_fields(200, &def.instance_fields, FILE).unwrap_err();
    assert!(err.to_string().starts_with("T.som:58:5: error:"), "{err}");
    assert!(check_fields(200, &def.instance_fields[..56], FILE).is_ok());
}

/// The deepest nesting the parser accepts, of every shape the compiler recurses over,
/// compiles on a thread with `stack` bytes.
fn deepest_nesting_compiles_in(stack: usize) -> bool {
    let handle = std::thread::Builder::new().stack_size(stack).spawn(|| {
        let shapes: [(&str, &str, &str); 8] = [
            ("(", "1", ")"),
            ("[", "1", "]"),
            ("true ifTrue: [", "1", "]"),
            ("[ false ] whileTrue: [", "1", "]"),
            ("1 to: 2 do: [:i | ", "i", "]"),
            ("nil ifNil: [", "1", "] ifNotNil: [:x | x ]"),
            ("(self at: 1 put: ", "1", ")"),
            ("(3 foo; bar: ", "1", ")"),
        ];
        for (open, mid, close) in shapes {
            // The deepest that parses: MAX_DEPTH bounds every shape from above.
            let mut parsed = false;
            for d in (1..=MAX_DEPTH).rev() {
                let src = format!("m = ( ^{}{mid}{} )", open.repeat(d), close.repeat(d));
                let Ok(m) = parse_method(&src, FILE) else {
                    continue;
                };
                assert!(d > MAX_DEPTH / 4, "{open}: only {d} levels parse");
                // Compiled, or refused for a limit (each inlined to:do: takes three
                // frame slots), but never a stack overflow.
                match compile_method(&m, &[], FILE) {
                    Ok(code) => assert!(verify(&code).is_ok()),
                    Err(e) => assert!(
                        open.contains("to:") && e.message.contains("too many temporaries"),
                        "{open}: {e}"
                    ),
                }
                parsed = true;
                break;
            }
            assert!(parsed, "{open}{mid}{close} never parses");
        }
    });
    handle.expect("spawn").join().is_ok()
}

#[test]
fn deepest_nesting_compiles_within_two_mebibytes_of_stack() {
    assert!(deepest_nesting_compiles_in(2 << 20));
}

#[test]
fn hundred_thousand_levels_are_a_parse_error_not_a_stack_overflow() {
    let n = 100_000;
    for (open, close) in [("(", ")"), ("[", "]"), ("true ifTrue: [", "]")] {
        let src = format!("m = ( ^{}1{} )", open.repeat(n), close.repeat(n));
        let err = parse_method(&src, FILE).expect_err("too deep");
        assert!(err.to_string().contains("nested too deeply"), "{err}");
    }
}
