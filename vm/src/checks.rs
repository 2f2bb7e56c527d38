//! Self-checks on a live VM for tests and fuzz targets: the heap verifier over the VM's
//! own roots, GC stress switched at run time, and what a finished run left behind on
//! the process stack (so a harness that runs many programs in one VM can tell whether a
//! run leaked state into the next one), and abandoning what an interrupted run left
//! there. Nothing here runs Smalltalk.

use crate::vm::Vm;

/// What is left on the VM's stacks between two runs. After a run that returned normally
/// every count is zero; after an error (`VmError::Exit` from an unhandled exception,
/// `OutOfMemory`) the interrupted frames may remain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Residue {
    /// Activation records still on the frame stack.
    pub frames: usize,
    /// Live process-stack slots (`sp`).
    pub stack_slots: usize,
    /// Pending unwinds (non-local returns, exception actions).
    pub unwinds: usize,
    /// Scratch roots held by Rust code.
    pub scratch: usize,
    /// Handles on the heap's handle stack.
    pub handles: usize,
}

impl Residue {
    /// True when nothing is left.
    pub fn is_clean(&self) -> bool {
        *self == Residue::default()
    }
}

impl Vm {
    /// Runs the heap verifier (`cairn_gc::Heap::verify`) with the VM's roots; answers every
    /// violation found, formatted.
    pub fn verify_heap(&mut self) -> Result<(), Vec<String>> {
        self.heap
            .verify(&mut self.s)
            .map_err(|vs| vs.iter().map(|v| v.to_string()).collect())
    }

    /// What the last run left on the stacks.
    pub fn residue(&self) -> Residue {
        Residue {
            frames: self.s.frames.len(),
            stack_slots: self.s.sp,
            unwinds: self.s.unwinds.len(),
            scratch: self.s.scratch.len(),
            handles: self.heap.handles().len(),
        }
    }

    /// Drops everything an interrupted run (an unhandled error, `system exit:`,
    /// `OutOfMemory`) left on the stacks, as a fresh VM would have it: its frames, pending
    /// unwinds and their values and scratch roots, every process but the main one (the VM holds no heap handles
    /// between runs; a harness that finds some should boot a fresh VM); the stack limit goes back to
    /// the soft one. `ensure:` blocks of the abandoned frames do not run (the run was
    /// stopped, as by `system exit:`). Afterwards [`Vm::residue`] is clean.
    pub fn abandon_run(&mut self) {
        self.s.frames.clear();
        self.s.sp = 0;
        self.s.unwinds.clear();
        self.s.unwind_values.clear();
        self.s.scratch.clear();
        self.limits.reset();
        self.reset_processes();
    }

    /// Signals `StackOverflow` at `frames` frames instead of the default 100 000
    /// (harnesses that run many programs: handler search is linear in the depth, so a
    /// program that signals at every level is quadratic in it).
    pub fn set_frame_limit(&mut self, frames: usize) {
        self.limits = crate::interp::frames::StackLimits::with_frames(
            self.limits.max_slots(),
            frames.clamp(100, crate::state::SOFT_FRAME_LIMIT),
        );
    }

    /// Number of compiled methods and blocks installed (each `eval` adds its own; they
    /// are never freed), so a long-running harness knows when to boot a fresh VM.
    pub fn installed_methods(&self) -> usize {
        self.s.methods.len()
    }

    /// Number of interned symbols.
    pub fn interned_symbols(&self) -> usize {
        self.s.symbols.len()
    }
}
