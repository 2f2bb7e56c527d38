//! Adversarial snippets, one family per [`Feature`]: each answers a statement (possibly
//! several, inside a block) that the program guards like any other. Work stays bounded:
//! retries count, loops have literal bounds, unbounded recursion ends in StackOverflow.

use super::grammar::{Gen, Kind, CLASSES, INTS};
use super::Feature;

/// Receivers of every kind: immediates, nil, each object format, classes, metaclasses,
/// LargeIntegers, blocks, methods, exceptions, the fixtures.
const RECEIVERS: &[&str] = &[
    "3",
    "nil",
    "true",
    "$a",
    "2.5",
    "1e300",
    "1152921504606846976",
    "'abc'",
    "#sym",
    "#(1 2)",
    "(Array new: 2)",
    "Object new",
    "Object",
    "Object class",
    "Object class class",
    "[:x | x]",
    "[3]",
    "(Array methods at: 1)",
    "Error new",
    "(Error new messageText: 'm')",
    "system",
    "ProgenShape new",
    "ProgenWide new",
    "ProgenEmpty new",
    "(Vector new)",
    "(Dictionary new)",
    "(Set new)",
    "(1 -> 2)",
    "Smalltalk",
];

/// Selectors worth running on foreign receivers, by the class that defines them. None
/// loops without bound when run on its own kind of receiver.
const FOREIGN: &[(&str, &[&str])] = &[
    (
        "String",
        &[
            "length",
            "at:",
            "charAt:",
            "=",
            "asSymbol",
            "hashcode",
            ",",
            "primSubstringFrom:to:",
            "asInteger",
            "asDouble",
            "compare:",
            "isWhiteSpace",
        ],
    ),
    (
        "Symbol",
        &["asString", "numArgs", "printString", "concatenate:"],
    ),
    (
        "Array",
        &[
            "at:",
            "at:put:",
            "length",
            "copyFrom:to:",
            "replaceFrom:to:",
        ],
    ),
    (
        "Integer",
        &[
            "+",
            "-",
            "*",
            "/",
            "<",
            "=",
            "<<",
            "bitAnd:",
            "asString",
            "asDouble",
            "sqrt",
            "printString:",
            "hashcode",
            "asCharacter",
        ],
    ),
    (
        "Double",
        &[
            "+",
            "*",
            "<",
            "sqrt",
            "asInteger",
            "printString",
            "round",
            "truncated",
        ],
    ),
    (
        "Character",
        &["value", "asString", "isLetter", "asUppercase"],
    ),
    (
        "Object",
        &[
            "class",
            "objectSize",
            "==",
            "hashcode",
            "instVarAt:",
            "instVarAt:put:",
            "perform:",
            "perform:withArguments:",
            "instVarNamed:",
        ],
    ),
    ("Method", &["signature", "holder", "invokeOn:with:"]),
    (
        "Block",
        &[
            "value",
            "valueWithArguments:",
            "restart",
            "on:do:",
            "ensure:",
            "ifCurtailed:",
            "newProcess",
        ],
    ),
    (
        "Class",
        &[
            "name",
            "superclass",
            "fields",
            "methods",
            "new",
            "selectors",
            "instSize",
            "lookup:",
        ],
    ),
    (
        "Exception",
        &[
            "signal",
            "signal:",
            "return:",
            "retry",
            "pass",
            "outer",
            "resumeUnchecked:",
            "resume:",
            "messageText",
        ],
    ),
    (
        "ObjectProtocol",
        &["become:", "shallowCopy", "identityHash", "yourself", "->"],
    ),
    ("System", &["global:", "hasGlobal:", "fullGC", "ticks"]),
];

/// A snippet exercising `f`.
pub fn snippet(g: &mut Gen, f: Feature) -> String {
    match f {
        Feature::Overflow => overflow(g),
        Feature::HugeSizes => huge_sizes(g),
        Feature::Collections => collections(g),
        Feature::Reflection => reflection(g),
        Feature::InstVarWrites => inst_var_writes(g),
        Feature::ForeignPrimitives => foreign(g),
        Feature::Become => swap_identity(g),
        Feature::BlockArity => block_arity(g),
        Feature::DeepRecursion => deep_recursion(g),
        Feature::NestedOverflow => nested_overflow(g),
        Feature::DeadHome => dead_home(g),
        Feature::Exceptions => exceptions(g),
        Feature::Symbols => symbols(g),
        Feature::CompilerLimits => compiler_limits(g),
        Feature::Globals => globals(g),
        Feature::KernelRebinding => kernel_rebinding(g),
        Feature::Unguarded => g.plain_statement(),
    }
}

fn receiver(g: &mut Gen) -> String {
    if g.c.chance(1, 4) {
        g.expr(Kind::Any)
    } else {
        g.one(RECEIVERS).into()
    }
}

/// An Array of `n` arguments (or, now and then, something that is not an Array).
fn arguments(g: &mut Gen, n: usize) -> String {
    match g.c.pick(8) {
        0 => "nil".into(),
        1 => "'ab'".into(),
        _ => {
            let args: Vec<String> = (0..n).map(|_| receiver(g)).collect();
            match n {
                0 => "#()".into(),
                1..=4 => format!(
                    "(Array{})",
                    args.iter()
                        .map(|a| format!(" with: {a}"))
                        .collect::<String>()
                ),
                _ => format!("(Array new: {n} withAll: {})", args[0]),
            }
        }
    }
}

fn overflow(g: &mut Gen) -> String {
    let v = g.target();
    let (a, b) = (g.one(INTS), g.one(INTS));
    match g.c.pick(6) {
        0 => format!("{v} := (({a} * {b}) // {b}) - {a}"),
        1 => format!("{v} := ({a} + {b}) class name"),
        2 => format!("{v} := (({a} << {}) >> {}) = {a}", g.c.pick(130), g.c.pick(130)),
        3 => format!("{v} := ({a} raisedTo: {}) printString size", g.c.pick(200)),
        4 => format!("{v} := {a} asDouble + {b} - {a}"),
        _ => format!("{v} := (1152921504606846975 + {}) - 1152921504606846975 + (-1152921504606846976 - {}) ", g.c.pick(3), g.c.pick(3)),
    }
}

fn huge_sizes(g: &mut Gen) -> String {
    let v = g.target();
    let s = g.size();
    match g.c.pick(8) {
        0 => format!("{v} := Array new: {s}"),
        1 => format!("{v} := String new: {s}"),
        2 => format!("{v} := (Array new: 3) at: {s}"),
        3 => format!("{v} := (Array new: 3) at: {s} put: {}", receiver(g)),
        4 => format!("{v} := 'abc' copyFrom: {s} to: {}", g.size()),
        5 => format!("{v} := Array new: {s} withAll: 7"),
        6 => format!("{v} := (Vector new: {s}) add: 1; yourself"),
        _ => format!("{v} := {} new: {s}", g.one(CLASSES)),
    }
}

fn collections(g: &mut Gen) -> String {
    let v = g.target();
    match g.c.pick(7) {
        0 => format!(
            "{v} := (Dictionary new at: {} put: 1; at: {} put: 2; yourself) keys",
            receiver(g),
            receiver(g)
        ),
        1 => format!(
            "{v} := (Set new add: {}; add: {}; add: 1152921504606846976; yourself) size",
            receiver(g),
            receiver(g)
        ),
        2 => format!(
            "{v} := (Array with: {} with: {} with: 3) sort: [:x :y | x < y]",
            receiver(g),
            receiver(g)
        ),
        3 => format!(
            "{v} := (Vector new add: 1; add: {}; removeFirst; removeFirst; removeFirst; yourself)",
            receiver(g)
        ),
        4 => format!(
            "{v} := {} collect: [:x | x printString size]",
            g.expr(Kind::Coll)
        ),
        5 => format!(
            "{v} := (Array new: 4) replaceFrom: {} to: {} with: {}",
            g.c.pick(6),
            g.c.pick(6),
            g.expr(Kind::Coll)
        ),
        _ => format!(
            "{v} := ({} asArray , {}) reversed",
            g.expr(Kind::Str),
            g.expr(Kind::Coll)
        ),
    }
}

fn reflection(g: &mut Gen) -> String {
    let v = g.target();
    let r = receiver(g);
    match g.c.pick(9) {
        0 => format!(
            "{v} := {r} instVarAt: {}",
            g.one(&[
                "0",
                "1",
                "2",
                "3",
                "4",
                "100",
                "-1",
                "1152921504606846976",
                "nil"
            ])
        ),
        1 => format!("{v} := {r} instVarAt: {}", g.one(&["1", "2", "5"])),
        2 => {
            let sel = g.one(&[
                "#+",
                "#at:put:",
                "#value",
                "#value:",
                "#printString",
                "#new:",
                "#inject:into:",
                "#foo:bar:baz:",
            ]);
            let n = g.c.pick(5);
            format!(
                "{v} := {r} perform: {sel} withArguments: {}",
                arguments(g, n)
            )
        }
        3 => format!(
            "{v} := {r} perform: {} with: {}",
            g.one(&["#at:", "#+", "#value", "#at:put:", "#yourself"]),
            receiver(g)
        ),
        4 => format!(
            "{v} := {r} perform: {}",
            g.one(&[
                "#class",
                "#at:",
                "#+",
                "#size",
                "#printString",
                "#methods",
                "#name"
            ])
        ),
        5 => format!("{v} := ({r} class methods collect: [:m | m signature]) size"),
        6 => format!(
            "{v} := {r} respondsTo: {}",
            g.one(&["#size", "#+", "#foo", "#become:"])
        ),
        7 => format!(
            "{v} := {r} instVarNamed: {}",
            g.one(&["'a'", "'k'", "'x'", "#a", "3"])
        ),
        _ => format!("{v} := {r} perform: #perform:withArguments: with: #printString with: #()"),
    }
}

fn inst_var_writes(g: &mut Gen) -> String {
    let v = g.target();
    let r = receiver(g);
    let index = g.one(&["0", "1", "2", "3", "9", "-1", "1152921504606846976", "nil"]);
    format!(
        "{v} := {r} instVarAt: {index} put: {}. {v} := {r} printString",
        receiver(g)
    )
}

fn foreign(g: &mut Gen) -> String {
    let v = g.target();
    let (class, sels) = FOREIGN[g.c.pick(FOREIGN.len())];
    let sel = g.one(sels);
    let argc = if sel.ends_with(':') {
        sel.matches(':').count()
    } else if sel.chars().all(|c| c.is_alphanumeric()) {
        0
    } else {
        1
    };
    let n = if g.c.chance(1, 4) { g.c.pick(4) } else { argc };
    let r = receiver(g);
    let args = arguments(g, n);
    match g.c.pick(3) {
        0 => format!("{v} := ({class} methods detect: [:m | m signature == #{sel}] ifNone: [nil]) invokeOn: {r} with: {args}"),
        1 => {
            // Any method of the class, picked by position.
            let k = g.c.pick(200);
            // Except the loops that run for ever by design on any block (`repeat`).
            format!("{v} := {class} methods. {v} := {v} at: {k} \\\\ {v} size + 1. ({v} signature == #repeat) ifFalse: [{v} := {v} invokeOn: {r} with: {args}]")
        }
        _ => format!("{v} := (({class} methods detect: [:m | m signature == #{sel}] ifNone: [nil]) {}) ", g.one(&["signature", "holder", "printString", "invokeOn: nil with: #()"])),
    }
}

fn swap_identity(g: &mut Gen) -> String {
    let v = g.target();
    let other = g.one(&[
        "Object new",
        "ProgenEmpty new",
        "ProgenWide new",
        "ProgenShape new",
        "'a string'",
        "(Array new: 1)",
        "(Array new: 20)",
        "3",
        "(1 << 70)",
        "#(1 2)",
        "#aSymbol",
        "2.5",
        "Error new",
        "[:x | x]",
    ]);
    let me = g.one(&["ProgenShape new", "ProgenWide new"]);
    match g.c.pick(9) {
        0 => format!("{v} := {me} becomeAndRead: {other}"),
        1 => format!("{v} := {me} becomeAndWrite: {other}"),
        2 => format!("{v} := {me} becomeAndSend: {other}"),
        3 => format!("{v} := {me} captureThenBecome: {other}"),
        4 => format!("{v} := {me} becomeInEnsure: {other}"),
        5 => format!("{v} := {me} becomeInHandler: {other}"),
        6 => format!("{v} := ProgenWide new becomeAndWriteLast: {other}"),
        7 => {
            let o = g.fresh_temp();
            format!("{o} := {me}. {v} := {o} writerBlock. {o} become: {other}. {v} value: {}. {v} := {o} readerBlock value", receiver(g))
        }
        _ => {
            // Shared objects: literals, nil, classes. Later programs need a fresh VM.
            g.pollutes = true;
            format!(
                "{v} := {} become: {other}",
                g.one(&[
                    "nil",
                    "true",
                    "#(1 2 3)",
                    "'lit'",
                    "Object",
                    "ProgenShape",
                    "#foo",
                    "system"
                ])
            )
        }
    }
}

fn block_arity(g: &mut Gen) -> String {
    let v = g.target();
    let k = g.fresh_counter();
    let arg = receiver(g);
    match g.c.pick(6) {
        0 => format!("{v} := [:x | x] value"),
        1 => format!("{v} := [:x :y | x] value: {arg}"),
        2 => format!("{v} := [{arg}] value: 1"),
        3 => format!("{v} := [:x | x] valueWithArguments: {}", arguments(g, 2)),
        4 => format!("{k} := 0. {v} := [:x | {k} := {k} + 1. {k} < 3] whileTrue: [{k} := {k} + 1]"),
        _ => format!("{k} := 0. {v} := [:x :y | {k} := {k} + 1. {k} > 2] whileFalse"),
    }
}

fn deep_recursion(g: &mut Gen) -> String {
    let v = g.target();
    // Reaching the stack limit costs 100 000 frames: mostly recurse within it.
    if g.c.chance(5, 6) {
        return format!("{v} := ProgenShape new recurse: {}", g.c.pick(300));
    }
    match g.c.pick(5) {
        0 => format!("{v} := ProgenShape new recurse: {}", g.c.pick(300)),
        1 => format!("{v} := ProgenShape new forever: 0"),
        2 => format!("{v} := [:r | r value: r] value: [:r | r value: r]"),
        3 => format!("{v} := ProgenShape new foreverIn: [:b | 1 + b value]"),
        _ => format!(
            "{v} := [ProgenShape new forever: 0] ensure: [{v} := ProgenShape new recurse: 20]"
        ),
    }
}

fn nested_overflow(g: &mut Gen) -> String {
    let v = g.target();
    match g.c.pick(3) {
        0 => format!("{v} := [ProgenShape new forever: 0] on: StackOverflow do: [:e | ProgenShape new forever: 0]"),
        1 => format!("{v} := [ProgenShape new forever: 0] on: StackOverflow do: [:e | [ProgenShape new forever: 0] on: StackOverflow do: [:e2 | e2 return: 1]]"),
        // Retrying with the same overflowing block would loop for ever by design (the
        // handler stays active for the replacement block): retry with one that ends.
        _ => format!("{v} := [ProgenShape new forever: 0] on: StackOverflow do: [:e | e retryUsing: [ProgenShape new recurse: 20]]"),
    }
}

fn dead_home(g: &mut Gen) -> String {
    let v = g.target();
    match g.c.pick(4) {
        0 => format!("{v} := ProgenShape new escaper value: {}", receiver(g)),
        1 => format!("{v} := ProgenShape new escaperInEnsure value"),
        2 => format!("{v} := ProgenShape new escaper. {v} := [{v} value: 1] on: BlockCannotReturn do: [:e | e return: 2]"),
        _ => format!("{v} := (Array with: ProgenShape new escaper) collect: [:b | b value: 3]"),
    }
}

/// A handler for [`Gen`]'s guard, from the exception protocol (class, handler body).
pub fn handler(g: &mut Gen) -> (String, String) {
    let class = g.one(&[
        "Exception",
        "Error",
        "ZeroDivide",
        "MessageNotUnderstood",
        "PrimitiveFailed",
        "Warning",
        "ZeroDivide, MessageNotUnderstood",
    ]);
    let h = match g.c.pick(9) {
        0 => "e resume: 5".to_string(),
        1 => "e pass".into(),
        2 => "e outer".into(),
        3 => "e signal".into(),
        4 => "e return".into(),
        5 => "e retryUsing: [7]".into(),
        6 => "e signal: 'again'".into(),
        7 => format!("e resume: {}", g.leaf(Kind::Any)),
        _ => "[e resume: 1] on: Exception do: [:e2 | e2 return: 2]".into(),
    };
    (class.to_string(), h)
}

fn exceptions(g: &mut Gen) -> String {
    let v = g.target();
    let n = g.fresh_counter();
    match g.c.pick(8) {
        0 => format!("{n} := 0. {v} := [{n} := {n} + 1. {n} < 3 ifTrue: [1 / 0]. {n}] on: ZeroDivide do: [:e | e retry]"),
        1 => format!("{v} := [Warning signal: 'w'] on: Warning do: [:e | e resume: 4]"),
        2 => format!("{v} := [[Error signal: 'in'] ensure: [{n} := 1]] on: Error do: [:e | e return: {n}]"),
        3 => format!("{v} := [[1/0] ifCurtailed: [{n} := 2]] on: ZeroDivide do: [:e | e return: 3]"),
        // Keep the exception, then use it after its handler has finished.
        4 => format!("{v} := [Error signal: 'kept'] on: Error do: [:e | e]. {v} {}", g.one(&["return: 3", "retry", "resume: 1", "pass", "outer", "signal", "messageText", "resumeUnchecked: 3"])),
        5 => format!("{v} := [[3 foo] on: ZeroDivide do: [:e | 0]] on: MessageNotUnderstood do: [:e | e return: e message selector]"),
        6 => format!("{v} := [Exception new signal: 'plain'] on: Exception do: [:e | e resume: 9]"),
        _ => format!("{v} := [[Error signal] on: Error do: [:e | e signal]] on: Error do: [:e | e return: 1]"),
    }
}

fn symbols(g: &mut Gen) -> String {
    let v = g.target();
    match g.c.pick(5) {
        0 => format!(
            "1 to: {} do: [:i | {v} := ('progen' , i printString) asSymbol]",
            1 + g.c.pick(50)
        ),
        1 => format!("{v} := ({} , ':') asSymbol numArgs", g.expr(Kind::Str)),
        2 => format!(
            "{v} := 3 perform: ({} asSymbol) with: 4",
            g.one(&["'+'", "'max:'", "'between:and:'", "''", "'at:put:'"])
        ),
        3 => format!(
            "{v} := {} asSymbol == {} asSymbol",
            g.expr(Kind::Str),
            g.expr(Kind::Str)
        ),
        _ => format!("{v} := (Symbol new: {}) , #x", g.c.pick(4)),
    }
}

fn compiler_limits(g: &mut Gen) -> String {
    g.compile_error_ok = true;
    let v = g.target();
    let n = 250 + g.c.pick(20);
    match g.c.pick(4) {
        0 => format!(
            "{v} := 3 {}",
            (0..n)
                .map(|i| format!("k{i}: {i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        1 => format!(
            "{v} := [{} | 0] value",
            (0..n)
                .map(|i| format!(":a{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        2 => format!(
            "{v} := [| {} | 0] value",
            (0..n)
                .map(|i| format!("b{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        _ => format!(
            "{v} := Array new: 0. {}",
            (0..n)
                .map(|i| format!("{v} := {v} , #({i})"))
                .collect::<Vec<_>>()
                .join(". ")
        ),
    }
}

fn globals(g: &mut Gen) -> String {
    let v = g.target();
    match g.c.pick(3) {
        0 => format!(
            "Smalltalk at: #ProgenGlobal put: {}. {v} := Smalltalk at: #ProgenGlobal",
            receiver(g)
        ),
        1 => format!(
            "{v} := Smalltalk at: {}",
            g.one(&["#Object", "#NoSuchGlobal", "'Array'", "3", "nil"])
        ),
        _ => format!(
            "{v} := Smalltalk includesKey: {}",
            g.one(&["#Object", "#Absent", "'x'"])
        ),
    }
}

fn kernel_rebinding(g: &mut Gen) -> String {
    // Kernel classes loaded later may then fail to load: a class-loading error
    // (VmError::Compile) is a correct outcome. Later programs need a fresh VM.
    g.pollutes = true;
    g.compile_error_ok = true;
    let name = g.one(&[
        "#Error",
        "#Array",
        "#Object",
        "#String",
        "#Exception",
        "#ZeroDivide",
        "#Vector",
    ]);
    format!("Smalltalk at: {name} put: {}", receiver(g))
}
