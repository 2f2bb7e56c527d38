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

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(vm: &mut Vm, src: &str) -> String {
        vm.eval(src).expect("runs")
    }

    /// An old WeakArray and an old Ephemeron that get young referents (so they are
    /// reached through the remembered set): a scavenge keeps what is referred to from
    /// elsewhere, clears the rest, counts it, and asks for the finalization signal.
    #[test]
    fn a_scavenge_clears_young_referents_of_old_weak_objects() {
        let mut vm = Vm::new(Vec::new()).expect("boots");
        eval(
            &mut vm,
            "system global: #W put: (WeakArray new: 3). \
             system global: #E put: (Ephemeron new). \
             system global: #F put: (Ephemeron new). \
             system global: #S put: Semaphore new. \
             system finalizationSemaphore: (system global: #S). 0",
        );
        vm.heap.full_collect(&mut vm.s, false);
        vm.note_collections();
        vm.interrupt.fetch_and(!bits::FINALIZE, Ordering::Relaxed);
        eval(
            &mut vm,
            "| k |
             k := Object new.
             system global: #K put: k.
             (system global: #W) at: 1 put: k; at: 2 put: Object new; at: 3 put: 7.
             (system global: #E) key: k value: (Array with: k).
             (system global: #F) key: Object new value: 'v'.
             (system global: #F) value: (Array with: (system global: #F) key). 0",
        );
        let stats = vm.heap.stats().clone();
        vm.heap.scavenge(&mut vm.s);
        vm.note_collections();
        let after = vm.heap.stats();
        assert_eq!(after.scavenges, stats.scavenges + 1);
        assert_eq!(after.full_collections, stats.full_collections);
        // One weak slot and one ephemeron died.
        assert_eq!(after.weak_cleared, stats.weak_cleared + 2);
        assert_ne!(vm.interrupt.load(Ordering::Relaxed) & bits::FINALIZE, 0);
        let w = "| w | w := system global: #W. \
                 ((w at: 1) == (system global: #K)) printString, ' ', (w at: 2) printString, ' ', (w at: 3) printString";
        assert_eq!(eval(&mut vm, w), "'true nil 7'");
        let e = "| e f | e := system global: #E. f := system global: #F. \
                 ((e key == (system global: #K)) & (e value first == e key)) printString, ' ', \
                 f key printString, ' ', f value printString";
        assert_eq!(eval(&mut vm, e), "'true nil nil'");
        // The eval's safepoints delivered the request: the Semaphore has a signal.
        assert_eq!(eval(&mut vm, "(system global: #S) excessSignals"), "1");
    }

    /// Without a registered Semaphore nothing is requested, but the count is still
    /// taken, so a Semaphore registered later is not signalled for old deaths.
    #[test]
    fn no_request_without_a_semaphore() {
        let mut vm = Vm::new(Vec::new()).expect("boots");
        eval(
            &mut vm,
            "system global: #W put: (WeakArray with: Object new). 0",
        );
        eval(&mut vm, "Smalltalk garbageCollect. 0");
        assert!(vm.heap.stats().weak_cleared >= 1);
        assert_eq!(vm.interrupt.load(Ordering::Relaxed) & bits::FINALIZE, 0);
        assert_eq!(
            eval(&mut vm, "(system global: #W) first printString"),
            "'nil'"
        );
        eval(
            &mut vm,
            "system global: #S put: Semaphore new. \
             system finalizationSemaphore: (system global: #S). Smalltalk garbageCollect. 0",
        );
        assert_eq!(eval(&mut vm, "(system global: #S) excessSignals"), "0");
    }
}
