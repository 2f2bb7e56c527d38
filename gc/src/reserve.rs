//! The tenure reserve: why a scavenge never runs out of old space.
//!
//! A scavenge cannot stop half way, so before one starts, old space must be able to take
//! every nursery object it may tenure. The heap keeps that promise with mapped segments
//! set aside for scavenges (`OldSpace::reserve`) and with a budget on eden.
//!
//! * `W`, the nursery's occupancy (eden bytes allocated plus survivor bytes), bounds what
//!   a scavenge can tenure.
//! * `u = segment_bytes - max_young_bytes` is what one reserve segment surely holds: a
//!   tenured copy is at most `max_young_bytes`, so a segment used as the bump region
//!   wastes less than that before the next one is taken.
//! * `C = u × (reserve segments)` is the reserve's guaranteed capacity. Tenuring uses
//!   free lists first, so `C` is a lower bound.
//!
//! **Invariant** (between collections, checked by the verifier): `W ≤ C`. Eden's limit is
//! set after every collection so that it holds, and old-space allocation only borrows
//! a reserve segment when it still holds afterwards.
//!
//! * A full collection starts with a scavenge that tenures everything: `W ≤ C` suffices.
//! * An ordinary scavenge also leaves survivors in the nursery, and the last reserve
//!   segment it takes may stay partly unused; it starts only when `W + u ≤ C` (or the
//!   nursery is empty), which leaves `C ≥ survivors` afterwards. Otherwise the heap runs
//!   a full collection instead.
//! * After each collection the reserve is refilled up to its target (enough for a full
//!   eden, a full survivor space and `u`): from segments a sweep emptied, else by mapping
//!   under the maximum heap size. When neither is possible, eden shrinks
//!   (`eden = C - survivors - u`, at least 0). Below its minimum budget (an eighth of
//!   eden, `budget.rs`) eden is not used outside grace: a compacting collection gives
//!   the reserve back or the heap is judged exhausted and the allocation fails with
//!   [`crate::OutOfMemory`]; in grace allocations go to old space directly. The reserve's segments count
//!   towards the maximum heap size, and a scavenge never maps memory: neither the
//!   maximum heap size nor the operating system can stop it half way.

use crate::heap::Heap;
use crate::old_space::Segment;

impl Heap {
    /// What one reserve segment surely holds of tenured copies.
    pub(crate) fn tenure_unit(&self) -> usize {
        self.config.old_segment_bytes - self.max_young_bytes
    }

    /// Reserve segments wanted: room for a full eden, a full survivor space and the
    /// ordinary scavenge's margin.
    pub(crate) fn reserve_target(&self) -> usize {
        let worst = self.nursery.eden_bytes() + self.nursery.survivor_bytes();
        (worst + self.tenure_unit()).div_ceil(self.tenure_unit())
    }

    /// `C`: bytes of tenured copies the reserve surely takes.
    pub(crate) fn reserve_capacity(&self) -> usize {
        self.old.reserve.len() * self.tenure_unit()
    }

    /// `W`: bytes in eden and the active survivor space.
    pub(crate) fn nursery_occupied(&self) -> usize {
        let (s0, top) = self.nursery.active_survivor();
        (self.ptrs.cursor - self.nursery.eden_start) + (top - s0)
    }

    /// Reserve capacity an ordinary scavenge needs to start with `w` nursery bytes.
    fn scavenge_needs(&self, w: usize) -> usize {
        if w == 0 {
            0
        } else {
            w + self.tenure_unit()
        }
    }

    /// True when an ordinary scavenge cannot run out of old space now.
    pub(crate) fn scavenge_is_safe(&self) -> bool {
        self.scavenge_needs(self.nursery_occupied()) <= self.reserve_capacity()
    }

    /// Maps reserve segments up to the target, within the maximum heap size and as far
    /// as the operating system allows, then sets eden's limit.
    pub(crate) fn refill_reserve(&mut self) {
        while self.old.reserve.len() < self.old.reserve_target
            && self.footprint() + self.old.segment_bytes <= self.limit()
        {
            match self.old.map(self.old.segment_bytes) {
                Some(seg) => self.old.reserve.push(seg),
                None => break,
            }
        }
        self.set_eden_limit();
    }

    /// Sets eden's limit so that a full eden keeps the invariant (`W + u ≤ C`), and the
    /// fast path's limit with it (the cursor itself in stress mode).
    pub(crate) fn set_eden_limit(&mut self) {
        let (s0, top) = self.nursery.active_survivor();
        let budget = self
            .reserve_capacity()
            .saturating_sub(top - s0 + self.tenure_unit())
            .min(self.nursery.eden_bytes())
            & !7;
        let limit = self.nursery.eden_start + budget;
        debug_assert!(limit >= self.ptrs.cursor, "eden limit below the cursor");
        self.eden_limit = limit.max(self.ptrs.cursor);
        self.ptrs.limit = if self.config.stress_interval == 0 {
            self.eden_limit
        } else {
            self.ptrs.cursor
        };
    }

    /// A reserve segment that old-space allocation may have (the invariant still holds
    /// without it, with eden's limit lowered), or `None`.
    pub(crate) fn borrow_reserve(&mut self) -> Option<Segment> {
        let left = self.reserve_capacity().checked_sub(self.tenure_unit())?;
        if self.scavenge_needs(self.nursery_occupied()) > left {
            return None;
        }
        let seg = self.old.reserve.pop()?;
        self.set_eden_limit();
        Some(seg)
    }
}
