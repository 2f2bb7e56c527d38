//! The generative differential test of the native tier (issue 10, acceptance 2): programs
//! from the `progen` grammar (`vm/tests/progen`, shared with the generative safety test
//! and the fuzz target) run in an interpreter-only VM and in a VM whose every method is
//! compiled at its first call (`--jit=always`, first half) or at its second (`--jit=on`
//! with threshold 2, second half: the inline caches are warm when the method compiles,
//! so sends become inline guarded cases); the outcome (the printString of the
//! value, the exit status of an unhandled error, `OutOfMemory`, a compile error) must be
//! the same. The grammar covers what the tiers could disagree on: arithmetic at the
//! SmallInteger limits and mixed Integer/Double/LargeInteger, inlined conditionals and
//! loops on nil and non-Boolean receivers, blocks with live and dead-home non-local
//! returns, `ensure:`/`ifCurtailed:`, exceptions resumed and retried, recursion into
//! `StackOverflow`, allocation far past the heap, `become:` and reflection.
//!
//! Environment: `CAIRN_JIT_GEN_CASES` (default 10 000), `CAIRN_JIT_GEN_SEED` (first
//! seed, default 0). A failure prints the seed and the program.

#[path = "../vm/tests/progen/mod.rs"]
mod progen;

use cairn_vm::tier::{TierMode, TierPolicy};
use cairn_vm::Vm;
use progen::runner::Runner;
use progen::{generate, Features, Rng};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Installs the Cranelift tier compiling every method at its first call.
fn compile_everything(vm: &mut Vm) {
    install(vm, TierMode::Always);
}

/// Installs the Cranelift tier compiling every method at its second call.
fn compile_when_warm(vm: &mut Vm) {
    install(vm, TierMode::On);
}

fn install(vm: &mut Vm, mode: TierMode) {
    let tier = cairn_jit::CraneliftTier::new(vm).expect("the host ISA is supported");
    vm.install_tier(Box::new(tier), TierPolicy { mode, threshold: 2 });
}

// Two halves, so the two cores share the work.
#[test]
fn both_tiers_agree_on_generated_programs_first_half() {
    let count = env_u64("CAIRN_JIT_GEN_CASES", 10_000);
    agree(
        env_u64("CAIRN_JIT_GEN_SEED", 0),
        count / 2,
        compile_everything,
    );
}

#[test]
fn both_tiers_agree_on_generated_programs_second_half() {
    let count = env_u64("CAIRN_JIT_GEN_CASES", 10_000);
    agree(
        env_u64("CAIRN_JIT_GEN_SEED", 0) + count / 2,
        count - count / 2,
        compile_when_warm,
    );
}

/// Runs the programs of seeds `first..first + count` in both tiers.
fn agree(first: u64, count: u64, setup: fn(&mut Vm)) {
    // One worker thread with a deep native stack: compiled frames recurse on it.
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let mut interpreted = Runner::new(0);
            let mut compiled = Runner::new(0);
            compiled.setup = Some(setup);
            for r in [&mut interpreted, &mut compiled] {
                r.verify_every = 50;
                // Both VMs see the same programs in the same order, so they stay alike
                // after a polluting one; a boot (and, in the compiled VM, compiling the
                // kernel's methods again) per polluting program was most of the time.
                r.keep_polluted = true;
                r.max_runs_per_vm = 2_000;
            }
            let mut disagreements = Vec::new();
            let start = std::time::Instant::now();
            for seed in first..first + count {
                let p = generate(&mut Rng::new(seed), Features::default_set(), 6);
                let a = interpreted.run(&p);
                let b = compiled.run(&p);
                match (a, b) {
                    (Ok(a), Ok(b)) if a == b => {}
                    (a, b) => disagreements.push(format!(
                        "seed {seed}: interpreter {a:?}, compiled {b:?}\n{}",
                        p.text
                    )),
                }
                if disagreements.len() >= 5 {
                    break;
                }
            }
            eprintln!(
                "jit_generated: seeds {first}.. ({count} programs) in {:.1?}; interpreter {:?}; compiled {:?}",
                start.elapsed(),
                interpreted.tally,
                compiled.tally
            );
            (disagreements, compiled.tally.values)
        })
        .expect("spawn");
    let (disagreements, values) = worker.join().expect("worker");
    assert!(
        disagreements.is_empty(),
        "the tiers disagree on {} program(s):\n\n{}",
        disagreements.len(),
        disagreements.join("\n\n")
    );
    assert!(
        values as u64 * 2 > count,
        "too few programs answered a value"
    );
}
