//! Stopping a running VM from outside its thread: the interrupt word that the
//! interpreter and compiled code poll at every safepoint (method entry, loop back-edge),
//! the [`InterruptHandle`] a watchdog, a signal handler or a test harness uses to set
//! it, and what the safepoint does with a request (stop, or the scheduler's: a deadline
//! passed, a time slice ended, I/O completed).
//!
//! A request to stop the run is not a Smalltalk exception: a program could catch that
//! and loop again. The run ends with [`VmError::Interrupted`] at the next safepoint,
//! leaving its frames for [`Vm::abandon_run`] (as an unhandled error's exit does).
//! Polling costs the interpreter nothing new: the word was already read at each
//! safepoint.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use crate::vm::{Vm, VmError, VmResult};

/// The bits of the interrupt word.
pub(crate) mod bits {
    /// Stop the running program at the next safepoint.
    pub const STOP: u32 = 1;
    /// A deadline passed (the scheduler's timer thread): wake its waiter, which may
    /// preempt the running process.
    pub const TIMERS: u32 = 2;
    /// The time slice is over: yield to a ready process of equal priority.
    pub const SLICE: u32 = 4;
    /// An I/O thread posted completions, readiness events or signals (`vm/src/io/`):
    /// deliver them, signalling the semaphores their processes wait on.
    pub const IO: u32 = 8;
    /// A collection cleared weak references and a finalization Semaphore is registered
    /// (`sched/finalization.rs`): signal it.
    pub const FINALIZE: u32 = 16;
}

/// A handle that stops the VM's running program at its next safepoint, from any thread.
/// Cloned freely; it keeps only the interrupt word alive, not the VM.
#[derive(Clone, Debug)]
pub struct InterruptHandle {
    word: Arc<AtomicU32>,
    /// Wakes the VM thread if it sleeps because every process waits.
    waker: Arc<crate::sched::timer::Waker>,
}

impl InterruptHandle {
    /// Asks the VM to stop the running program: the run (`Vm::eval`, `Vm::run_main`)
    /// answers [`VmError::Interrupted`] within one safepoint interval (one loop
    /// iteration or one method entry). A request made while nothing runs stops the
    /// next run at its first safepoint.
    pub fn stop(&self) {
        self.word.fetch_or(bits::STOP, Ordering::Relaxed);
        self.waker.wake();
    }

    /// Withdraws a request not yet seen by the VM (a watchdog whose run ended in time).
    pub fn cancel(&self) {
        self.word.fetch_and(!bits::STOP, Ordering::Relaxed);
    }
}

impl Vm {
    /// A handle that stops this VM's running program from another thread.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            word: Arc::clone(&self.interrupt),
            waker: Arc::clone(&self.waker),
        }
    }

    /// True when the interrupt word is set.
    #[inline(always)]
    pub(crate) fn interrupt_pending(&self) -> bool {
        self.interrupt.load(Ordering::Relaxed) != 0
    }

    /// The safepoint (the interrupt word was seen set): takes the requests and acts on
    /// them. A stop request ends the run with [`VmError::Interrupted`]; the scheduler's
    /// requests may switch processes (the caller reloads the top frame afterwards).
    #[cold]
    pub(crate) fn safepoint(&mut self) -> VmResult<()> {
        let requests = self.interrupt.swap(0, Ordering::Relaxed);
        if requests & bits::STOP != 0 {
            return Err(VmError::Interrupted);
        }
        if requests & bits::IO != 0 {
            self.deliver_io()?;
        }
        if requests & bits::FINALIZE != 0 {
            self.signal_finalization();
        }
        if requests & (bits::TIMERS | bits::SLICE | bits::IO | bits::FINALIZE) != 0 {
            return self.schedule_at_safepoint(requests);
        }
        Ok(())
    }
}
