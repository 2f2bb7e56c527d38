//! Running generated programs: one long-lived VM (booted again after a run that may have
//! left state behind), the verdict on each run, and the heap verifier. A [`Bug`] is
//! anything a Smalltalk program must never cause: a Rust panic, `VmError::Fatal`, state
//! left on the stacks after a normal return, a heap verifier violation, or a compile
//! error for a program within the compiler's limits.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Duration;

/// The memory budget of the generated programs' VM (`--max-heap 16M`).
pub const MAX_HEAP: usize = 16 << 20;

/// The frame limit of that VM: deep enough for every construct, shallow enough that a
/// program signalling at every level of a runaway recursion (quadratic in the depth)
/// ends in a fraction of a second.
pub const FRAME_LIMIT: usize = 5_000;

use cairn_vm::{Vm, VmError};

use super::watchdog::Watchdog;
use super::Program;

/// What a run ended with, when the VM behaved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The printString of the program's value.
    Value(String),
    /// An unhandled error (or `system exit:`) stopped the program with this status.
    Exit(i32),
    /// `VmError::OutOfMemory`.
    OutOfMemory,
    /// A compile error (only for programs past the compiler's limits).
    CompileError,
    /// Stopped by the runner's time limit (`Runner::time_limit`).
    Interrupted,
}

/// A VM misbehaviour, with the program that caused it.
#[derive(Clone, Debug)]
pub struct Bug {
    /// The program (empty when found between programs, e.g. by the verifier at boot).
    pub program: String,
    /// What went wrong.
    pub what: String,
}

impl std::fmt::Display for Bug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}\n--- program ---\n{}\n---------------",
            self.what, self.program
        )
    }
}

/// Counts of outcomes, for the summary a test prints.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub values: usize,
    pub exits: usize,
    pub out_of_memory: usize,
    pub compile_errors: usize,
    pub interrupted: usize,
    pub boots: usize,
}

/// The directory of the fixture classes generated programs use (`ProgenShape`, ...).
pub fn classes_dir() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // From the cairn-vm crate (vm/), the fuzz crate (vm/fuzz/) or the root crate.
    [
        here.join("tests/progen/classes"),
        here.join("../tests/progen/classes"),
        here.join("vm/tests/progen/classes"),
    ]
    .into_iter()
    .find(|d| d.join("ProgenShape.som").is_file())
    .expect("vm/tests/progen/classes is missing")
}

/// Runs programs in one VM, booting a fresh one when a run may have left state behind
/// or after `max_runs_per_vm` runs (every `eval` installs methods that are never freed).
pub struct Runner {
    vm: Option<Vm>,
    class_path: Vec<PathBuf>,
    gc_stress: u32,
    runs_since_boot: usize,
    /// Runs before a fresh VM is booted anyway.
    pub max_runs_per_vm: usize,
    /// Verify the heap after every this many runs (and before dropping a VM); 0 = never.
    pub verify_every: usize,
    pub tally: Tally,
    /// Keep the programs run since the last boot in [`Runner::history`] (to replay a bug
    /// that needs earlier programs).
    pub keep_history: bool,
    /// The programs run in the current VM, oldest first, when `keep_history` is set.
    pub history: Vec<Program>,
    /// Stop a program after this much wall-clock time (`Outcome::Interrupted`); None:
    /// no limit (the generative test's programs are bounded by construction; the fuzz
    /// target sets one, as its inputs need not be).
    pub time_limit: Option<Duration>,
    watchdog: Option<Watchdog>,
    /// Keep using a VM after a program polluted it (rebound a kernel global, swapped a
    /// shared object) instead of booting a fresh one. Later programs then run in a
    /// changed world: a stronger test (the VM must still never crash) and no boot per
    /// polluting program, but an outcome may depend on earlier programs, and a compile
    /// (class-loading) error becomes a correct outcome for every later program.
    pub keep_polluted: bool,
    /// The current VM ran a polluting program (with `keep_polluted`).
    polluted: bool,
    /// Run on every VM after it boots (e.g. to install the native tier).
    pub setup: Option<fn(&mut Vm)>,
    /// The VMs' memory budget (default [`MAX_HEAP`]).
    pub max_heap: usize,
    /// The VMs' frame limit (default [`FRAME_LIMIT`]).
    pub frame_limit: usize,
}

impl Runner {
    /// A runner whose VMs collect every `gc_stress` allocations (0: normal collection).
    pub fn new(gc_stress: u32) -> Runner {
        Runner {
            vm: None,
            class_path: vec![classes_dir()],
            gc_stress,
            runs_since_boot: 0,
            max_runs_per_vm: 500,
            verify_every: 1,
            tally: Tally::default(),
            keep_history: false,
            history: Vec::new(),
            time_limit: None,
            watchdog: None,
            keep_polluted: false,
            polluted: false,
            setup: None,
            max_heap: MAX_HEAP,
            frame_limit: FRAME_LIMIT,
        }
    }

    fn vm(&mut self) -> Result<&mut Vm, Bug> {
        if self.vm.is_none() {
            // A small budget: programs that grow data exponentially (a string printed
            // into itself in a loop) end in OutOfMemory at once instead of running for
            // minutes, and the OutOfMemory paths get exercised.
            let mut vm =
                Vm::with_max_heap(self.class_path.clone(), self.max_heap).map_err(|e| Bug {
                    program: String::new(),
                    what: format!("the VM does not boot: {e}"),
                })?;
            vm.set_gc_stress(self.gc_stress);
            vm.set_frame_limit(self.frame_limit);
            if let Some(setup) = self.setup {
                setup(&mut vm);
            }
            self.vm = Some(vm);
            self.runs_since_boot = 0;
            self.polluted = false;
            self.tally.boots += 1;
            self.history.clear();
        }
        Ok(self.vm.as_mut().expect("booted"))
    }

    /// Runs the heap verifier on the current VM (if any).
    pub fn verify(&mut self, program: &str) -> Result<(), Bug> {
        let Some(vm) = self.vm.as_mut() else {
            return Ok(());
        };
        vm.verify_heap().map_err(|v| Bug {
            program: program.to_string(),
            what: format!(
                "heap verifier: {} violation(s):\n  {}",
                v.len(),
                v[..v.len().min(10)].join("\n  ")
            ),
        })
    }

    /// Drops the current VM after verifying its heap.
    pub fn retire(&mut self, program: &str) -> Result<(), Bug> {
        let r = self.verify(program);
        self.vm = None;
        r
    }

    /// Runs `p`; answers how it ended, or the bug it revealed (the VM is then dropped).
    pub fn run(&mut self, p: &Program) -> Result<Outcome, Bug> {
        let r = self.run_inner(p);
        if r.is_err() {
            self.vm = None;
        }
        r
    }

    fn run_inner(&mut self, p: &Program) -> Result<Outcome, Bug> {
        let bug = |what: String| Bug {
            program: p.text.clone(),
            what,
        };
        if self.keep_history {
            self.vm()?;
            self.history.push(p.clone());
        }
        let limit = self.time_limit;
        if limit.is_some() && self.watchdog.is_none() {
            self.watchdog = Some(Watchdog::new());
        }
        let handle = self.vm()?.interrupt_handle();
        if let (Some(limit), Some(w)) = (limit, &self.watchdog) {
            w.arm(handle.clone(), limit);
        }
        let vm = self.vm.as_mut().expect("booted");
        let result = catch_unwind(AssertUnwindSafe(|| vm.eval(&p.text)));
        if let Some(w) = &self.watchdog {
            w.disarm(&handle);
        }
        let result = result.map_err(|_| bug("a Rust panic escaped Vm::eval".into()))?;
        let vm = self.vm.as_mut().expect("booted");
        let residue = vm.residue();
        self.runs_since_boot += 1;
        let outcome = match result {
            Ok(s) => {
                if !residue.is_clean() {
                    return Err(bug(format!(
                        "state left behind by a normal return: {residue:?}"
                    )));
                }
                self.tally.values += 1;
                Outcome::Value(s)
            }
            Err(VmError::Exit(n)) => {
                self.tally.exits += 1;
                Outcome::Exit(n)
            }
            Err(VmError::OutOfMemory) => {
                self.tally.out_of_memory += 1;
                Outcome::OutOfMemory
            }
            Err(VmError::Compile(m)) if !p.compile_error_ok && !self.polluted => {
                return Err(bug(format!(
                    "a program within the compiler's limits does not compile: {m}"
                )));
            }
            Err(VmError::Compile(_)) => {
                self.tally.compile_errors += 1;
                Outcome::CompileError
            }
            Err(VmError::Interrupted) => {
                self.tally.interrupted += 1;
                Outcome::Interrupted
            }
            Err(VmError::Fatal(m)) => return Err(bug(format!("VmError::Fatal: {m}"))),
            // Generated programs make processes but never wait on anything.
            Err(VmError::Deadlock(audit)) => {
                return Err(bug(format!("VmError::Deadlock:\n{audit}")))
            }
        };
        if self.verify_every != 0 && self.runs_since_boot.is_multiple_of(self.verify_every) {
            self.verify(&p.text)?;
        }
        // An interrupted program leaves its frames: drop them (the VM must then be as
        // clean as after a normal return). A polluting one changes shared state.
        if !residue.is_clean() {
            let vm = self.vm.as_mut().expect("booted");
            vm.abandon_run();
            if !vm.residue().is_clean() {
                self.retire(&p.text)?;
            }
        }
        self.polluted |= p.pollutes;
        if (p.pollutes && !self.keep_polluted) || self.runs_since_boot >= self.max_runs_per_vm {
            self.retire(&p.text)?;
        }
        Ok(outcome)
    }
}
