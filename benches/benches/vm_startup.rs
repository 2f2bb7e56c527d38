//! Criterion (wall-time) benches of start-up: what a user waits for before a program
//! runs. `startup/process_eval` spawns the release `cairn eval '3 + 4'` end to end (exec,
//! heap reservation, kernel bootstrap, parse, compile, run, print, exit);
//! `startup/vm_new` boots a VM in process (heap and core kernel classes) and
//! `startup/vm_new_eval` boots one and evaluates `3 + 4` through [`Vm::eval`].
//!
//! The process bench needs the release binary: `cargo build --release -p cairn` first
//! (it is not a dependency of this crate). It is looked up as `$CAIRN_BIN`, else
//! `$CARGO_TARGET_DIR/release/cairn` (at run time, then at build time), else
//! `target/release/cairn` in the workspace. Figures: docs/perf/startup.md.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use cairn_vm::Vm;
use criterion::{criterion_group, criterion_main, Criterion};

/// The expression every bench evaluates, and what it prints.
const EXPRESSION: &str = "3 + 4";
const PRINTED: &str = "7";

/// Where the release `cairn` binary should be.
fn cairn_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("CAIRN_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| option_env!("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("release").join("cairn")
}

/// Runs `cairn eval EXPRESSION` once; panics unless it prints [`PRINTED`] and exits 0.
fn spawn_eval(binary: &PathBuf) {
    let out = Command::new(binary)
        .args(["eval", EXPRESSION])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    assert!(
        out.status.success() && out.stdout == format!("{PRINTED}\n").as_bytes(),
        "{} eval '{EXPRESSION}' printed {:?} ({})",
        binary.display(),
        String::from_utf8_lossy(&out.stdout),
        out.status
    );
}

/// Boots a VM with an empty class path; panics when it cannot boot.
fn boot() -> Vm {
    Vm::new(Vec::new()).unwrap_or_else(|e| panic!("the VM does not boot: {e}"))
}

fn startup(c: &mut Criterion) {
    let binary = cairn_binary();
    assert!(
        binary.is_file(),
        "no cairn binary at {}: run `cargo build --release -p cairn` with the same \
         CARGO_TARGET_DIR first, or name the binary in CAIRN_BIN",
        binary.display()
    );
    spawn_eval(&binary);
    assert_eq!(boot().eval(EXPRESSION).ok().as_deref(), Some(PRINTED));

    let mut group = c.benchmark_group("startup");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("process_eval", |b| b.iter(|| spawn_eval(&binary)));
    group.bench_function("vm_new", |b| b.iter(|| black_box(boot())));
    group.bench_function("vm_new_eval", |b| {
        b.iter(|| {
            let mut vm = boot();
            black_box(vm.eval(black_box(EXPRESSION)))
        })
    });
    group.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);
