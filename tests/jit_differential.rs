//! The native tier against the interpreter (docs/design/jit.md §15): every program in
//! `tests/smalltalk/` runs with `CAIRN_JIT=off` and again with the tier on, and stdout,
//! stderr and the exit status must be identical.
//!
//! Modes: `always` (everything compiled at first call), `on` with threshold 2 (frames of
//! both tiers interleave, on-stack replacement at back-edges), and `always` under
//! `CAIRN_GC_STRESS` (collections while compiled frames are on the stack) compared with
//! the interpreter under the same stress. A last test checks, through `--jit-stats`,
//! that code was compiled and entered, so the comparison cannot pass by compiling
//! nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A program's name, with the `classpath:` entries and `options:` of its header.
type Program = (String, Vec<String>, Vec<String>);

/// The programs, with the `classpath:` entries and `options:` of their header comments.
fn programs() -> Vec<Program> {
    let dir = root().join("tests/smalltalk");
    let mut out: Vec<Program> = std::fs::read_dir(&dir)
        .expect("tests/smalltalk")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "som"))
        .map(|p| {
            let name = p
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let header = text.split('"').nth(1).unwrap_or("");
            let classpath = header
                .lines()
                .filter_map(|l| l.trim().strip_prefix("classpath:"))
                .map(|c| c.trim().to_owned())
                .collect();
            let options = header
                .lines()
                .filter_map(|l| l.trim().strip_prefix("options:"))
                .flat_map(|o| o.split_whitespace().map(str::to_owned))
                .collect();
            (name, classpath, options)
        })
        .collect();
    out.sort();
    out
}

/// `(status, stdout, stderr)` of one run.
type Outcome = (Option<i32>, String, String);

fn run(root: &Path, name: &str, classpath: &[String], env: &[(&str, &str)]) -> Outcome {
    run_with_options(root, name, classpath, &[], env)
}

/// [`run`] with `cairn run` options (a program's `options:` header).
fn run_with_options(
    root: &Path,
    name: &str,
    classpath: &[String],
    options: &[String],
    env: &[(&str, &str)],
) -> Outcome {
    let mut cp = classpath.to_vec();
    cp.push("tests/smalltalk".into());
    let mut command = Command::new(env!("CARGO_BIN_EXE_cairn"));
    command
        .current_dir(root)
        .arg("run")
        .args(options)
        .args(["-cp", &cp.join(":"), name])
        .stdin(Stdio::null())
        .env_remove("CAIRN_JIT_STATS")
        .env_remove("CAIRN_JIT_THRESHOLD");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("cairn starts");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs every program under `base` and `tier`; answers the mismatches.
fn compare(base: &[(&str, &str)], tier: &[(&str, &str)]) -> Vec<String> {
    let root = root();
    let programs = programs();
    let mut problems = Vec::new();
    // Two workers: the programs are independent processes.
    let chunks: Vec<Vec<Program>> = vec![
        programs.iter().step_by(2).cloned().collect(),
        programs.iter().skip(1).step_by(2).cloned().collect(),
    ];
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let root = &root;
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for (name, cp, options) in chunk {
                        let want = run_with_options(root, name, cp, options, base);
                        let got = run_with_options(root, name, cp, options, tier);
                        if want != got {
                            bad.push(format!(
                                "{name}: {tier:?}\n  interpreter: {want:?}\n  native:      {got:?}"
                            ));
                        }
                    }
                    bad
                })
            })
            .collect();
        for h in handles {
            problems.extend(h.join().expect("a worker"));
        }
    });
    problems
}

fn assert_none(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} programs differ between the tiers:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_program_runs_the_same_compiled_at_first_call() {
    assert_none(compare(&[("CAIRN_JIT", "off")], &[("CAIRN_JIT", "always")]));
}

#[test]
fn every_program_runs_the_same_with_tiers_interleaved() {
    assert_none(compare(
        &[("CAIRN_JIT", "off")],
        &[("CAIRN_JIT", "on"), ("CAIRN_JIT_THRESHOLD", "2")],
    ));
}

#[test]
fn every_program_runs_the_same_under_gc_stress() {
    let n = std::env::var("CAIRN_TEST_GC_STRESS").unwrap_or_else(|_| "3".into());
    if n == "0" {
        return;
    }
    assert_none(compare(
        &[("CAIRN_JIT", "off"), ("CAIRN_GC_STRESS", &n)],
        &[("CAIRN_JIT", "always"), ("CAIRN_GC_STRESS", &n)],
    ));
}

/// The value of `key=` in a `cairn-jit-stats:` line.
fn stat(line: &str, key: &str) -> u64 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

/// Runs program `name` compiled at first call with `--jit-stats`; answers the stats line
/// (the run must succeed).
fn stats_line_of(name: &str, classpath: &[String]) -> String {
    let (status, stdout, stderr) = run(
        &root(),
        name,
        classpath,
        &[("CAIRN_JIT", "always"), ("CAIRN_JIT_STATS", "1")],
    );
    assert_eq!(status, Some(0), "{stdout}{stderr}");
    stderr
        .lines()
        .find(|l| l.starts_with("cairn-jit-stats:"))
        .expect("a stats line")
        .to_owned()
}

#[test]
fn always_compiles_and_enters_native_code() {
    let line = &stats_line_of("Closures", &[]);
    assert!(stat(line, "compiled") >= 5, "{line}");
    assert!(stat(line, "blocks") >= 3, "{line}");
    assert!(stat(line, "entries") >= 1, "{line}");
    assert!(stat(line, "direct-calls") >= 10, "{line}");
    assert!(stat(line, "code-bytes") > 0, "{line}");
}

/// Direct block calls (docs/design/jit.md): `JitBlockCalls.som`, compiled at first call,
/// activates closures from compiled code without the `value` primitive.
#[test]
fn compiled_code_calls_blocks_directly() {
    let line = &stats_line_of("JitBlockCalls", &["tests/smalltalk/blockcalls".into()]);
    assert!(stat(line, "block-calls") >= 100, "{line}");
}

/// Process switches inside native code (docs/design/jit.md §10): `Processes.som`,
/// compiled at first call, prints what its header promises, with native code entered.
#[test]
fn processes_switch_with_everything_compiled() {
    let (status, stdout, stderr) = run(
        &root(),
        "Processes",
        &[],
        &[("CAIRN_JIT", "always"), ("CAIRN_JIT_STATS", "1")],
    );
    let source = std::fs::read_to_string(root().join("tests/smalltalk/Processes.som"))
        .expect("Processes.som");
    let expected = source
        .split('"')
        .nth(1)
        .and_then(|h| h.split_once("stdout:\n"))
        .map(|(_, out)| out)
        .expect("a stdout: header");
    assert_eq!((status, stdout.as_str()), (Some(0), expected), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("cairn-jit-stats:"))
        .expect("a stats line");
    assert!(stat(line, "entries") >= 1, "{line}");
}

#[test]
fn warm_sites_are_compiled_as_inline_cases() {
    // Under `on`, a method compiles after its caches saw receivers: InlineSends' trivial
    // targets become inline guarded cases (and the differential runs above compare
    // their answers with the interpreter's).
    let (status, stdout, stderr) = run(
        &root(),
        "InlineSends",
        &["tests/smalltalk/inline".into()],
        &[
            ("CAIRN_JIT", "on"),
            ("CAIRN_JIT_THRESHOLD", "2"),
            ("CAIRN_JIT_STATS", "1"),
        ],
    );
    assert_eq!(status, Some(0), "{stdout}{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("cairn-jit-stats:"))
        .expect("a stats line");
    assert!(stat(line, "inlined-sends") >= 5, "{line}");
    // The cache states cover every site: this program has monomorphic and polymorphic
    // ones (its megamorphic-looking site records only the classes that understand it).
    assert!(stat(line, "ic-mono") > 0, "{line}");
    assert!(stat(line, "ic-poly") > 0, "{line}");
    assert!(stat(line, "ic-mega") == 0, "{line}");
    assert!(stat(line, "slow-sends") > 0, "{line}");
}

#[test]
fn off_compiles_nothing() {
    let (_, _, stderr) = run(
        &root(),
        "Hello",
        &[],
        &[("CAIRN_JIT", "off"), ("CAIRN_JIT_STATS", "1")],
    );
    let line = stderr
        .lines()
        .find(|l| l.starts_with("cairn-jit-stats:"))
        .expect("a stats line");
    assert_eq!(stat(line, "compiled"), 0, "{line}");
    assert_eq!(stat(line, "entries"), 0, "{line}");
}

/// Recompilation (docs/design/jit.md §6.4): `JitRecompile.som` compiles on its first
/// loop's back-edge while its second loop's sites are empty; once they fill, the
/// method compiles again and the running activation continues in the new code, so
/// most of the second loop's sends no longer take the generic path.
#[test]
fn a_method_compiled_before_its_sites_filled_compiles_again() {
    let (status, stdout, stderr) = run(
        &root(),
        "JitRecompile",
        &[],
        &[
            ("CAIRN_JIT", "on"),
            ("CAIRN_JIT_THRESHOLD", "100"),
            ("CAIRN_JIT_STATS", "1"),
        ],
    );
    assert_eq!(status, Some(0), "{stdout}{stderr}");
    assert!(stdout.starts_with("12773998\n"), "{stdout}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("cairn-jit-stats:"))
        .expect("a stats line");
    assert!(stat(line, "recompiled") >= 1, "{line}");
    // 3 000 sends of `bump:` from the second loop; without recompilation every one
    // would be generic.
    assert!(stat(line, "slow-sends") < 1500, "{line}");
}
