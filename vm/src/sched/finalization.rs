//! Finalization: how the VM tells a program that weak references died.
//!
//! The collector counts the references it clears (ephemerons whose key died, weak slots
//! set to nil: `GcStats::weak_cleared`). After every collection the VM runs (the
//! slow path of an allocation, a full collection a primitive asks for) it compares that
//! count with the one it saw last; when it grew and a program registered a Semaphore
//! (`System>>finalizationSemaphore:`, which the kernel's `WeakRegistry` does), the VM
//! sets [`bits::FINALIZE`] in the interrupt word, and the next safepoint signals the
//! Semaphore. The kernel's finalization process waits on it and runs the registries'
//! actions (`WeakRegistry>>finalizeValues`), preempting the running process when its
//! priority is higher. Nothing is signalled inside the collection itself, where the
//! allocating code still holds raw Oops: only the interrupt word is touched there.
//! See docs/design/kernel.md ("Weak collections").

use std::sync::atomic::Ordering;

use cairn_gc::Oop;

use crate::interrupt::bits;
use crate::vm::Vm;

/// The registered Semaphore and the collector's count last seen.
#[derive(Default)]
pub(crate) struct Finalization {
    /// The Semaphore to signal, if one is registered (a root).
    pub(crate) semaphore: Option<Oop>,
    /// `GcStats::weak_cleared` when last compared.
    seen: u64,
}

impl Finalization {
    /// The Semaphore, a root.
    pub(crate) fn visit(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        if let Some(s) = &mut self.semaphore {
            visitor(s);
        }
    }
}

impl Vm {
    /// After a collection may have run: asks for a finalization signal when weak
    /// references died since the last look. A comparison unless they did.
    #[inline]
    pub(crate) fn note_collections(&mut self) {
        if self.heap.stats().weak_cleared != self.s.sched.finalization.seen {
            self.weak_references_died();
        }
    }

    #[cold]
    fn weak_references_died(&mut self) {
        let f = &mut self.s.sched.finalization;
        f.seen = self.heap.stats().weak_cleared;
        if f.semaphore.is_some() {
            self.interrupt.fetch_or(bits::FINALIZE, Ordering::Relaxed);
        }
    }

    /// Signals the registered Semaphore (a safepoint, or the scheduler with nothing
    /// ready, saw [`bits::FINALIZE`]). Its waiter only becomes ready; the caller
    /// switches to it when it outranks the active process. Allocates nothing.
    pub(crate) fn signal_finalization(&mut self) {
        if let Some(sem) = self.s.sched.finalization.semaphore {
            if self.is_kind(sem, crate::prims::Kind::Semaphore) {
                self.semaphore_signal_ready(sem);
            }
        }
    }

    /// Takes a pending [`bits::FINALIZE`] request (the scheduler found nothing ready):
    /// answers true when it was set, after signalling.
    pub(crate) fn take_finalization_request(&mut self) -> bool {
        let was = self.interrupt.fetch_and(!bits::FINALIZE, Ordering::Relaxed);
        if was & bits::FINALIZE != 0 {
            self.signal_finalization();
            return true;
        }
        false
    }
}
