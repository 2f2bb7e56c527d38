//! The primitive contract under hostile use (issue 9, acceptance 1): every primitive the
//! engine implements (enumerated from its tables, `implemented_primitives()`), through
//! every route that reaches a primitive (`Method/Primitive>>invokeOn:with:`,
//! `perform:withArguments:`, `perform:withArguments:inSuperclass:`, a direct send), on
//! receivers and arguments of every kind (immediates at their limits, nil, true, false,
//! each object format the kernel can make, classes, metaclasses, LargeIntegers, blocks of
//! each arity, methods and primitives, exceptions signalled or not, the system object)
//! and with too many arguments, answers a value or signals a Smalltalk exception that
//! the calling code catches. No crash, no Rust panic, no VM error, no hang.
//!
//! Cases run in-process, in batches: one `Vm::eval` per batch, each case wrapped in
//! `[...] on: Exception do: [...]` and counted as answered or caught. The batch answers
//! both counts, and the test checks that they add up to the cases it generated, so every
//! case really ran. A subset runs again under GC stress. Weak and ephemeron objects are
//! in the pool (a WeakArray holding an object only it refers to, an Ephemeron whose key
//! only it refers to), so every primitive meets both formats.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use cairn_vm::{Vm, VmError};

/// Receivers and arguments of every kind: (name, expression made fresh for each case).
const VALUES: &[(&str, &str)] = &[
    ("zero", "0"),
    ("minusOne", "-1"),
    ("smallMax", "1152921504606846975"),
    ("smallMin", "-1152921504606846976"),
    ("character", "$a"),
    ("immediateDouble", "1.5"),
    ("boxedDouble", "1.0e300"),
    ("nil", "nil"),
    ("true", "true"),
    ("false", "false"),
    ("plainObject", "Object new"),
    ("objectWithFields", "Probe new"),
    ("emptyArray", "Array new"),
    ("array", "Probe with: 1 with: 'two' with: #three"),
    ("arrayWithFields", "ProbeArray new: 2"),
    ("weakArray", "(WeakArray with: 1 with: Object new)"),
    ("ephemeron", "(Ephemeron key: Object new value: 'v')"),
    ("string", "'abc'"),
    ("emptyString", "''"),
    ("symbol", "#zork:"),
    ("byteObject", "ProbeBytes new"),
    ("largeInteger", "(2 raisedTo: 100)"),
    ("negativeLargeInteger", "(0 - (2 raisedTo: 70))"),
    ("class", "Probe"),
    ("kernelClass", "Integer"),
    ("metaclass", "Probe class"),
    ("Metaclass", "Metaclass"),
    ("block0", "[7]"),
    ("block1", "[:a | a]"),
    ("block2", "[:a :b | b]"),
    ("method", "(Probe methods) first"),
    (
        "primitive",
        "((Object methods) detect: [:m | m signature == #class])",
    ),
    ("exception", "Error new"),
    (
        "signalledException",
        "([Error signal: 'x'] on: Error do: [:e | e return: e])",
    ),
    ("system", "system"),
];

/// Helper classes: an object with fields (whose first method reads one), an Array
/// subclass with a field, a String subclass, and Array builders.
const PROBES: &[(&str, &str)] = &[
    (
        "Probe",
        "Probe = ( | a b |
            a = ( ^a )
            b: x = ( b := x )
            ----
            args = ( ^Array new )
            with: x = ( | r | r := Array new: 1. r at: 1 put: x. ^r )
            with: x with: y = ( | r | r := Array new: 2. r at: 1 put: x. r at: 2 put: y. ^r )
            with: x with: y with: z = (
                | r | r := Array new: 3. r at: 1 put: x. r at: 2 put: y. r at: 3 put: z. ^r )
            with: x with: y with: z with: w = (
                | r | r := Array new: 4. r at: 1 put: x. r at: 2 put: y. r at: 3 put: z.
                r at: 4 put: w. ^r ) )",
    ),
    ("ProbeArray", "ProbeArray = Array ( | extra | )"),
    ("ProbeBytes", "ProbeBytes = String ( )"),
];

/// A receiver that the primitive's own class accepts, by the table's class name (the
/// argument sweep uses it so that the arguments, not the receiver, decide the outcome).
fn natural_receiver(class: &str, meta: bool) -> &'static str {
    if meta {
        return match class {
            "Integer" => "Integer",
            "Double" => "Double",
            "String" => "String",
            "Array" => "Array",
            "Character" => "Character",
            "Processor" => "Processor",
            "Io" => "Io",
            other => panic!("no natural receiver for {other} class: add one"),
        };
    }
    match class {
        "Object" | "ObjectProtocol" => "Probe new",
        "Class" => "Probe",
        "Method" => "(Probe methods) first",
        "Primitive" => "((Object methods) detect: [:m | m signature == #class])",
        "Block" | "Block1" => "[7]",
        "Block2" => "[:a | a]",
        "Block3" => "[:a :b | b]",
        "Character" => "$a",
        "Exception" => "Error new",
        "Integer" => "7",
        "Double" => "1.5",
        "String" => "'abc'",
        "Symbol" => "#zork:",
        "Array" => "(Array new: 3)",
        "System" => "system",
        // A process that never runs, and a semaphore with a signal to take, so that no
        // case waits (a wait with no other process would be a deadlock).
        "Process" => "[7] newProcess",
        "Semaphore" => "Semaphore forMutualExclusion",
        other => panic!("no natural receiver for {other}: add one"),
    }
}

/// The ways a primitive is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    InvokeOn,
    Perform,
    PerformInSuperclass,
    Send,
}

const ROUTES: [Route; 4] = [
    Route::InvokeOn,
    Route::Perform,
    Route::PerformInSuperclass,
    Route::Send,
];

/// One primitive as the tables list it.
struct PrimRef {
    class: &'static str,
    meta: bool,
    selector: &'static str,
}

impl PrimRef {
    fn arity(&self) -> usize {
        let s = self.selector;
        if s.chars()
            .next()
            .is_some_and(|c| !c.is_alphanumeric() && c != '_')
        {
            1
        } else {
            s.matches(':').count()
        }
    }

    fn holder(&self) -> String {
        if self.meta {
            format!("{} class", self.class)
        } else {
            self.class.to_string()
        }
    }

    /// The Method/Primitive object, found by reflection the way a user would.
    fn method_expr(&self) -> String {
        format!(
            "(({}) methods detect: [:x | x signature == #{}])",
            self.holder(),
            self.selector
        )
    }
}

/// `Probe with: a with: b` for the argument expressions (any count up to 4).
fn array_of(args: &[String]) -> String {
    if args.is_empty() {
        return "(Probe args)".into();
    }
    let parts: Vec<String> = args.iter().map(|a| format!("with: ({a})")).collect();
    format!("(Probe {})", parts.join(" "))
}

/// The Smalltalk expression for one case.
fn case_expr(p: &PrimRef, route: Route, recv: &str, args: &[String]) -> String {
    match route {
        Route::InvokeOn => format!("m invokeOn: ({recv}) with: {}", array_of(args)),
        Route::Perform => format!(
            "({recv}) perform: #{} withArguments: {}",
            p.selector,
            array_of(args)
        ),
        Route::PerformInSuperclass => format!(
            "({recv}) perform: #{} withArguments: {} inSuperclass: ({})",
            p.selector,
            array_of(args),
            p.holder()
        ),
        Route::Send => {
            if args.is_empty() {
                format!("({recv}) {}", p.selector)
            } else if p.selector.contains(':') {
                let keywords = p.selector.split_terminator(':');
                let parts: Vec<String> = keywords
                    .zip(args)
                    .map(|(k, a)| format!("{k}: ({a})"))
                    .collect();
                format!("({recv}) {}", parts.join(" "))
            } else {
                format!("({recv}) {} ({})", p.selector, args[0])
            }
        }
    }
}

/// Every case of one primitive on one route: each receiver with plain arguments, each
/// argument position with every value on the natural receiver, and (reflective routes)
/// one argument too many.
fn cases(p: &PrimRef, route: Route) -> Vec<String> {
    let k = p.arity();
    let filler = |_: usize| "1".to_string();
    let mut out = Vec::new();
    // Each receiver, with arguments rotating through the values too.
    for (i, (_, recv)) in VALUES.iter().enumerate() {
        let args: Vec<String> = (0..k)
            .map(|j| VALUES[(i + 1 + 7 * j) % VALUES.len()].1.to_string())
            .collect();
        out.push(case_expr(p, route, recv, &args));
    }
    let natural = natural_receiver(p.class, p.meta);
    for j in 0..k {
        for (_, v) in VALUES {
            let args: Vec<String> = (0..k)
                .map(|i| if i == j { v.to_string() } else { filler(i) })
                .collect();
            out.push(case_expr(p, route, natural, &args));
        }
    }
    if route != Route::Send {
        let args: Vec<String> = (0..=k).map(filler).collect();
        out.push(case_expr(p, route, natural, &args));
    }
    out
}

/// Primitives that end the program when they succeed: each case runs alone, and an
/// `Exit` is an answer.
fn terminates(p: &PrimRef) -> bool {
    (p.class == "System" && p.selector == "exit:")
        || (p.class == "Processor" && p.selector == "terminateActiveOrExit:")
}

/// Outcome counts.
#[derive(Default, Debug, Clone, Copy)]
struct Tally {
    answered: usize,
    caught: usize,
    exited: usize,
}

impl Tally {
    fn total(&self) -> usize {
        self.answered + self.caught + self.exited
    }
    fn add(&mut self, o: Tally) {
        self.answered += o.answered;
        self.caught += o.caught;
        self.exited += o.exited;
    }
}

/// The class path holding the probe classes.
fn probe_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cairn-prim-contract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (name, src) in PROBES {
        std::fs::write(dir.join(format!("{name}.som")), src).expect("write probe");
    }
    dir
}

fn new_vm(dir: &PathBuf, stress: u32) -> Vm {
    let mut vm = Vm::new(vec![dir.clone()]).expect("boots");
    vm.set_gc_stress(stress);
    vm
}

/// Runs `cases` in one eval; answers the counts, or a description of what went wrong.
fn run_batch(vm: &mut Vm, p: &PrimRef, cases: &[String]) -> Result<Tally, String> {
    let mut src = format!("| m n f | n := 0. f := 0. m := {}.\n", p.method_expr());
    for c in cases {
        src.push_str(&format!(
            "[ {c}. n := n + 1 ] on: Exception do: [:e | f := f + 1. e return: nil ].\n"
        ));
    }
    src.push_str("(n * 1000000) + f");
    match vm.eval(&src) {
        Ok(out) => {
            let v: usize = out
                .trim()
                .parse()
                .map_err(|_| format!("batch answered {out:?}"))?;
            let t = Tally {
                answered: v / 1_000_000,
                caught: v % 1_000_000,
                exited: 0,
            };
            if t.total() != cases.len() {
                return Err(format!(
                    "{} of {} cases ran (answered {}, caught {})",
                    t.total(),
                    cases.len(),
                    t.answered,
                    t.caught
                ));
            }
            Ok(t)
        }
        Err(VmError::Exit(_)) if terminates(p) && cases.len() == 1 => Ok(Tally {
            exited: 1,
            ..Tally::default()
        }),
        Err(e) => Err(format!("{e}")),
    }
}

/// Runs every case of the given primitives; panics with the failures.
fn run_all(prims: &[PrimRef], stress: u32, batch: usize) -> Vec<(String, Route, Tally)> {
    let dir = probe_dir();
    let mut vm = new_vm(&dir, stress);
    let mut report = Vec::new();
    let mut failures = Vec::new();
    // `become:` rewires whatever it is given (the system object included): it gets VMs
    // of its own so that the other primitives run on an unchanged kernel.
    let (swaps, rest): (Vec<&PrimRef>, Vec<&PrimRef>) =
        prims.iter().partition(|p| p.selector == "become:");
    for p in rest.into_iter().chain(swaps) {
        let isolated = p.selector == "become:";
        for route in ROUTES {
            if isolated {
                vm = new_vm(&dir, stress);
            }
            let all = cases(p, route);
            let size = if terminates(p) { 1 } else { batch };
            let mut tally = Tally::default();
            for chunk in all.chunks(size) {
                match run_batch(&mut vm, p, chunk) {
                    Ok(t) => {
                        tally.add(t);
                        if t.exited > 0 {
                            vm = new_vm(&dir, stress);
                        }
                    }
                    Err(e) => {
                        failures.push(format!(
                            "{}>>{} via {route:?}: {e}\n  first case: {}",
                            p.holder(),
                            p.selector,
                            chunk[0]
                        ));
                        vm = new_vm(&dir, stress);
                    }
                }
            }
            report.push((format!("{}>>{}", p.holder(), p.selector), route, tally));
        }
    }
    assert!(
        failures.is_empty(),
        "{} batches failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    report
}

fn all_primitives() -> Vec<PrimRef> {
    cairn_vm::implemented_primitives()
        .into_iter()
        .map(|(class, meta, selector)| PrimRef {
            class,
            meta,
            selector,
        })
        .collect()
}

/// Runs `f` on a thread of its own and fails the test if it takes longer than `limit`
/// (a hang), naming the test.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
        })
        .expect("thread");
    match rx.recv_timeout(limit) {
        Ok(Ok(v)) => v,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("no answer within {limit:?}: a primitive hangs"),
    }
}

fn summarize(report: &[(String, Route, Tally)]) -> Tally {
    let mut total = Tally::default();
    for route in ROUTES {
        let mut t = Tally::default();
        for (_, _, tally) in report.iter().filter(|(_, r, _)| *r == route) {
            t.add(*tally);
        }
        println!(
            "{route:?}: {} cases ({} answered, {} caught, {} exited)",
            t.total(),
            t.answered,
            t.caught,
            t.exited
        );
        total.add(t);
    }
    total
}

#[test]
fn every_primitive_on_every_receiver_through_every_route() {
    let report = within(Duration::from_secs(900), || {
        run_all(&all_primitives(), 0, 40)
    });
    let prims = all_primitives();
    // Completeness: every primitive × route ran, with the expected number of cases.
    assert_eq!(report.len(), prims.len() * ROUTES.len());
    let expected: usize = prims
        .iter()
        .flat_map(|p| ROUTES.iter().map(move |&r| cases(p, r).len()))
        .sum();
    let total = summarize(&report);
    println!(
        "{} primitives x {} routes x {} receiver/argument kinds: {} cases",
        prims.len(),
        ROUTES.len(),
        VALUES.len(),
        total.total()
    );
    assert_eq!(total.total(), expected, "every generated case ran once");
    assert!(total.caught > 0 && total.answered > 0);
}

#[test]
fn a_sample_of_primitives_under_gc_stress() {
    let sample: Vec<PrimRef> = all_primitives()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 12 == 0)
        .map(|(_, p)| p)
        .collect();
    let n = sample.len();
    let report = within(Duration::from_secs(900), move || run_all(&sample, 1, 40));
    assert_eq!(report.len(), n * ROUTES.len());
    let total = summarize(&report);
    println!("under GC stress: {n} primitives, {} cases", total.total());
}
