//! End-to-end tests of the `cairn` command: the real binary runs as a child process and
//! its exit status, stdout and stderr are checked.
//!
//! - every `tests/malformed/` file reports exactly the error its header promises;
//! - usage errors exit 2 with a message, `--help` exits 0;
//! - `cairn eval` prints values, reports parse errors and runtime errors;
//! - class-path classes shadow the kernel's shadowable classes and only those
//!   (docs/design/kernel.md);
//! - garbage class files (binary, empty, a bare header) are refused with exit 2.
//!
//! - `--time-limit` stops a runaway program in either tier, uncatchably, with a stack
//!   trace and exit status 124.
//!
//! - a deadlock exits 3 with the process audit.
//!
//! Exit status contract (README.md): 0 success, 1 unhandled Smalltalk error, 2 compile or
//! usage error, 3 deadlock, 124 stopped by `--time-limit`. No run may panic or hang.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a single run may take before it counts as hung.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What one run of the command did.
#[derive(Debug)]
struct Outcome {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Outcome {
    /// Everything about the run, for failure messages.
    fn describe(&self) -> String {
        format!(
            "exit status {:?}\n--- stdout\n{}--- stderr\n{}---",
            self.status, self.stdout, self.stderr
        )
    }

    /// Text a Rust panic leaves on stderr, if any.
    fn panic_text(&self) -> Option<&'static str> {
        ["panicked", "RUST_BACKTRACE"]
            .into_iter()
            .find(|p| self.stderr.contains(p))
    }

    /// The stderr lines that report an error (`... error: ...`).
    fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.contains("error:"))
            .collect()
    }
}

/// The repository root: every run starts there, as a user's shell would.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Reads a child's pipe to the end on its own thread, so a full pipe cannot block it.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs `cairn args...` from the repository root; a run past [`TIMEOUT`] is killed and
/// fails the test as a hang.
fn cairn(args: &[&str]) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .current_dir(root())
        .env_remove("CAIRN_KERNEL_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cairn binary starts");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for cairn") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cairn {args:?} hung (killed after {TIMEOUT:?})");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Outcome {
        status: status.code(),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// A fresh directory under the test's target tmp dir holding `files` (name, contents).
fn fixture(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a fixture directory");
    for (file, contents) in files {
        std::fs::write(dir.join(file), contents).expect("writing a fixture file");
    }
    dir
}

/// Path text for a command line.
fn text(path: &Path) -> &str {
    path.to_str().expect("fixture paths are UTF-8")
}

/// Checks the common shape of a refused run: exit 2, nothing on stdout, no panic, and
/// exactly one error line, which must contain `expected`. Answers the problems found.
fn refused(outcome: &Outcome, expected: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if outcome.status != Some(2) {
        problems.push(format!("exit status {:?}, expected 2", outcome.status));
    }
    if !outcome.stdout.is_empty() {
        problems.push("stdout is not empty".to_owned());
    }
    if let Some(p) = outcome.panic_text() {
        problems.push(format!("stderr contains panic text {p:?}"));
    }
    let errors = outcome.error_lines();
    if errors.len() != 1 {
        problems.push(format!("{} error lines, expected exactly 1", errors.len()));
    }
    if !errors.iter().any(|l| l.contains(expected)) {
        problems.push(format!("no error line contains {expected:?}"));
    }
    problems
}

/// Fails with every problem of every case at once.
fn assert_no_problems(failures: &[(String, Vec<String>, Outcome)]) {
    let mut report = String::new();
    for (case, problems, outcome) in failures.iter().filter(|(_, p, _)| !p.is_empty()) {
        let _ = writeln!(
            report,
            "{case}: {}\n{}\n",
            problems.join("; "),
            outcome.describe()
        );
    }
    assert!(report.is_empty(), "failing cases:\n\n{report}");
}

/// The error a `tests/malformed` file promises in its first line, without the
/// `expect:`/`expect-at-load:` key.
fn promised_error(source: &str) -> Option<&str> {
    let header = source
        .lines()
        .next()?
        .strip_prefix('"')?
        .strip_suffix('"')?;
    header
        .strip_prefix("expect: ")
        .or_else(|| header.strip_prefix("expect-at-load: "))
}

#[test]
fn every_malformed_file_reports_its_promised_error() {
    let dir = "tests/malformed";
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("tests/malformed exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "som"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .som files in {dir}");
    let mut results = Vec::new();
    for file in &files {
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 name");
        let source = std::fs::read_to_string(file).expect("malformed files are UTF-8");
        let Some(promised) = promised_error(&source) else {
            let nothing_run = Outcome {
                status: None,
                stdout: String::new(),
                stderr: String::new(),
            };
            results.push((
                name.to_owned(),
                vec!["no expect header".into()],
                nothing_run,
            ));
            continue;
        };
        // The class path names the directory, so the error names `dir/File.som`.
        let expected = format!("{dir}/{promised}");
        let outcome = cairn(&["run", "-cp", dir, name]);
        let mut problems = refused(&outcome, &expected);
        if outcome.error_lines().first() != Some(&expected.as_str()) {
            problems.push(format!("the error line is not exactly {expected:?}"));
        }
        results.push((name.to_owned(), problems, outcome));
    }
    assert_no_problems(&results);
}

#[test]
fn global_options_with_separate_values_come_before_run_and_its_som_flags() {
    // `--jit-threshold 2 run -cp DIR` failed: the value 2 hid `run`, so `-cp` reached
    // clap as `-c p` ("class path entry 'p' is not a directory").
    let dir = fixture(
        "global_options",
        &[("Hi.som", b"Hi = ( run = ( 'hi' println ) )")],
    );
    let dir = text(&dir);
    for global in [
        vec!["--jit-threshold", "2"],
        vec!["--jit", "on"],
        vec!["--jit=always", "--jit-threshold", "2", "--jit-stats"],
        vec![],
    ] {
        let mut args = global.clone();
        args.extend(["run", "-cp", dir, "Hi", "-cp"]);
        let outcome = cairn(&args);
        assert_eq!(
            outcome.status,
            Some(0),
            "{global:?}: {}",
            outcome.describe()
        );
        assert_eq!(outcome.stdout, "hi\n", "{global:?}: {}", outcome.describe());
    }
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let empty = fixture("empty_class_path", &[]);
    let missing_dir = empty.join("no-such-dir");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "Usage: cairn"),
        (vec!["frob"], "unrecognized subcommand 'frob'"),
        (vec!["run"], "<CLASS>"),
        (vec!["run", "-cp"], "a value is required for '--cp"),
        (vec!["eval"], "<EXPRESSION>"),
        (
            vec!["run", "tests/malformed/NoSuchFile.som"],
            "no class file 'tests/malformed/NoSuchFile.som'",
        ),
        (vec!["run", "NoSuchClass"], "class 'NoSuchClass' not found"),
        (
            vec!["run", "-cp", text(&empty), "NoSuchClass"],
            "class 'NoSuchClass' not found",
        ),
        (
            vec!["run", "-cp", text(&missing_dir), "Anything"],
            "is not a directory",
        ),
        (vec!["run", "Not-A-Name"], "is not a class name"),
    ];
    let results: Vec<_> = cases
        .into_iter()
        .map(|(args, expected)| {
            let outcome = cairn(&args);
            let mut problems = Vec::new();
            if outcome.status != Some(2) {
                problems.push(format!("exit status {:?}, expected 2", outcome.status));
            }
            if !outcome.stderr.contains(expected) {
                problems.push(format!("stderr lacks {expected:?}"));
            }
            if let Some(p) = outcome.panic_text() {
                problems.push(format!("stderr contains panic text {p:?}"));
            }
            if !outcome.stdout.is_empty() {
                problems.push("stdout is not empty".to_owned());
            }
            (format!("cairn {args:?}"), problems, outcome)
        })
        .collect();
    assert_no_problems(&results);
}

#[test]
fn help_exits_0_and_names_both_commands() {
    let outcome = cairn(&["--help"]);
    assert_eq!(outcome.status, Some(0), "{}", outcome.describe());
    for command in ["run", "eval"] {
        assert!(
            outcome
                .stdout
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "--help does not list `{command}`:\n{}",
            outcome.describe()
        );
    }
}

/// `cairn eval expression` succeeds and prints exactly `printed` and a newline.
fn assert_eval_prints(expression: &str, printed: &str) {
    let outcome = cairn(&["eval", expression]);
    assert_eq!(
        (
            outcome.status,
            outcome.stdout.as_str(),
            outcome.stderr.as_str()
        ),
        (Some(0), format!("{printed}\n").as_str(), ""),
        "cairn eval {expression:?}"
    );
}

#[test]
fn eval_prints_the_value() {
    assert_eval_prints("3 + 4", &(3 + 4).to_string());
    // Beyond SmallInteger and beyond u64: LargeIntegers print all their digits.
    let factorial_30: u128 = (1..=30u128).product();
    assert_eval_prints("30 factorial", &factorial_30.to_string());
    assert_eval_prints("(2 raisedTo: 100) negated", &format!("-{}", 1u128 << 100));
    // printString quotes a String (doubling an embedded quote) and marks a Symbol.
    assert_eval_prints("'it''s'", "'it''s'");
    assert_eval_prints("#at:put:", "#at:put:");
    assert_eval_prints("#'two words'", "#'two words'");
    // Statements: output of earlier ones comes first, then the last value.
    assert_eval_prints("'first' println. 5", "first\n5");
}

#[test]
fn eval_parse_error_names_line_and_column() {
    let outcome = cairn(&["eval", "3 +"]);
    // `3 +` is 3 characters: the missing argument is at column 4 of line 1.
    let problems = refused(&outcome, ":1:4: error:");
    assert!(problems.is_empty(), "{problems:?}\n{}", outcome.describe());
}

#[test]
fn eval_runtime_error_exits_1_with_a_stack_trace() {
    let outcome = cairn(&["eval", "1/0"]);
    assert_eq!(outcome.status, Some(1), "{}", outcome.describe());
    assert_eq!(outcome.stdout, "", "{}", outcome.describe());
    assert_eq!(outcome.panic_text(), None, "{}", outcome.describe());
    let mut lines = outcome.stderr.lines();
    let first = lines.next().unwrap_or_default();
    assert!(
        first.contains("ZeroDivide") && first.contains("division by zero"),
        "the first stderr line does not describe the ZeroDivide:\n{}",
        outcome.describe()
    );
    // The trace is one indented `Class>>selector (file:line)` line per frame, down to
    // the evaluated statement.
    let frames: Vec<&str> = lines.filter(|l| l.starts_with('\t')).collect();
    assert!(
        frames.iter().all(|f| f.contains(">>") && f.ends_with(')')),
        "malformed stack trace lines:\n{}",
        outcome.describe()
    );
    assert!(
        frames.last().is_some_and(|f| f.contains("(<eval>:1)")),
        "the stack trace does not end at the evaluated expression:\n{}",
        outcome.describe()
    );
}

/// A deadlock (every process waits, no deadline can wake one) ends the run with exit
/// status 3 and the process audit on stderr, naming each blocked process and what it
/// waits on; a wait that a deadline ends is not one (docs/design/processes.md).
#[test]
fn a_deadlock_exits_3_with_the_process_audit() {
    let outcome = cairn(&[
        "eval",
        "| s | s := Semaphore new. [ s wait ] forkNamed: 'stuck'. Processor yield. s wait",
    ]);
    assert_eq!(outcome.status, Some(3), "{}", outcome.describe());
    assert_eq!(outcome.panic_text(), None, "{}", outcome.describe());
    for wanted in [
        "deadlock: every process waits and nothing can wake one",
        "process audit: 2 processes",
        "'main' priority 40 waiting on a Semaphore",
        "'stuck' priority 40 waiting on a Semaphore",
        "(<eval>:1)",
    ] {
        assert!(
            outcome.stderr.contains(wanted),
            "stderr lacks {wanted:?}:\n{}",
            outcome.describe()
        );
    }
    let timed = cairn(&["eval", "(Semaphore new waitTimeoutMSecs: 20) printString"]);
    assert_eq!(
        (timed.status, timed.stdout.as_str()),
        (Some(0), "'true'\n"),
        "{}",
        timed.describe()
    );
}

/// A class path directory with `files` and a program `Main.som` whose `run` is `body`.
fn program(name: &str, files: &[(&str, &str)], body: &str) -> Outcome {
    let main = format!("Main = ( run = ( {body} ) )");
    let mut all: Vec<(&str, &[u8])> = files.iter().map(|(n, s)| (*n, s.as_bytes())).collect();
    all.push(("Main.som", main.as_bytes()));
    let dir = fixture(name, &all);
    cairn(&["run", "-cp", text(&dir), "Main"])
}

#[test]
fn a_class_path_class_shadows_a_shadowable_kernel_class() {
    let vector = "Vector = ( size = ( ^ 'the user''s Vector' ) )";
    let outcome = program(
        "shadow_vector",
        &[("Vector.som", vector)],
        "Vector new size println",
    );
    assert_eq!(
        (outcome.status, outcome.stdout.as_str()),
        (Some(0), "the user's Vector\n"),
        "{}",
        outcome.describe()
    );
}

/// Runs a program beside a user class file named `class` that adds `userOnly`, and
/// checks that the kernel's class is the one in use (kernel.md: unshadowable).
fn assert_unshadowable(class: &str, instance: &str) {
    let file = format!("{class} = ( userOnly = ( ^ 'user' ) )");
    let body = format!(
        "({instance} respondsTo: #userOnly) println. \
         (Object new respondsTo: #userOnly) println. (3 + 4) println"
    );
    let outcome = program(
        &format!("shadow_{class}"),
        &[(&format!("{class}.som"), &file)],
        &body,
    );
    assert_eq!(
        (outcome.status, outcome.stdout.as_str()),
        (Some(0), "false\nfalse\n7\n"),
        "a user's {class}.som must be ignored:\n{}",
        outcome.describe()
    );
}

#[test]
fn a_class_path_class_does_not_shadow_a_core_class() {
    assert_unshadowable("Integer", "3");
    assert_unshadowable("String", "'abc'");
    assert_unshadowable("ZeroDivide", "ZeroDivide new");
}

#[test]
fn a_class_path_class_does_not_shadow_object_protocol_or_process_classes() {
    assert_unshadowable("ObjectProtocol", "Object new");
    assert_unshadowable("Semaphore", "Semaphore new");
    assert_unshadowable("Process", "Process new");
}

#[test]
fn garbage_class_files_are_refused_with_a_position() {
    let cases: [(&str, &[u8], &str); 4] = [
        ("Empty", b"", "Empty.som:1:1: error:"),
        // The header ends after 15 characters: `(` is missing at column 16.
        ("Header", b"Header = Object", "Header.som:1:16: error:"),
        // 17 characters: the end of the file is at column 18.
        ("Opened", b"Opened = Object (", "Opened.som:1:18: error:"),
        (
            "OnlyComment",
            b"\"a comment\"\n",
            "OnlyComment.som:2:1: error:",
        ),
    ];
    let results: Vec<_> = cases
        .iter()
        .map(|(name, contents, expected)| {
            let dir = fixture(
                &format!("garbage_{name}"),
                &[(&format!("{name}.som"), contents)],
            );
            let outcome = cairn(&["run", "-cp", text(&dir), name]);
            (name.to_string(), refused(&outcome, expected), outcome)
        })
        .collect();
    assert_no_problems(&results);
}

#[test]
fn a_binary_class_file_is_refused_as_such() {
    // Every byte value: not UTF-8, and NUL bytes too.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1024).collect();
    let dir = fixture("garbage_binary", &[("X.som", &bytes)]);
    let outcome = cairn(&["run", "-cp", text(&dir), "X"]);
    // Bytes 0..=127 are ASCII; 0x80 at line 2 (after the 0x0a), column 118, is not UTF-8.
    let problems = refused(&outcome, "X.som:2:118: error:");
    assert!(problems.is_empty(), "{problems:?}\n{}", outcome.describe());
}

#[test]
fn a_class_file_must_define_the_class_it_is_named_for() {
    let dir = fixture(
        "misnamed",
        &[("Named.som", b"Wrong = ( run = ( 'ran' println ) )")],
    );
    let outcome = cairn(&["run", "-cp", text(&dir), "Named"]);
    let mut problems = refused(&outcome, "Named.som:1:1: error:");
    // The line names the class found and the class expected.
    if !outcome
        .error_lines()
        .iter()
        .any(|l| l.contains("'Wrong'") && l.contains("'Named'"))
    {
        problems.push("the error does not name both classes".to_owned());
    }
    assert!(problems.is_empty(), "{problems:?}\n{}", outcome.describe());
}

#[test]
fn program_arguments_reach_the_program_unchanged() {
    // `-cp` after the class name is the program's, not the command's.
    let dir = fixture(
        "arguments",
        &[(
            "Args.som",
            b"Args = ( run: a = ( a do: [ :e | e println ] ) )",
        )],
    );
    let args = ["x", "-cp", "--help", "y z"];
    let mut command = vec!["run", "-cp", text(&dir), "Args"];
    command.extend(args);
    let outcome = cairn(&command);
    let expected: String = std::iter::once("Args")
        .chain(args)
        .map(|a| format!("{a}\n"))
        .collect();
    assert_eq!(
        (outcome.status, outcome.stdout.as_str()),
        (Some(0), expected.as_str()),
        "{}",
        outcome.describe()
    );
}

#[test]
fn a_root_class_with_superclass_nil_has_only_its_own_methods() {
    // SOM: `nil` as superclass makes a root class; its instances understand only what
    // it defines (not even `class`), and `==` is compiled inline.
    let root = "Root = nil ( | a | set = ( a := 41 ) answer = ( ^ a + 1 ) )";
    let outcome = program(
        "root_class",
        &[("Root.som", root)],
        "| r | r := Root new. r set. r answer println. (r == nil) println",
    );
    assert_eq!(
        (outcome.status, outcome.stdout.as_str()),
        (Some(0), "42\nfalse\n"),
        "{}",
        outcome.describe()
    );
}

#[test]
fn a_root_class_runs_as_the_program() {
    // SOM allows `nil` as superclass; the start-up must not send such an instance
    // anything it cannot understand.
    let dir = fixture(
        "root_class_run",
        &[("D.som", b"D = nil ( run = ( 'ran' println ) )")],
    );
    let outcome = cairn(&["run", "-cp", text(&dir), "D"]);
    assert_eq!(
        (outcome.status, outcome.stdout.as_str()),
        (Some(0), "ran\n"),
        "{}",
        outcome.describe()
    );
}

#[test]
fn an_unknown_message_to_a_root_class_is_one_error_with_one_stack_trace() {
    // A root class has no doesNotUnderstand:arguments:, so nothing can handle the
    // error: it is reported once, with one stack trace.
    let dir = fixture(
        "root_class_dnu",
        &[("E.som", b"E = nil ( run = ( self frobnicate ) )")],
    );
    let outcome = cairn(&["run", "-cp", text(&dir), "E"]);
    let count = |needle: &str| outcome.stderr.matches(needle).count();
    assert_eq!(
        (
            outcome.status,
            outcome.stdout.as_str(),
            count("E does not understand #frobnicate"),
            count("\tE>>run "),
            outcome.panic_text().is_some(),
        ),
        (Some(1), "", 1, 1, false),
        "{}",
        outcome.describe()
    );
}

#[test]
fn a_class_with_byte_instances_cannot_declare_fields() {
    // A field of a String subclass would alias the string's bytes (issue 9).
    let my_string = "MyString = String ( | x | set = ( x := 3 ) )";
    let outcome = program(
        "byte_class_fields",
        &[("MyString.som", my_string)],
        "MyString new set. 'unreachable' println",
    );
    let mut problems = refused(&outcome, "MyString.som:1:23: error:");
    if !outcome
        .error_lines()
        .iter()
        .any(|l| l.contains("'MyString'") && l.contains("instance variables"))
    {
        problems.push("the error does not name the class and the rule".to_owned());
    }
    assert!(problems.is_empty(), "{problems:?}\n{}", outcome.describe());
}

/// `name k0: 0 k1: 1 ...` with `n` keywords, and the 1-based column of argument
/// `index` in `prefix` followed by that send.
fn keyword_send(prefix: &str, n: usize, index: usize) -> (String, usize) {
    let mut s = prefix.to_owned();
    let mut column = 0;
    for i in 0..n {
        let _ = write!(s, " k{i}: ");
        if i == index {
            column = s.chars().count() + 1;
        }
        let _ = write!(s, "{i}");
    }
    (s, column)
}

#[test]
fn compiler_limits_are_compile_errors_with_exit_2() {
    // The reproducer: 256 keyword arguments once wrapped the count (a miscompile)
    // or failed the bytecode verifier at load time (exit 1).
    let (send, column) = keyword_send("W = ( run = ( ^self", 256, 255);
    let fields: Vec<String> = (0..257).map(|i| format!("f{i}")).collect();
    let fields = format!("F = ( | {} | run = ( ^1 ) )", fields.join(" "));
    let field_column = fields.find("f256").expect("generated") + 1;
    let dir = fixture(
        "compiler_limits",
        &[
            ("W.som", format!("{send} ) )").as_bytes()),
            ("F.som", fields.as_bytes()),
        ],
    );
    let mut failures = Vec::new();
    for (class, expected) in [
        (
            "W",
            format!("W.som:1:{column}: error: too many arguments in one send (at most 255)"),
        ),
        (
            "F",
            format!("F.som:1:{field_column}: error: too many instance variables: 'f256'"),
        ),
    ] {
        let outcome = cairn(&["run", "-cp", text(&dir), class]);
        let mut problems = refused(&outcome, &expected);
        if outcome.stderr.contains("verification") {
            problems.push("reported by the verifier, not the compiler".to_owned());
        }
        failures.push((class.to_owned(), problems, outcome));
    }
    let (expr, column) = keyword_send("3", 300, 255);
    let outcome = cairn(&["eval", &expr]);
    let expected = format!("<eval>:1:{column}: error: too many arguments in one send");
    failures.push(("eval".to_owned(), refused(&outcome, &expected), outcome));
    assert_no_problems(&failures);
}

#[test]
fn a_send_with_255_arguments_runs() {
    let (send, _) = keyword_send("self", 255, 0);
    let (pattern, _) = keyword_send("", 255, 0);
    // The method pattern: `k0: a0 k1: a1 ...` answering its last argument.
    let pattern: String = pattern.replace(": ", ": a");
    let class = format!("Main = ( {pattern} = ( ^a254 ) run = ( ({send}) println ) )");
    let dir = fixture("send_255", &[("Main.som", class.as_bytes())]);
    let outcome = cairn(&["run", "-cp", text(&dir), "Main"]);
    assert_eq!(
        (outcome.status, outcome.stdout.as_str()),
        (Some(0), "254\n"),
        "{}",
        outcome.describe()
    );
}

#[test]
fn a_time_limit_stops_a_runaway_program_in_either_tier() {
    let loops = [
        "[true] whileTrue: []",
        // A handler cannot catch the stop and carry on.
        "[[true] whileTrue: []] on: Exception do: [:e | [true] whileTrue: []]",
        "| n | n := 0. [n := n + 1. n < 0] whileFalse: [n := n % 1000]",
    ];
    for jit in ["--jit=off", "--jit=always"] {
        for source in loops {
            let start = Instant::now();
            let outcome = cairn(&[jit, "eval", "--time-limit", "0.3", source]);
            let took = start.elapsed();
            assert_eq!(
                outcome.status,
                Some(124),
                "{jit} {source}: {}",
                outcome.describe()
            );
            assert_eq!(outcome.panic_text(), None, "{}", outcome.describe());
            assert!(
                outcome.stderr.starts_with("interrupted:") && outcome.stderr.contains("(<eval>:1)"),
                "{jit} {source}: no message and stack trace:\n{}",
                outcome.describe()
            );
            assert!(
                took < Duration::from_secs(20),
                "{jit} {source}: took {took:?}"
            );
        }
    }
    // A program that ends in time is not affected; a malformed limit is a usage error.
    let fine = cairn(&["eval", "--time-limit", "30", "3 + 4"]);
    assert_eq!(
        (fine.status, fine.stdout.as_str()),
        (Some(0), "7\n"),
        "{}",
        fine.describe()
    );
    for bad in ["0", "-1", "soon", "inf"] {
        let outcome = cairn(&["eval", "--time-limit", bad, "3 + 4"]);
        assert_eq!(
            outcome.status,
            Some(2),
            "--time-limit {bad}: {}",
            outcome.describe()
        );
    }
}
