//! End-to-end tests of the memory budget (docs/design/gc.md, "The memory budget"): the
//! real `cairn` binary runs Smalltalk programs that intern symbols, allocate without
//! bound or recurse without end, and the child's peak resident set size (from `wait4`)
//! must stay under `--max-heap` plus the documented overhead, [`OVERHEAD`].
//!
//! - interning 10⁶ fresh symbols finishes in a small, fixed budget (symbols are
//!   collected), and interning keeps identity;
//! - a linked list, an Array of Strings and a list of symbols growing without bound end
//!   with `OutOfMemory` (exit 1, a stack trace, no Rust abort), the list under `256M`;
//! - deep recursion ends with `StackOverflow` in bounded memory, by frames or by slots;
//! - a program catches `OutOfMemory`, drops its data and goes on, three times, and
//!   huge single allocations fail cleanly;
//! - `--max-heap` and `CAIRN_MAX_HEAP` are read, and bad values are usage errors.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Peak RSS allowed above `--max-heap` (docs/design/gc.md): the binary, the kernel's
/// code and method tables, the malloc arenas, transient copies.
const OVERHEAD: u64 = 16 << 20;

/// Longest a run may take before it counts as hung.
const TIMEOUT: Duration = Duration::from_secs(120);

const MIB: u64 = 1 << 20;

/// What one run did.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    /// Peak resident set size of the child, in bytes.
    peak_rss: u64,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "{}, peak RSS {} MiB\n--- stdout\n{}--- stderr\n{}---",
            self.status,
            self.peak_rss / MIB,
            self.stdout,
            tail(&self.stderr)
        )
    }

    /// Checks exit status, no panic or signal, and peak RSS under `max` + [`OVERHEAD`].
    fn check(&self, exit: i32, max: u64) {
        let d = self.describe();
        assert_eq!(self.status.signal(), None, "killed by a signal: {d}");
        assert_eq!(self.status.code(), Some(exit), "{d}");
        assert!(!self.stderr.contains("panicked"), "a Rust panic: {d}");
        assert!(
            !self.stderr.contains("memory allocation of"),
            "a Rust allocation failure: {d}"
        );
        assert!(
            self.peak_rss <= max + OVERHEAD,
            "peak RSS {} MiB over the budget {} MiB + {} MiB: {d}",
            self.peak_rss / MIB,
            max / MIB,
            OVERHEAD / MIB
        );
    }
}

/// The last lines of a long stderr (stack traces of deep recursion).
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(30);
    lines[from..].join("\n") + "\n"
}

/// A fresh directory holding `Name.som` for each `(name, source)`.
fn fixture(test: &str, classes: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("memory")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a fixture directory");
    for (name, source) in classes {
        std::fs::write(dir.join(format!("{name}.som")), source).expect("writing a class");
    }
    dir
}

/// Runs `cairn args...` with `env` set, waits with `wait4` for its peak RSS, and kills
/// it after [`TIMEOUT`].
// The child is reaped by `wait4`, which clippy does not see.
#[allow(clippy::zombie_processes)]
fn cairn(args: &[&str], env: &[(&str, &str)], dir: &Path) -> Run {
    let out = dir.join("stdout.txt");
    let err = dir.join("stderr.txt");
    let file = |p: &Path| std::fs::File::create(p).expect("creating an output file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_cairn"));
    command
        .args(args)
        .env_remove("CAIRN_MAX_HEAP")
        .env_remove("CAIRN_GC_STRESS")
        .env_remove("CAIRN_KERNEL_DIR")
        .stdin(Stdio::null())
        .stdout(file(&out))
        .stderr(file(&err));
    for (k, v) in env {
        command.env(k, v);
    }
    let child = command.spawn().expect("the cairn binary starts");
    let pid = child.id() as libc::pid_t;
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            let start = Instant::now();
            while !done.load(Ordering::SeqCst) {
                if start.elapsed() > TIMEOUT {
                    // SAFETY: `pid` is our child, not yet reaped (`done` is unset).
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return true;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            false
        })
    };
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child; `status` and `usage` are valid for writes.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    done.store(true, Ordering::SeqCst);
    let hung = watchdog.join().expect("watchdog");
    assert_eq!(reaped, pid, "wait4 failed");
    assert!(!hung, "cairn {args:?} hung (killed after {TIMEOUT:?})");
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Run {
        status: ExitStatus::from_raw(status),
        stdout: read(&out),
        stderr: read(&err),
        peak_rss: usage.ru_maxrss as u64 * 1024,
    }
}

/// Runs class `name` from `dir` under `--max-heap max`.
fn run_class(dir: &Path, name: &str, max: &str) -> Run {
    let cp = dir.to_str().expect("UTF-8 path");
    cairn(&["run", "--max-heap", max, "-cp", cp, name], &[], dir)
}

#[test]
fn interning_a_million_fresh_symbols_stays_under_a_fixed_bound() {
    let dir = fixture(
        "symbols",
        &[(
            "Symbols",
            "Symbols = ( run = (
                | first |
                first := ('fresh', 7 printString) asSymbol.
                (first == #fresh7) println.
                (('fre', 'sh7') asSymbol == first) println.
                1 to: 1000000 do: [:i | ('s', i printString) asSymbol ].
                (('fresh', 7 printString) asSymbol == first) println.
                (('s', 5 printString) asSymbol == #s5) println.
                'done' println ) )",
        )],
    );
    // 10⁶ symbols take about 150 MB while alive; under 32 MiB they must be collected.
    let run = run_class(&dir, "Symbols", "32M");
    run.check(0, 32 * MIB);
    assert_eq!(
        run.stdout,
        "true\ntrue\ntrue\ntrue\ndone\n",
        "{}",
        run.describe()
    );
}

/// Checks that a run ended with an unhandled OutOfMemory and its stack trace.
fn check_out_of_memory(run: &Run, class: &str, max: u64) {
    run.check(1, max);
    let d = run.describe();
    assert!(run.stderr.contains("OutOfMemory: out of memory"), "{d}");
    assert!(
        run.stderr.contains(&format!("{class}>>run")),
        "no stack trace: {d}"
    );
}

#[test]
fn a_growing_linked_list_under_max_heap_256m_ends_with_out_of_memory() {
    let dir = fixture(
        "list",
        &[(
            "List",
            "List = ( run = ( | head |
                [true] whileTrue: [ head := Array with: head with: 1 ] ) )",
        )],
    );
    check_out_of_memory(&run_class(&dir, "List", "256M"), "List", 256 * MIB);
}

#[test]
fn growing_strings_and_symbols_end_with_out_of_memory() {
    let dir = fixture(
        "growth",
        &[
            (
                "Strings",
                "Strings = ( run = ( | head s |
                    s := 'x'. 10 timesRepeat: [ s := s, s ].
                    [true] whileTrue: [ head := Array with: head with: s, '' ] ) )",
            ),
            (
                "KeptSymbols",
                "KeptSymbols = ( run = ( | head i | i := 0.
                    [true] whileTrue: [ i := i + 1.
                        head := Array with: head with: ('k', i printString) asSymbol ] ) )",
            ),
        ],
    );
    for class in ["Strings", "KeptSymbols"] {
        check_out_of_memory(&run_class(&dir, class, "48M"), class, 48 * MIB);
    }
}

#[test]
fn deep_recursion_is_a_stack_overflow_in_bounded_memory() {
    // Frames of a few slots hit the frame limit; frames of a hundred temporaries hit
    // the slot limit, a quarter of the budget.
    let temps: Vec<String> = (0..100).map(|i| format!("t{i}")).collect();
    let wide = format!(
        "Wide = ( run = ( self down: 1 ) down: n = ( | {} | ^(self down: n + 1) + 1 ) )",
        temps.join(" ")
    );
    let dir = fixture(
        "deep",
        &[
            (
                "Deep",
                "Deep = ( run = ( self down: 1 ) down: n = ( | a b c d | ^(self down: n + 1) + 1 ) )",
            ),
            ("Wide", &wide),
        ],
    );
    for class in ["Deep", "Wide"] {
        let run = run_class(&dir, class, "16M");
        run.check(1, 16 * MIB);
        assert!(run.stderr.contains("StackOverflow"), "{}", run.describe());
    }
}

#[test]
fn a_program_catches_out_of_memory_drops_its_data_and_goes_on() {
    let dir = fixture(
        "catch",
        &[(
            "Catch",
            "Catch = (
                grow = ( | head | [true] whileTrue: [ head := Array with: head with: 1 ] )
                run = (
                    1 to: 3 do: [:k |
                        ([ self grow ] on: OutOfMemory do: [:e | e return: 'caught ', k printString ])
                            println ].
                    ([ Array new: 1000000000000 ] on: OutOfMemory do: [:e | e return: 'huge' ])
                        println.
                    ([ Array new: 100000000 ] on: OutOfMemory do: [:e | e return: 'too big' ])
                        println.
                    (Array new: 100000) size println ) )",
        )],
    );
    let run = run_class(&dir, "Catch", "32M");
    run.check(0, 32 * MIB);
    assert_eq!(
        run.stdout,
        "caught 1\ncaught 2\ncaught 3\nhuge\ntoo big\n100000\n",
        "{}",
        run.describe()
    );
}

#[test]
fn max_heap_comes_from_the_flag_or_the_environment() {
    let dir = fixture("cli", &[]);
    let grow = "| h | [true] whileTrue: [ h := Array with: h with: 1 ]";
    // The environment variable bounds eval too.
    let run = cairn(&["eval", grow], &[("CAIRN_MAX_HEAP", "24M")], &dir);
    run.check(1, 24 * MIB);
    assert!(run.stderr.contains("OutOfMemory"), "{}", run.describe());
    // The flag wins over the variable (which is then not even read).
    let run = cairn(
        &["eval", "--max-heap", "16M", "3 + 4"],
        &[("CAIRN_MAX_HEAP", "lots")],
        &dir,
    );
    run.check(0, 16 * MIB);
    assert_eq!(run.stdout, "7\n");
    // Bad sizes are usage errors.
    for (args, env) in [
        (&["eval", "--max-heap", "lots", "3"][..], None),
        (&["eval", "--max-heap", "1M", "3"][..], None),
        (&["eval", "3"][..], Some("12Q")),
    ] {
        let env: Vec<(&str, &str)> = env.map(|v| ("CAIRN_MAX_HEAP", v)).into_iter().collect();
        let run = cairn(args, &env, &dir);
        assert_eq!(
            run.status.code(),
            Some(2),
            "{args:?} {env:?}: {}",
            run.describe()
        );
        assert!(run.stderr.contains("error"), "{}", run.describe());
    }
}
