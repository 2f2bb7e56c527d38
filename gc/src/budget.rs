//! The memory budget: what counts against the maximum heap size (the footprint), the
//! limit allocation works under (the maximum less the headroom kept for handling an
//! `OutOfMemory`), eden's minimum useful budget, and the judgement after each full
//! collection that the heap is exhausted, which turns a collector that would thrash near
//! the maximum into a prompt [`crate::OutOfMemory`].
//!
//! * **Footprint** = [`Heap::heap_bytes`] (nursery, old segments with the tenure
//!   reserve, large objects) + the VM's external bytes ([`RootSet::external_bytes`]:
//!   symbol tables, process stack, read at every slow-path allocation and after every
//!   full collection) + the collector's growing table (the remembered set; the mark
//!   stack is reserved once and never grows).
//! * **Limit** = `max_heap_bytes - headroom_bytes`, or `max_heap_bytes` while an
//!   `OutOfMemory` is being handled (the *grace* state). Mapping segments, refilling the
//!   tenure reserve, the full-collection threshold and the "over the maximum" check all
//!   use the limit.
//! * **Minimum eden budget** = an eighth of eden ([`Heap::min_eden_budget`], never less
//!   than the largest young object). Eden's limit drops when the tenure reserve is short
//!   (`reserve.rs`); below this budget eden is *starved*: every few allocations would
//!   scavenge, and every scavenge rescans the roots and the remembered set (a large old
//!   array: all of it), so the program would run at a few thousand allocations a second
//!   with all its time in the collector. A scavenge cannot help a starved eden (it frees
//!   eden, not the reserve), so the slow path does not run one: it runs a compacting full
//!   collection, which either gives the reserve back (eden is then at least its minimum,
//!   so collections cost at most one per eighth of eden allocated) or judges the heap
//!   exhausted.
//! * **Exhausted**: a full collection found `nursery + tenure reserve + tables + live +
//!   external` over `max - headroom`, or a compacting one left eden starved under
//!   `max - headroom` (the reserve segments that fit beside what old space really maps
//!   give eden less than its minimum). Then the allocation that ran that collection
//!   fails with `OutOfMemory` even if it would fit, and grace begins: the program gets
//!   the headroom to handle the error (print a trace, drop its data). While eden is
//!   starved in grace, young-sized objects go to old space directly (no scavenge, no
//!   collection) until old space is full; then a compacting full collection runs, and
//!   fails the allocation again if the heap is still exhausted. Grace ends at the first
//!   full collection that is not exhausted. With `headroom_bytes = 0` the heap is never
//!   judged exhausted and fails only when an allocation does not fit; a starved eden
//!   then sends young-sized objects to old space as in grace.

use crate::heap::Heap;
use crate::roots::RootSet;

impl Heap {
    /// Bytes counted against the maximum heap size: [`Heap::heap_bytes`], the VM's
    /// external bytes as last read ([`RootSet::external_bytes`]), and the remembered
    /// set.
    pub fn footprint(&self) -> usize {
        self.heap_bytes() + self.external + self.table_bytes()
    }

    /// True while the heap lets the program use its headroom (an `OutOfMemory` was
    /// reported and no full collection has found the live data back under the limit).
    pub fn in_headroom(&self) -> bool {
        self.grace
    }

    /// Bytes of the collector's side tables that grow with the heap: the remembered
    /// set. (The mark stack is reserved once, 64 KiB, and is part of the fixed
    /// overhead.)
    pub(crate) fn table_bytes(&self) -> usize {
        self.remembered.capacity() * 8
    }

    /// What the footprint may reach now: the maximum, less the headroom unless an
    /// `OutOfMemory` is being handled.
    pub(crate) fn limit(&self) -> usize {
        if self.grace {
            self.config.max_heap_bytes
        } else {
            self.config.max_heap_bytes - self.config.headroom_bytes
        }
    }

    /// Bytes the footprint may still grow by.
    pub(crate) fn room(&self) -> usize {
        self.limit().saturating_sub(self.footprint())
    }

    /// Reads the VM's external bytes (slow-path allocation).
    #[inline]
    pub(crate) fn refresh_external(&mut self, roots: &mut dyn RootSet) {
        self.external = roots.external_bytes();
    }

    /// Eden's minimum useful budget: an eighth of eden (which is never less than the
    /// largest young object). Below it eden is starved (see the module doc).
    pub fn min_eden_budget(&self) -> usize {
        (self.nursery.eden_bytes() / 8) & !7
    }

    /// True when eden's budget is below its minimum (the tenure reserve is short).
    pub(crate) fn eden_starved(&self) -> bool {
        self.eden_limit - self.nursery.eden_start < self.min_eden_budget()
    }

    /// True when a starved eden sends young-sized objects to old space instead of
    /// running a compacting collection that may judge the heap exhausted: during grace
    /// (it was judged so already) and without headroom (it never is).
    pub(crate) fn starved_eden_uses_old_space(&self) -> bool {
        self.grace || self.config.headroom_bytes == 0
    }

    /// Eden's budget with an empty nursery (after a full collection) if the footprint
    /// could reach `limit`: the reserve segments that fit beside everything else the
    /// heap maps now (at most the reserve's target), as `set_eden_limit` turns them into
    /// a budget.
    fn eden_budget_within(&self, limit: usize) -> usize {
        let seg = self.old.segment_bytes;
        let others = self.footprint() - self.old.reserve.len() * seg;
        let segments = (limit.saturating_sub(others) / seg).min(self.old.reserve_target);
        let unit = self.tenure_unit();
        (segments * unit)
            .saturating_sub(unit)
            .min(self.nursery.eden_bytes())
            & !7
    }

    /// After a full collection that found `live` bytes (and swept or compacted): is the
    /// heap exhausted? Ends grace when it is not. Only a compacting collection judges
    /// eden starved: a sweep leaves partly used segments that compaction would free.
    pub(crate) fn judge_live(&mut self, live: usize, compacted: bool) {
        self.last_live = live;
        if self.config.headroom_bytes == 0 {
            self.exhausted = false;
            return;
        }
        let limit = self.config.max_heap_bytes - self.config.headroom_bytes;
        let floor = self.nursery.size
            + self.old.reserve_target * self.old.segment_bytes
            + self.table_bytes()
            + live
            + self.external;
        let starved = compacted && self.eden_budget_within(limit) < self.min_eden_budget();
        self.exhausted = floor > limit || starved;
        if !self.exhausted {
            self.grace = false;
        }
    }

    /// Starts grace (the program may use the headroom to handle an `OutOfMemory`): the
    /// full-collection threshold and the tenure reserve follow the higher limit.
    pub(crate) fn enter_grace(&mut self) {
        if !self.grace && self.config.headroom_bytes > 0 {
            self.grace = true;
            self.next_full_at = self.full_gc_threshold(self.last_live + self.external);
            self.refill_reserve();
        }
    }

    /// `Err` when a full collection ran since the collection count was `fulls` and it
    /// found the heap exhausted: the allocation fails instead of thrashing.
    pub(crate) fn check_exhausted(
        &mut self,
        fulls: u64,
        bytes: usize,
    ) -> Result<(), crate::OutOfMemory> {
        if self.exhausted && self.stats.full_collections != fulls {
            return Err(self.oom(bytes));
        }
        Ok(())
    }
}
