//! Unit tests of the translator on small methods: each expression is evaluated
//! in-process by an interpreter-only VM and by a VM with the Cranelift tier compiling
//! everything at first call (and again under GC stress); the printStrings must agree,
//! and the tier must have compiled and entered code. One test per opcode family.

use cairn_jit::CraneliftTier;
use cairn_vm::tier::{TierMode, TierPolicy};
use cairn_vm::Vm;

fn vm(mode: TierMode, stress: u32) -> Vm {
    let mut vm = Vm::new(Vec::new()).expect("boots");
    vm.set_gc_stress(stress);
    if mode != TierMode::Off {
        let tier = CraneliftTier::new(&vm).expect("a host ISA");
        vm.install_tier(Box::new(tier), TierPolicy { mode, threshold: 2 });
    }
    vm
}

fn eval(vm: &mut Vm, source: &str) -> String {
    match vm.eval(source) {
        Ok(s) => s,
        Err(e) => format!("error: {e}"),
    }
}

/// The value of `key=` in the stats line.
fn stat(vm: &Vm, key: &str) -> u64 {
    let line = vm.tier_stats_line();
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {line}"))
}

/// Evaluates `source` in both tiers (also with `on` at threshold 2 and under stress)
/// and checks the answers agree with `want`.
fn same(source: &str, want: &str) {
    let mut interp = vm(TierMode::Off, 0);
    assert_eq!(eval(&mut interp, source), want, "interpreter: {source}");
    for (mode, stress) in [
        (TierMode::Always, 0),
        (TierMode::On, 0),
        (TierMode::Always, 1),
    ] {
        let mut native = vm(mode, stress);
        assert_eq!(
            eval(&mut native, source),
            want,
            "{mode:?}, stress {stress}: {source}"
        );
        if mode == TierMode::Always {
            assert!(
                stat(&native, "compiled") >= 1,
                "{}",
                native.tier_stats_line()
            );
            assert!(
                stat(&native, "entries") >= 1,
                "{}",
                native.tier_stats_line()
            );
        }
    }
}

/// As [`same`], with the interpreter's answer as the expectation.
fn agrees(source: &str) {
    let want = eval(&mut vm(TierMode::Off, 0), source);
    assert!(!want.starts_with("error"), "{source}: {want}");
    same(source, &want);
}

#[test]
fn literals_locals_and_arithmetic() {
    same("| a b | a := 3. b := a * 4 + 2. b - 1", "13");
    same("1152921504606846975 + 1", "1152921504606846976");
    agrees("(7 // 2) + (7 \\\\ 2) + (2.5 * 2)");
    agrees("#(1 $a 'str' #sym 2.5) printString");
}

#[test]
fn inline_small_integer_paths_fall_back_at_the_edges() {
    // Overflow of the 61-bit range in both directions, and operands of other classes.
    agrees("(0 - 1152921504606846976) - 1");
    agrees("1152921504606846975 + 1 - 1");
    agrees("(1152921504606846975 + 1) class name");
    agrees("(1073741824 * 1073741824) class name");
    agrees("(536870912 * 1073741824) + (-536870912 * 1073741824) + (-1152921504606846976 * 1)");
    agrees("(-1152921504606846976 * -1) class name");
    agrees("(1152921504606846975 * -1) + (3 * -7) + (0 * -5) + (2 * 2.5)");
    agrees("| p | p := 1. 1 to: 80 do: [:i | p := p * 3]. p");
    agrees("(12 & 10) + (-1 & 255) + (-8 bitAnd: -3) + ((1 bitShift: 70) & 255)");
    agrees("(Array with: 3 < 2.5 with: 2.5 < 3 with: 3 = 3.0 with: 3 ~= 4) printString");
    agrees("(Array with: 'a' = 'a' with: 1 = nil with: 5 >= 5 with: 4 <= 3) printString");
    agrees("| s | s := 0. -5 to: 5 do: [:i | s := s + (i * i) - i]. s");
}

#[test]
fn loops_back_edges_and_inc_local() {
    same(
        "| s | s := 0. 1 to: 1000 do: [:i | s := s + i]. s",
        "500500",
    );
    same("| i | i := 0. [i < 77] whileTrue: [i := i + 1]. i", "77");
    same("| s | s := 0. 10 timesRepeat: [s := s + 2]. s", "20");
    same(
        "| i | i := 1152921504606846970. [i < 1152921504606846980] whileTrue: [i := i + 1]. i",
        "1152921504606846980",
    );
}

#[test]
fn conditionals_nil_tests_and_non_booleans() {
    same("3 > 2 ifTrue: ['yes'] ifFalse: ['no']", "'yes'");
    same("(3 > 2) & (1 > 2) ifTrue: [1] ifFalse: [2]", "2");
    same("nil ifNil: [5] ifNotNil: [:x | x]", "5");
    same("7 ifNil: [5] ifNotNil: [:x | x + 1]", "8");
    same("(1 < 2 and: [2 < 3]) or: [false]", "true");
    agrees("[3 ifTrue: [1] ifFalse: [2]] on: Error do: [:e | e class name]");
}

#[test]
fn closures_temp_vectors_and_non_local_return() {
    same(
        "| n b | n := 0. b := [:x | n := n + x]. b value: 3. b value: 4. n",
        "7",
    );
    agrees(
        "| bs | bs := (1 to: 3) collect: [:i | [i * 10]]. (bs collect: [:b | b value]) printString",
    );
    same("#(1 2 3 4) detect: [:x | x > 2]", "3");
    same(
        "| r | r := #(5 6 7) inject: 0 into: [:a :x | a + x]. r",
        "18",
    );
}

#[test]
fn identity_of_boxed_numbers_and_objects() {
    same("(1 bitShift: 70) == (1 bitShift: 70)", "true");
    same("'a' == 'a' copy", "false");
    same("| o | o := Object new. o == o", "true");
    same("3 == 3", "true");
}

#[test]
fn sends_primitives_globals_and_arrays() {
    same(
        "| a | a := Array new: 5. 1 to: 5 do: [:i | a at: i put: i * i]. (a at: 4) + a size",
        "21",
    );
    same("'abc' , 'def'", "'abcdef'");
    agrees("Object name");
    // The inline at:/at:put: path and its edges: bounds, index kinds, other classes,
    // a prefixed (> 254 slots) Array.
    agrees("| a | a := Array new: 3. a at: 3 put: 7. (a at: 3) + (a at: 1) isNil asString size");
    agrees("[(Array new: 3) at: 0] on: Error do: [:e | e class name]");
    agrees("[(Array new: 3) at: 4 put: 1] on: Error do: [:e | e class name]");
    agrees("[(Array new: 3) at: 1.5] on: Error do: [:e | e class name]");
    agrees("'hello' at: 2");
    agrees("| a | a := Array new: 300. 1 to: 300 do: [:i | a at: i put: i]. (a at: 300) + (a at: 255) + (a at: 1)");
    agrees("| a s | a := Array new: 1000. 1 to: 1000 do: [:i | a at: i put: (Array with: i)]. s := 0. a do: [:x | s := s + (x at: 1)]. s");
    agrees("(#(3 1 2) collect: [:x | x * 2]) printString");
}

#[test]
fn exceptions_and_ensure_through_compiled_frames() {
    same("[1/0] on: ZeroDivide do: [:e | e return: 42]", "42");
    same("| log | log := 0. [[Error signal: 'x'] ensure: [log := log + 1]] on: Error do: [:e | log := log + 10]. log", "11");
    agrees("[Error new signal: 'r'. 5] on: Error do: [:e | e messageText]");
}

#[test]
fn deep_recursion_signals_stack_overflow_in_both_tiers() {
    let src = "| f | f := nil. f := [:n | n = 0 ifTrue: [0] ifFalse: [1 + (f value: n - 1)]]. [f value: 1000000] on: StackOverflow do: [:e | e return: #overflow]";
    let want = eval(&mut vm(TierMode::Off, 0), src);
    let mut native = vm(TierMode::Always, 0);
    assert_eq!(eval(&mut native, src), want);
}

#[test]
fn a_hot_loop_enters_native_code_at_its_back_edge() {
    // `on` at threshold 2: the do-it is invoked once, so only its loop's back-edge
    // counter can trigger; the running activation continues natively (OSR).
    let src = "| s | s := 0. 1 to: 5000 do: [:i | s := s + i]. s";
    let mut native = vm(TierMode::On, 0);
    assert_eq!(eval(&mut native, src), "12502500");
    assert!(stat(&native, "osr") >= 1, "{}", native.tier_stats_line());
    assert!(
        stat(&native, "entries") >= 1,
        "{}",
        native.tier_stats_line()
    );
}
