//! What the interpreter does, observed through `Vm::eval` and small class files:
//! arithmetic across representations, closures, non-local return, the exception
//! machinery, stack overflow, unknown globals and class loading errors.

use std::path::PathBuf;

use cairn_vm::{Vm, VmError};

fn eval(src: &str) -> String {
    let mut vm = Vm::new(Vec::new()).expect("boots");
    match vm.eval(src) {
        Ok(s) => s,
        Err(e) => panic!("{src}: {e}"),
    }
}

/// A class path with the given class files, in a fresh temporary directory.
fn class_path(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cairn-interp-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (file, src) in files {
        std::fs::write(dir.join(format!("{file}.som")), src).expect("write class");
    }
    dir
}

#[test]
fn arithmetic_overflows_into_large_integers_and_back() {
    assert_eq!(eval("1152921504606846975 + 1"), "1152921504606846976");
    assert_eq!(eval("(1152921504606846975 + 1 - 1) class"), "Integer");
    assert_eq!(eval("(2 raisedTo: 64) - (2 raisedTo: 64) + 7"), "7");
    assert_eq!(eval("100 factorial / 98 factorial"), "9900");
}

#[test]
fn doubles_mix_with_integers() {
    assert_eq!(eval("1 + 0.5"), "1.5");
    assert_eq!(eval("0.1 + 0.2"), "0.30000000000000004");
    assert_eq!(eval("1e300 * 1e10"), "Infinity");
    assert_eq!(eval("3 // 2"), "1.5");
}

#[test]
fn closures_copy_reads_and_share_writes() {
    assert_eq!(
        eval("| n b | n := 0. b := [ n := n + 1 ]. b value. b value. n"),
        "2"
    );
    assert_eq!(
        eval("| bs | bs := Array new: 3. 1 to: 3 do: [:i | bs at: i put: [ i * 10 ]]. (bs at: 1) value + (bs at: 3) value"),
        "40"
    );
    assert_eq!(
        eval("| mk c | mk := [:x | [:y | x + y]]. c := mk value: 5. c value: 2"),
        "7"
    );
}

#[test]
fn inlined_loops_compute_like_sends() {
    assert_eq!(
        eval("| s | s := 0. 1 to: 10 by: 3 do: [:i | s := s + i]. s"),
        "22"
    );
    assert_eq!(
        eval("| s | s := 0. 10 downTo: 1 do: [:i | s := s * 2 + i]. s"),
        "9217"
    );
    assert_eq!(
        eval("| i | i := 0. [i < 5] whileTrue: [i := i + 1]. i"),
        "5"
    );
    assert_eq!(eval("| n | n := 0. 4 timesRepeat: [n := n + 2]. n"), "8");
    assert_eq!(eval("nil ifNil: [1] ifNotNil: [:x | x]"), "1");
    assert_eq!(eval("3 ifNil: [1] ifNotNil: [:x | x + 1]"), "4");
}

#[test]
fn exceptions_return_retry_resume_and_ensure() {
    assert_eq!(eval("[1/0] on: ZeroDivide do: [:e | e return: 5]"), "5");
    assert_eq!(eval("[1/0. 7] on: ZeroDivide do: [:e | 9]"), "9");
    assert_eq!(eval("| n | n := 0. [n := n + 1. n < 3 ifTrue: [Error signal: 'x']. n] on: Error do: [:e | e retry]"), "3");
    assert_eq!(
        eval("[(Warning signal: 'w') + 1] on: Warning do: [:e | e resume: 41]"),
        "42"
    );
    assert_eq!(eval("| log | log := 0. [[Error signal] ensure: [log := log + 1]] on: Error do: [:e | nil]. log"), "1");
    assert_eq!(eval("| log | log := 0. [[Error signal] ifCurtailed: [log := 7]] on: Error do: [:e | nil]. log"), "7");
    assert_eq!(eval("| log | log := 0. [5] ensure: [log := 1]. log"), "1");
    assert_eq!(
        eval("[[Error signal: 'inner'] on: ZeroDivide do: [:e | 1]] on: Error do: [:e | e messageText]"),
        "'inner'"
    );
    assert_eq!(
        eval("[[Error signal] on: Error do: [:e | e pass]] on: Error do: [:e | 3]"),
        "3"
    );
}

#[test]
fn primitive_failures_are_catchable_errors() {
    assert_eq!(
        eval("[#(1 2) at: 3] on: SubscriptOutOfBounds do: [:e | e messageText]"),
        "'Index 3 is out of bounds (Array of size 2)'"
    );
    assert_eq!(
        eval("[nil foo] on: MessageNotUnderstood do: [:e | e return: 1]"),
        "1"
    );
}

#[test]
fn non_local_return_unwinds_through_ensure_and_dead_homes_are_reported() {
    let cp = class_path(
        "nlr",
        &[(
            "Nlr",
            "Nlr = ( | log |
                find = ( #(1 2 3) do: [:e | e = 2 ifTrue: [^e]]. ^0 )
                guarded = ( log := 0. [^1] ensure: [log := 5] )
                log = ( ^log )
                escaper = ( ^[:x | ^x] )
                escapedBlock: b = ( ^#escaped )
            )",
        )],
    );
    let mut vm = Vm::new(vec![cp]).expect("boots");
    assert_eq!(vm.eval("Nlr new find").unwrap(), "2");
    assert_eq!(
        vm.eval("| n | n := Nlr new. n guarded + n log").unwrap(),
        "6"
    );
    assert_eq!(vm.eval("(Nlr new escaper) value: 3").unwrap(), "#escaped");
}

#[test]
fn deep_recursion_signals_stack_overflow_and_the_vm_survives() {
    let cp = class_path(
        "deep",
        &[(
            "Deep",
            "Deep = ( down: n = ( ^n = 0 ifTrue: [0] ifFalse: [1 + (self down: n - 1)] ) )",
        )],
    );
    let mut vm = Vm::new(vec![cp]).expect("boots");
    assert_eq!(vm.eval("Deep new down: 10000").unwrap(), "10000");
    assert_eq!(
        vm.eval("[Deep new down: 100000000] on: StackOverflow do: [:e | -1]")
            .unwrap(),
        "-1"
    );
    // The limit is restored after the overflow was handled.
    assert_eq!(
        vm.eval("[Deep new down: 100000000] on: StackOverflow do: [:e | -2]")
            .unwrap(),
        "-2"
    );
}

#[test]
fn unknown_superclass_is_a_located_compile_error() {
    let cp = class_path("badsuper", &[("Bad", "Bad = Zork ( run = ( ^1 ) )")]);
    let mut vm = Vm::new(vec![cp]).expect("boots");
    match vm.eval("Bad new") {
        Err(VmError::Compile(m)) => assert!(
            m.contains("Bad.som:1:7: error: unknown superclass 'Zork'"),
            "{m}"
        ),
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn a_metaclass_as_superclass_is_a_located_compile_error() {
    // Its instances would reach class-side primitives as if they were classes.
    let cp = class_path("metasuper", &[("Evil", "Evil = Meta ( )")]);
    let mut vm = Vm::new(vec![cp]).expect("boots");
    match vm.eval("system global: #Meta put: Array class. Evil new new: 3") {
        Err(VmError::Compile(m)) => assert!(
            m.contains("Evil.som:1:8: error: superclass 'Meta' of class 'Evil' is a metaclass"),
            "{m}"
        ),
        other => panic!("expected a compile error, got {other:?}"),
    }
    // Class-side primitives still work on real classes, and refuse what is not one.
    assert_eq!(vm.eval("(Array new: 3) length").unwrap(), "3");
    assert_eq!(
        vm.eval("[(Array class >> #new:) invokeOn: 3 with: (Array with: 2)] on: Error do: [:e | #refused]")
            .unwrap(),
        "#refused"
    );
}

#[test]
fn user_classes_shadow_kernel_classes_except_core_ones() {
    let cp = class_path(
        "shadow",
        &[
            ("Pair", "Pair = ( mine = ( ^#user ) )"),
            ("Integer", "Integer = ( mine = ( ^#user ) )"),
        ],
    );
    let mut vm = Vm::new(vec![cp]).expect("boots");
    assert_eq!(vm.eval("Pair new mine").unwrap(), "#user");
    assert_eq!(
        vm.eval("[3 mine] on: MessageNotUnderstood do: [:e | #kernel]")
            .unwrap(),
        "#kernel"
    );
}

#[test]
fn handlers_that_are_not_one_argument_blocks_are_sent_value() {
    let mut vm = Vm::new(Vec::new()).expect("boots");
    // A non-block handler does not understand value: — an unhandled error, not a crash.
    assert!(matches!(
        vm.eval("[1/0] on: ZeroDivide do: 7"),
        Err(VmError::Exit(1))
    ));
    let mut vm = Vm::new(Vec::new()).expect("boots");
    assert_eq!(vm.eval("[1/0] on: ZeroDivide do: [4]").unwrap(), "4");
}

#[test]
fn protocol_selectors_reach_a_user_doesnotunderstand_override() {
    let cp = class_path(
        "dnu",
        &[(
            "Catcher",
            "Catcher = ( doesNotUnderstand: sel arguments: args = ( ^sel ) )",
        )],
    );
    let mut vm = Vm::new(vec![cp]).expect("boots");
    // `yourself` lives in ObjectProtocol: an override of doesNotUnderstand: sees it first.
    assert_eq!(vm.eval("Catcher new yourself").unwrap(), "#yourself");
    assert_eq!(
        vm.eval("Object new yourself printString").unwrap(),
        "'instance of Object'"
    );
}

#[test]
fn an_interrupt_stops_the_run_and_the_vm_runs_the_next_program() {
    let mut vm = Vm::new(Vec::new()).expect("boots");
    let handle = vm.interrupt_handle();
    // A request made before the run stops it at its first safepoint.
    handle.stop();
    assert!(matches!(
        vm.eval("[true] whileTrue: []"),
        Err(VmError::Interrupted)
    ));
    vm.abandon_run();
    assert!(vm.residue().is_clean());
    // From another thread, while a loop runs inside a handler and an ensure: block.
    let stopper = {
        let handle = handle.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            handle.stop();
        })
    };
    let r = vm.eval("[[[true] whileTrue: []] ensure: [3]] on: Exception do: [:e | 4]");
    stopper.join().expect("stopper");
    assert!(matches!(r, Err(VmError::Interrupted)), "{r:?}");
    vm.abandon_run();
    // A withdrawn request stops nothing; the VM is as good as new.
    handle.stop();
    handle.cancel();
    assert_eq!(vm.eval("3 + 4").expect("runs"), "7");
    assert_eq!(VmError::Interrupted.exit_status(), 124);
}

#[test]
fn a_handled_out_of_memory_leaves_no_scratch_roots() {
    // Found by the fuzz target: a doesNotUnderstand: whose arguments Array could not be
    // allocated left the send's scratch roots behind after the handler returned. The
    // arguments Array here is a large object (8 192 arguments, through
    // perform:withArguments:): the heap is filled with large Arrays until no more fits,
    // so that one fails while the handler's small objects still find room (a heap too
    // full for those would stop the VM instead). The blocks, the selector and its
    // arguments exist beforehand; one send that fails to be understood comes first.
    let mut vm = Vm::with_max_heap(Vec::new(), 8 << 20).expect("boots");
    let out = vm
        .eval(
            "| keep big n sym args send handler failed s | \
             failed := 0. n := 0. handler := [:e | failed := failed + 1. e return: nil]. \
             s := 'a:'. 13 timesRepeat: [s := s , s]. \
             sym := s asSymbol. args := Array new: 8192. s := nil. big := Array new: 1000. \
             send := [3 perform: sym withArguments: args]. \
             send on: Exception do: handler. \
             [[true] whileTrue: [keep := Array with: keep]] on: OutOfMemory do: handler. \
             [[true] whileTrue: [n := n + 1. big at: n put: (Array new: 8192)]] \
                 on: OutOfMemory do: handler. \
             1 to: 10 do: [:i | send on: Exception do: handler]. \
             keep := big := nil. failed",
        )
        .expect("runs");
    // One MessageNotUnderstood, two OutOfMemory while filling, ten from the sends.
    assert_eq!(out, "13");
    assert!(vm.residue().is_clean(), "{:?}", vm.residue());
}

#[test]
fn an_out_of_memory_while_one_is_reported_ends_the_run() {
    // The heap stays full (the program keeps its data): the handler's `println` cannot
    // get memory, its OutOfMemory is unhandled, and reporting that needs memory too.
    // Each report signalled another OutOfMemory (a full collection each) down to
    // StackOverflow: minutes under 32M. The second OutOfMemory while the first is still
    // being signalled or reported now ends the run.
    let mut vm = Vm::with_max_heap(Vec::new(), 8 << 20).expect("boots");
    let result = vm.eval(
        "| keep holder n | holder := Array new: 50000. n := 0. \
         [[true] whileTrue: [keep := Array with: keep]] on: OutOfMemory do: [:e | e return: nil]. \
         [[true] whileTrue: [n := n + 1. holder at: n put: (Array new: 0)]] \
             on: OutOfMemory do: [:e | e return: nil]. \
         [3 foo] on: Exception do: [:e | e class println. e return: nil]. \
         keep := holder := nil. n",
    );
    assert!(matches!(result, Err(VmError::OutOfMemory)), "{result:?}");
    vm.abandon_run();
    assert!(vm.residue().is_clean(), "{:?}", vm.residue());
    assert_eq!(vm.eval("3 + 4").expect("runs after"), "7");
}

#[test]
fn only_identifiers_are_looked_up_as_class_files() {
    // Found by the fuzz target: a 600-digit global name made the class-file lookup fail
    // with "File name too long" (a compile error). A path must not reach a file either.
    let dir = class_path("globalnames", &[("Inner", "Inner = ( )")]);
    std::fs::write(dir.join("Outside.som"), "Outside = ( )").expect("write class");
    let cp = dir.join("cp");
    std::fs::create_dir_all(&cp).expect("class path dir");
    let mut vm = Vm::new(vec![cp]).expect("boots");
    let long = "A".repeat(600);
    assert_eq!(vm.eval(&format!("system global: #{long}")).unwrap(), "nil");
    assert_eq!(
        vm.eval("(system global: ((2 raisedTo: 2000) printString asSymbol)) isNil")
            .unwrap(),
        "true"
    );
    assert_eq!(vm.eval("system global: #'../Outside'").unwrap(), "nil");
    assert_eq!(
        vm.eval("system global: #'Inner/../../Outside'").unwrap(),
        "nil"
    );
}

#[test]
fn a_printstring_that_answers_no_string_is_reported_in_the_printed_text() {
    // Found by the `programs` fuzz target: after a program had rebound a global that
    // printString uses, the next value's printString answered a non-String and the run
    // ended as a VM fault.
    let cp = class_path(
        "printstring",
        &[("OddPrint", "OddPrint = ( printString = ( ^42 ) )")],
    );
    let mut vm = Vm::new(vec![cp]).expect("boots");
    assert_eq!(
        vm.eval("OddPrint new").unwrap(),
        "instance of OddPrint (its printString answered an instance of Integer, not a String)"
    );
    assert_eq!(vm.eval("3 + 4").unwrap(), "7", "the VM keeps working");
}
