//! Allocation: the eden bump fast path ([`Heap::try_alloc`]), the slow path that
//! collects ([`Heap::alloc`]), and allocation straight into old space
//! ([`Heap::alloc_old`]) for bootstrap objects and large objects.

use crate::error::OutOfMemory;
use crate::format::Format;
use crate::header::ClassIndex;
use crate::heap::Heap;
use crate::object::{ObjectLayout, WORD};
use crate::oop::Oop;
use crate::roots::RootSet;

impl Heap {
    /// Allocates in eden without collecting: `None` when eden is full, when the object
    /// is too large for the nursery, or in GC-stress mode. Pointer slots hold nil, other
    /// body bytes are zero. `indexable_len` counts elements of the format's unit.
    #[inline(always)]
    pub fn try_alloc(
        &mut self,
        class: ClassIndex,
        format: Format,
        fixed_slots: usize,
        indexable_len: usize,
    ) -> Option<Oop> {
        let layout = ObjectLayout::new(format, fixed_slots, indexable_len)?;
        if layout.total_bytes > self.max_young_bytes {
            return None;
        }
        let start = self.ptrs.cursor;
        let end = start + layout.total_bytes;
        if end > self.ptrs.limit {
            return None;
        }
        self.ptrs.cursor = end;
        // SAFETY: `start..end` is eden memory just claimed by the bump.
        Some(unsafe { self.init_object(start, class, &layout) })
    }

    /// Allocates, collecting as needed: scavenges when eden is full, runs a full
    /// collection when old space passes its threshold, grows old space up to the maximum
    /// heap size, and only then fails with [`OutOfMemory`].
    #[inline]
    pub fn alloc(
        &mut self,
        roots: &mut dyn RootSet,
        class: ClassIndex,
        format: Format,
        fixed_slots: usize,
        indexable_len: usize,
    ) -> Result<Oop, OutOfMemory> {
        match self.try_alloc(class, format, fixed_slots, indexable_len) {
            Some(oop) => Ok(oop),
            None => self.alloc_slow(roots, class, format, fixed_slots, indexable_len),
        }
    }

    #[inline(never)]
    fn alloc_slow(
        &mut self,
        roots: &mut dyn RootSet,
        class: ClassIndex,
        format: Format,
        fixed_slots: usize,
        indexable_len: usize,
    ) -> Result<Oop, OutOfMemory> {
        let layout = self.layout_or_oom(format, fixed_slots, indexable_len)?;
        if layout.total_bytes > self.max_young_bytes {
            return self.alloc_old_layout(roots, class, &layout);
        }
        self.refresh_external(roots);
        if self.config.stress_interval != 0 {
            self.stress_countdown = self.stress_countdown.saturating_sub(1);
            if self.stress_countdown == 0 {
                self.stress_countdown = self.config.stress_interval;
                self.stress_collect(roots);
            }
        }
        let fulls = self.stats.full_collections;
        let bytes = layout.total_bytes;
        if self.eden_limit - self.ptrs.cursor < bytes {
            if !self.eden_starved() {
                self.scavenge(roots);
                self.collect_if_needed(roots);
                self.check_exhausted(fulls, bytes)?;
            }
            if self.eden_starved() {
                // The tenure reserve is short (the heap is near its maximum size) and a
                // scavenge cannot give eden back: see `budget.rs`. In grace, or without
                // headroom, old space serves; else a compacting collection restores
                // eden's minimum budget or judges the heap exhausted.
                if self.starved_eden_uses_old_space() {
                    if let Some(oop) = self.place_old(class, &layout) {
                        return Ok(oop);
                    }
                }
                self.full_collect(roots, true);
                self.check_exhausted(fulls, bytes)?;
            }
            if self.eden_limit - self.ptrs.cursor < bytes {
                return self
                    .place_old(class, &layout)
                    .ok_or_else(|| self.oom(bytes));
            }
        }
        let start = self.ptrs.cursor;
        self.ptrs.cursor += bytes;
        if self.config.stress_interval != 0 {
            self.ptrs.limit = self.ptrs.cursor;
        }
        // SAFETY: `start..start + bytes` lies below eden's limit (checked above, after the
        // collections that reset the cursor), so it is eden memory owned by no object.
        Ok(unsafe { self.init_object(start, class, &layout) })
    }

    /// Allocates directly in old space (bootstrap objects, objects the VM wants born
    /// old, large objects). May run a full collection; fails with [`OutOfMemory`] when
    /// the object does not fit under the maximum heap size even then.
    pub fn alloc_old(
        &mut self,
        roots: &mut dyn RootSet,
        class: ClassIndex,
        format: Format,
        fixed_slots: usize,
        indexable_len: usize,
    ) -> Result<Oop, OutOfMemory> {
        let layout = self.layout_or_oom(format, fixed_slots, indexable_len)?;
        self.alloc_old_layout(roots, class, &layout)
    }

    fn layout_or_oom(
        &mut self,
        format: Format,
        fixed: usize,
        len: usize,
    ) -> Result<ObjectLayout, OutOfMemory> {
        match ObjectLayout::new(format, fixed, len) {
            Some(l) => Ok(l),
            None => Err(self.oom(usize::MAX)),
        }
    }

    fn alloc_old_layout(
        &mut self,
        roots: &mut dyn RootSet,
        class: ClassIndex,
        layout: &ObjectLayout,
    ) -> Result<Oop, OutOfMemory> {
        self.refresh_external(roots);
        let fulls = self.stats.full_collections;
        self.collect_if_needed(roots);
        self.check_exhausted(fulls, layout.total_bytes)?;
        if let Some(oop) = self.place_old(class, layout) {
            return Ok(oop);
        }
        self.full_collect(roots, true);
        self.check_exhausted(fulls, layout.total_bytes)?;
        self.place_old(class, layout)
            .ok_or_else(|| self.oom(layout.total_bytes))
    }

    /// Allocates and initialises an object of `layout` in old space without collecting.
    fn place_old(&mut self, class: ClassIndex, layout: &ObjectLayout) -> Option<Oop> {
        let start = self.old_alloc_within_limit(layout.total_bytes)?;
        // SAFETY: the chunk was just taken from old space and is `total_bytes` long.
        let oop = unsafe { self.init_object(start, class, layout) };
        if layout.pointer_slots > 0 && self.is_young(self.own.nil) {
            // Its slots hold a young nil: the barrier's rule applies.
            self.remember(oop);
        }
        Some(oop)
    }

    /// Takes `bytes` from old space (a large segment for large objects) without passing
    /// the maximum heap size, borrowing tenure-reserve segments that the nursery does not
    /// need now (eden's limit goes down with them).
    pub(crate) fn old_alloc_within_limit(&mut self, bytes: usize) -> Option<usize> {
        if bytes >= self.config.large_object_bytes {
            let mapped = bytes.div_ceil(4096) * 4096;
            while mapped > self.room() {
                // Unmapping a spare reserve segment makes room under the maximum.
                self.borrow_reserve()?;
            }
            return self.old.alloc_large(bytes);
        }
        let may_grow = self.room() >= self.old.segment_bytes;
        if let Some(start) = self.old.alloc(bytes, may_grow) {
            return Some(start);
        }
        while let Some(seg) = self.borrow_reserve() {
            self.old.adopt(seg);
            if let Some(start) = self.old.alloc(bytes, false) {
                return Some(start);
            }
        }
        None
    }

    /// Runs a full collection when old space (with the VM's external bytes) has grown
    /// past its threshold, compacting when the footprint is over the maximum (the VM's
    /// tables grew into the headroom and past it, or the release-build recovery of a
    /// broken tenure-reserve invariant mapped past the maximum). Between the limit and
    /// the maximum, the threshold decides: compacting at every allocation there would
    /// thrash.
    pub(crate) fn collect_if_needed(&mut self, roots: &mut dyn RootSet) {
        if self.footprint() > self.config.max_heap_bytes {
            self.full_collect(roots, true);
        } else if self.old.used() + self.old.large_bytes() + self.external > self.next_full_at {
            self.full_collect(roots, false);
        }
    }

    fn stress_collect(&mut self, roots: &mut dyn RootSet) {
        self.stress_collections += 1;
        match self.stress_collections % 8 {
            0 => self.full_collect(roots, self.stress_collections.is_multiple_of(16)),
            _ => self.scavenge(roots),
        }
    }

    pub(crate) fn oom(&mut self, requested_bytes: usize) -> OutOfMemory {
        self.stats.out_of_memory += 1;
        if requested_bytes != usize::MAX {
            self.enter_grace();
        }
        OutOfMemory {
            requested_bytes,
            heap_bytes: self.footprint(),
            max_heap_bytes: self.config.max_heap_bytes,
        }
    }

    /// Writes prefix, header and initial body; returns the new object.
    ///
    /// # Safety
    /// `start .. start + layout.total_bytes` must be heap memory owned by no object.
    #[inline(always)]
    pub(crate) unsafe fn init_object(
        &mut self,
        start: usize,
        class: ClassIndex,
        layout: &ObjectLayout,
    ) -> Oop {
        // SAFETY: the caller hands over the range.
        let addr = unsafe { layout.write_head(start, class) };
        let body = (addr + WORD) as *mut u64;
        let nil = self.own.nil.bits();
        for i in 0..layout.pointer_slots {
            // SAFETY: pointer slots are the first body words, inside the range.
            unsafe { body.add(i).write(nil) };
        }
        let rest = layout.body_words.max(1) - layout.pointer_slots;
        // SAFETY: the remaining body words (or the padding word) are inside the range.
        unsafe { body.add(layout.pointer_slots).write_bytes(0, rest) };
        Oop::from_addr(addr)
    }
}
