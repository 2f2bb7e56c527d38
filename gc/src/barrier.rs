//! The write barrier: the one entry point every pointer store goes through, and the
//! constants the JIT needs to inline its fast path.
//!
//! The rule (DESIGN.md): when a pointer to a young object is stored into an old object
//! that is not yet remembered, set the object's remembered flag and push it on the
//! remembered set. The scavenger then scans remembered objects as roots.
//!
//! Inline fast path, as JIT code should emit it (`info` = [`Heap::barrier_info`]):
//!
//! ```text
//! young(v)  :=  (v & 7) == 0  &&  (v - info.nursery_start) <u info.nursery_size
//! if young(value) && !young(target) && (header(target) & info.remembered_bit) == 0:
//!     call the slow path: Heap::remember(target)
//! ```
//! The three tests are ordered by how often they fail: most stored values are old or
//! immediate.

use crate::header::REMEMBERED_BIT;
use crate::heap::Heap;
use crate::object;
use crate::oop::Oop;

/// What inline barrier and allocation code needs to know about the heap's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierInfo {
    /// First address of the nursery.
    pub nursery_start: usize,
    /// Bytes of the nursery (eden and both survivor spaces).
    pub nursery_size: usize,
    /// The remembered flag in the header word.
    pub remembered_bit: u64,
}

impl Heap {
    /// The write barrier, to call after storing `value` into a slot of `target`.
    /// [`Heap::store`] calls it; so must every other store (image loader, primitives
    /// writing slots directly, JIT slow path).
    #[inline(always)]
    pub fn write_barrier(&mut self, target: Oop, value: Oop) {
        if self.nursery.contains_ptr(value.bits()) && !self.nursery.contains_ptr(target.bits()) {
            // SAFETY: `target` is a live old object (soundness contract of `store`).
            let h = unsafe { object::header(target.addr()) };
            if !h.has(REMEMBERED_BIT) {
                self.remember(target);
            }
        }
    }

    /// The barrier's slow path: adds an old object to the remembered set.
    #[inline(never)]
    pub fn remember(&mut self, target: Oop) {
        debug_assert!(!self.is_young(target) && self.contains(target));
        // SAFETY: `target` is a live old object.
        unsafe {
            let h = object::header(target.addr());
            if h.has(REMEMBERED_BIT) {
                return;
            }
            object::set_header(target.addr(), h.set(REMEMBERED_BIT));
        }
        self.remembered.push(target);
    }

    /// True when `oop` is in the remembered set.
    pub fn is_remembered(&self, oop: Oop) -> bool {
        oop.is_ptr() && self.header_of(oop).has(REMEMBERED_BIT)
    }

    /// Number of objects in the remembered set.
    pub fn remembered_set_len(&self) -> usize {
        self.remembered.len()
    }

    /// Layout facts for inline barrier code.
    pub fn barrier_info(&self) -> BarrierInfo {
        BarrierInfo {
            nursery_start: self.nursery.start,
            nursery_size: self.nursery.size,
            remembered_bit: REMEMBERED_BIT,
        }
    }

    /// The addresses of eden's allocation cursor and limit (see [`Heap::alloc_cursor_ptr`]
    /// and [`Heap::alloc_limit_ptr`]) as integers, for code generators: compiled code
    /// reads both and writes the cursor between calls into the heap.
    pub fn alloc_addresses(&self) -> (usize, usize) {
        (
            &self.ptrs.cursor as *const usize as usize,
            &self.ptrs.limit as *const usize as usize,
        )
    }

    /// Address of eden's allocation cursor (a `usize`), stable for the heap's lifetime.
    /// JIT code may read and write it between calls into the heap.
    pub fn alloc_cursor_ptr(&mut self) -> *mut usize {
        &mut self.ptrs.cursor
    }

    /// Address of eden's allocation limit (a `usize`), stable for the heap's lifetime.
    /// JIT code only reads it.
    pub fn alloc_limit_ptr(&mut self) -> *const usize {
        &self.ptrs.limit
    }

    /// Fault injection: after `maps` more mappings of old-space memory (segments, large
    /// objects, the tenure reserve) the "operating system" refuses every further one;
    /// `None` lifts the limit. Only for tests of memory exhaustion.
    #[doc(hidden)]
    pub fn refuse_mappings_after_for_tests(&mut self, maps: Option<usize>) {
        self.old.maps_left = maps;
    }

    /// Stores without the barrier. Only for tests that must break the remembered-set
    /// invariant on purpose (to show that the verifier catches it).
    #[doc(hidden)]
    pub fn store_without_barrier_for_tests(&mut self, oop: Oop, i: usize, val: Oop) {
        assert!(i < self.slot_count(oop), "slot {i} out of range");
        // SAFETY: index checked.
        unsafe { object::write_slot(oop.addr(), i, val.bits()) };
    }
}
