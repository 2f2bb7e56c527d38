//! End-to-end tests: every `tests/smalltalk/<Name>.som` program is run with
//! `cairn run -cp tests/smalltalk <Name>` and its exit status, stdout and stderr are
//! compared with the expectations in the program's header comment (format in
//! `tests/README.md`). All programs run; every mismatch is reported with a diff before
//! the test fails.
//!
//! The GC-stress test runs the same programs with `CAIRN_GC_STRESS=N` (a collection
//! every N-th allocation); N is `CAIRN_TEST_GC_STRESS` (default 1; 0 skips the run). `CAIRN_TEST_SOM_VM` names another
//! SOM VM to cross-check the portable programs on.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a single program may run before it counts as hung.
const TIMEOUT: Duration = Duration::from_secs(120);
/// Longest a single program may run under GC stress.
const STRESS_TIMEOUT: Duration = Duration::from_secs(600);

/// What a program's header comment promises.
#[derive(Debug, Default, PartialEq)]
struct Expectation {
    exit: i32,
    stderr: Vec<String>,
    stdout: String,
    /// `needs: cairn`: the program uses Cairn-only primitives (exceptions, ...).
    needs_cairn: bool,
    /// `classpath: dir`: directories (relative to the repository root) searched before
    /// the usual class path, e.g. to shadow a kernel class.
    classpath: Vec<String>,
    /// `options: --flag ...`: `cairn run` options (e.g. `--virtual-time`); other VMs
    /// skip a program that has some.
    options: Vec<String>,
}

/// Parses the header comment: `key: value` lines, then `stdout:` and the exact
/// expected output up to the line that closes the comment.
fn parse_header(source: &str) -> Result<Expectation, String> {
    let body = source
        .trim_start()
        .strip_prefix('"')
        .ok_or("the file does not start with a header comment")?;
    let end = body.find('"').ok_or("the header comment is not closed")?;
    let mut expectation = Expectation::default();
    let mut lines = body[..end].lines();
    let mut saw_stdout = false;
    for line in lines.by_ref() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| format!("header line without a key: {line:?}"))?;
        let value = value.trim();
        match key.trim() {
            "exit" => {
                expectation.exit = value
                    .parse()
                    .map_err(|_| format!("exit status is not a number: {value:?}"))?;
            }
            "stderr" => expectation.stderr.push(value.to_owned()),
            "classpath" => expectation.classpath.push(value.to_owned()),
            "options" => expectation
                .options
                .extend(value.split_whitespace().map(str::to_owned)),
            "needs" if value == "cairn" => expectation.needs_cairn = true,
            "stdout" => {
                saw_stdout = true;
                break;
            }
            other => return Err(format!("unknown header key {other:?}")),
        }
    }
    if !saw_stdout {
        return Err("the header has no `stdout:` line".to_owned());
    }
    for line in lines {
        expectation.stdout.push_str(line);
        expectation.stdout.push('\n');
    }
    Ok(expectation)
}

/// What a run produced.
struct Outcome {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

/// Reads a child's pipe to the end on a thread.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error leaves what was read so far; the comparison reports it.
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// How to start a VM on a program.
struct Vm {
    program: PathBuf,
    /// Arguments before `-cp`.
    command: Vec<String>,
    /// Class path entries after a program's own `classpath:` entries.
    classpath: Vec<String>,
    env: Vec<(&'static str, String)>,
    timeout: Duration,
    /// Skip `needs: cairn` programs and stderr checks (for other SOM VMs).
    portable_only: bool,
}

impl Vm {
    fn cairn(env: Vec<(&'static str, String)>, timeout: Duration) -> Vm {
        Vm {
            program: PathBuf::from(env!("CARGO_BIN_EXE_cairn")),
            command: vec!["run".to_owned()],
            classpath: vec!["tests/smalltalk".to_owned()],
            env,
            timeout,
            portable_only: false,
        }
    }
}

fn run_program(root: &Path, name: &str, expectation: &Expectation, vm: &Vm) -> Outcome {
    let extra_classpath = &expectation.classpath;
    let classpath: Vec<&str> = extra_classpath
        .iter()
        .chain(&vm.classpath)
        .map(String::as_str)
        .collect();
    let mut command = Command::new(&vm.program);
    command
        .current_dir(root)
        .args(&vm.command)
        .args(&expectation.options)
        .arg("-cp")
        .arg(classpath.join(":"))
        .arg(name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in &vm.env {
        command.env(key, value);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            return Outcome {
                status: None,
                stdout: String::new(),
                stderr: format!("could not start {}: {err}", vm.program.display()),
                timed_out: false,
            }
        }
    };
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if start.elapsed() > vm.timeout => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok().and_then(|s| s.code());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    Outcome {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        timed_out,
    }
}

/// A line diff of expected and actual output (`-` expected, `+` actual).
fn diff(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table, small programs only.
    let (n, m) = (expected.len(), actual.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if expected[i] == actual[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && expected[i] == actual[j] {
            let _ = writeln!(out, "   {}", expected[i]);
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j]) {
            let _ = writeln!(out, "  +{}", actual[j]);
            j += 1;
        } else {
            let _ = writeln!(out, "  -{}", expected[i]);
            i += 1;
        }
    }
    out
}

/// Compares one outcome with its expectation; `None` when it matches.
fn check(expectation: &Expectation, outcome: &Outcome, check_stderr: bool) -> Option<String> {
    let mut problems = String::new();
    if outcome.timed_out {
        let _ = writeln!(problems, "  timed out");
    }
    if outcome.status != Some(expectation.exit) {
        let _ = writeln!(
            problems,
            "  exit status {:?}, expected {}",
            outcome.status, expectation.exit
        );
    }
    if outcome.stdout != expectation.stdout {
        let _ = writeln!(problems, "  stdout differs:");
        problems.push_str(&diff(&expectation.stdout, &outcome.stdout));
        if outcome.stdout.lines().eq(expectation.stdout.lines()) {
            let _ = writeln!(problems, "  (only the final newline differs)");
        }
    }
    for wanted in expectation.stderr.iter().filter(|_| check_stderr) {
        if !outcome.stderr.contains(wanted.as_str()) {
            let _ = writeln!(problems, "  stderr lacks {wanted:?}");
        }
    }
    if problems.is_empty() {
        return None;
    }
    if !outcome.stderr.is_empty() {
        let _ = writeln!(problems, "  stderr was:");
        for line in outcome.stderr.lines().take(30) {
            let _ = writeln!(problems, "  | {line}");
        }
    }
    Some(problems)
}

/// A program starts with a header comment that has a `stdout:` line; other class
/// files in the directory are helpers that programs use.
fn is_program(source: &str) -> bool {
    source
        .trim_start()
        .strip_prefix('"')
        .and_then(|body| body.split('"').next())
        .is_some_and(|header| header.lines().any(|line| line.trim_end() == "stdout:"))
}

fn programs(root: &Path) -> Vec<PathBuf> {
    let dir = root.join("tests/smalltalk");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "som"))
        .filter(|path| std::fs::read_to_string(path).is_ok_and(|s| is_program(&s)))
        .collect();
    found.sort();
    found
}

/// Runs every program and fails with a report of all mismatches.
fn run_all(vm: &Vm) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let programs = programs(root);
    assert!(!programs.is_empty(), "no programs in tests/smalltalk");
    let mut failures = String::new();
    let mut failed = 0;
    let mut ran = 0;
    for path in &programs {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let source = std::fs::read_to_string(path).unwrap_or_default();
        let problems = match parse_header(&source) {
            Err(err) => Some(format!("  bad header: {err}\n")),
            Ok(expectation)
                if vm.portable_only
                    && (expectation.needs_cairn || !expectation.options.is_empty()) =>
            {
                None
            }
            Ok(expectation) => {
                ran += 1;
                check(
                    &expectation,
                    &run_program(root, name, &expectation, vm),
                    !vm.portable_only,
                )
            }
        };
        if let Some(problems) = problems {
            failed += 1;
            let _ = write!(failures, "\n{name}:\n{problems}");
        }
    }
    assert!(
        failed == 0,
        "{failed} of {ran} Smalltalk programs failed:{failures}"
    );
}

#[test]
fn smalltalk_programs() {
    run_all(&Vm::cairn(Vec::new(), TIMEOUT));
}

#[test]
fn smalltalk_programs_under_gc_stress() {
    let interval = std::env::var("CAIRN_TEST_GC_STRESS").unwrap_or_else(|_| "1".to_owned());
    if interval == "0" {
        eprintln!("CAIRN_TEST_GC_STRESS=0: GC-stress run skipped on request");
        return;
    }
    run_all(&Vm::cairn(
        vec![("CAIRN_GC_STRESS", interval)],
        STRESS_TIMEOUT,
    ));
}

/// Cross-check: the programs that do not need Cairn-only primitives, run by another
/// SOM VM (som-rs's `som-interpreter-bc`, named by `CAIRN_TEST_SOM_VM`) with Cairn's
/// kernel as its core library. Only stdout and the exit status are compared.
#[test]
fn portable_programs_on_another_som_vm() {
    let Ok(program) = std::env::var("CAIRN_TEST_SOM_VM") else {
        eprintln!("CAIRN_TEST_SOM_VM not set: cross-check not requested");
        return;
    };
    run_all(&Vm {
        program: PathBuf::from(program),
        command: Vec::new(),
        classpath: vec!["vm/kernel".to_owned(), "tests/smalltalk".to_owned()],
        env: Vec::new(),
        timeout: TIMEOUT,
        portable_only: true,
    });
}

#[test]
fn header_parser_reads_every_key() {
    let source =
        "\"\nexit: 1\nstderr: boom\nstderr: Error\nneeds: cairn\nclasspath: x/y\noptions: --virtual-time --time-slice 1\nstdout:\na\n\nb\n\"\nT = ()";
    let expectation = parse_header(source).expect("valid header");
    assert_eq!(
        expectation,
        Expectation {
            exit: 1,
            stderr: vec!["boom".to_owned(), "Error".to_owned()],
            stdout: "a\n\nb\n".to_owned(),
            needs_cairn: true,
            classpath: vec!["x/y".to_owned()],
            options: vec![
                "--virtual-time".to_owned(),
                "--time-slice".to_owned(),
                "1".to_owned()
            ],
        }
    );
}

#[test]
fn header_parser_rejects_bad_headers() {
    assert!(parse_header("T = ()").is_err());
    assert!(parse_header("\"\nexit: x\nstdout:\n\"").is_err());
    assert!(parse_header("\"\nexit: 0\n\"").is_err());
    assert!(parse_header("\"\ncolour: blue\nstdout:\n\"").is_err());
    assert!(parse_header("\"\nneeds: magic\nstdout:\n\"").is_err());
}

#[test]
fn helpers_are_not_programs() {
    assert!(is_program("\"\nstdout:\nx\n\"\nT = ()"));
    assert!(!is_program("\"A helper class.\"\nH = ()"));
    assert!(!is_program("H = ()"));
}

#[test]
fn diff_marks_changed_lines() {
    let shown = diff("a\nb\nc\n", "a\nx\nc\n");
    assert_eq!(shown, "   a\n  -b\n  +x\n   c\n");
}

/// Acceptance: SOM's own TestSuite (its directory named by `CAIRN_TEST_SOM_TESTSUITE`,
/// e.g. a checkout's `TestSuite/`) passes on cairn with Cairn's kernel. The harness
/// exits 1 when a test fails.
#[test]
fn som_test_suite() {
    let Ok(dir) = std::env::var("CAIRN_TEST_SOM_TESTSUITE") else {
        eprintln!("CAIRN_TEST_SOM_TESTSUITE not set: SOM TestSuite run not requested");
        return;
    };
    let vm = Vm {
        program: PathBuf::from(env!("CARGO_BIN_EXE_cairn")),
        command: vec!["run".to_owned()],
        classpath: vec![dir],
        env: Vec::new(),
        timeout: STRESS_TIMEOUT,
        portable_only: false,
    };
    let outcome = run_program(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        "TestHarness",
        &Expectation::default(),
        &vm,
    );
    assert!(
        outcome.status == Some(0) && outcome.stdout.contains("Number of successful tests"),
        "SOM TestSuite failed (status {:?}):\n{}\n{}",
        outcome.status,
        outcome.stdout,
        outcome.stderr
    );
}
