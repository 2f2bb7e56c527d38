//! Fuzz target `programs`: the fuzzer's bytes choose every decision of the `progen`
//! grammar (`vm/tests/progen`, shared with the generative test), so each input is a
//! well-formed Smalltalk program; it runs in a VM kept across executions (booted again
//! every 2 000 runs; a program that pollutes shared state does not force a boot, see
//! `Runner::keep_polluted`, unless `CAIRN_FUZZ_REBOOT_POLLUTED` is set). A Rust panic, a
//! `VmError::Fatal`, state left after a normal return, a heap verifier violation (every
//! `CAIRN_FUZZ_VERIFY_EVERY` runs, default 64) or a crash is a finding; the program is
//! printed before the panic. `CAIRN_PROGEN_FEATURES` selects the features (default: all
//! but `progen::PENDING_FIXES`). A program still running after
//! `CAIRN_FUZZ_TIME_LIMIT_MS` (default 30) is stopped at its next safepoint: an
//! outcome, not a finding (libFuzzer's own `-timeout` stays as the hang detector).
//! `CAIRN_FUZZ_FRAME_LIMIT` (default 1 000) and `CAIRN_FUZZ_MAX_HEAP_MB` (default 8,
//! the smallest budget) keep inputs that reach the limits cheap.
//! `CAIRN_FUZZ_SHOW` prints every program before it runs (to find the one that hangs),
//! `CAIRN_FUZZ_SLOW_MS=N` every program that took N ms or more, with its outcome.
#![no_main]

#[path = "../../tests/progen/mod.rs"]
mod progen;

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use progen::runner::Runner;
use progen::{generate, ByteChoices, Features};

thread_local! {
    static RUNNER: RefCell<Option<(Runner, Features)>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    RUNNER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let (runner, features) = slot.get_or_insert_with(|| {
            let mut runner = Runner::new(
                std::env::var("CAIRN_GC_STRESS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            );
            runner.max_runs_per_vm = 2000;
            // A boot per polluting program was most of the time per input.
            runner.keep_polluted = std::env::var("CAIRN_FUZZ_REBOOT_POLLUTED").is_err();
            let env = |name: &str, default: u64| {
                std::env::var(name)
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(default)
            };
            // Programs a handler keeps alive by resuming (`e resume: 5` feeding a loop)
            // never end; in a grown corpus they were most of the time at 250 ms.
            runner.time_limit = Some(std::time::Duration::from_millis(env(
                "CAIRN_FUZZ_TIME_LIMIT_MS",
                30,
            )));
            // Smaller limits than the generative test's: a program that recurses to
            // the frame limit signalling at every level is quadratic in it, and one
            // that grows a string until OutOfMemory loops over the whole budget; with
            // these, inputs that reach the limits cost milliseconds, not 100s of them.
            runner.frame_limit = env("CAIRN_FUZZ_FRAME_LIMIT", 1000) as usize;
            runner.max_heap = (env("CAIRN_FUZZ_MAX_HEAP_MB", 8) as usize) << 20;
            runner.verify_every = std::env::var("CAIRN_FUZZ_VERIFY_EVERY")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(64);
            (runner, Features::default_set())
        });
        let program = generate(&mut ByteChoices::new(data), *features, 6);
        if std::env::var_os("CAIRN_FUZZ_SHOW").is_some() {
            eprintln!("--- program ---\n{}", program.text);
        }
        let start = std::time::Instant::now();
        let outcome = runner.run(&program);
        if let Some(slow) = std::env::var("CAIRN_FUZZ_SLOW_MS")
            .ok()
            .and_then(|v| v.parse::<u128>().ok())
        {
            let ms = start.elapsed().as_millis();
            if ms >= slow {
                eprintln!("--- {ms} ms: {outcome:?} ---\n{}", program.text);
            }
        }
        if let Err(bug) = outcome {
            panic!("{bug}");
        }
    });
});
