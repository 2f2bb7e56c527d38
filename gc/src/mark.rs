//! Full collection: empty the nursery (a scavenge that tenures everything), then a
//! precise mark of old and large space with an explicit mark stack, ephemeron and
//! finalization processing, weak-slot clearing, and finally a sweep or a sliding
//! compaction (see [`crate::sweep`] and [`crate::compact`]).
//!
//! The mark stack is reserved once ([`MARK_STACK_ENTRIES`]) and never grows: an object
//! marked while it is full gets the grey flag instead of a stack entry, and once the
//! stack is empty the old and large spaces are walked for grey objects, which are then
//! scanned (Cairn's version of the classic mark-stack overflow rescan). So a wide array
//! or a long list costs time, never memory, to mark.

use std::time::Instant;

use crate::format::Format;
use crate::header::{ClassIndex, GREY_BIT, MARKED_BIT, PINNED_BIT, REMEMBERED_BIT};
use crate::heap::Heap;
use crate::object;
use crate::old_space::OldSpace;
use crate::oop::Oop;
use crate::roots::{HeapRoots, RootSet};
use crate::stats::{CollectionKind, CollectionStats};
use crate::weak;

/// Entries of the mark stack (64 KiB), reserved when the heap is made.
pub(crate) const MARK_STACK_ENTRIES: usize = 8 << 10;

/// Marking state: the explicit stack and the objects whose processing waits for the end.
pub(crate) struct Marker {
    /// Marked objects not scanned yet; never longer than [`MARK_STACK_ENTRIES`].
    stack: Vec<usize>,
    /// Some marked object did not fit on the stack and is grey: a rescan is due.
    overflowed: bool,
    /// Marked weak objects (their weak slots are cleared after marking).
    weak: Vec<usize>,
    /// Marked ephemerons whose key is not marked yet.
    ephemerons: Vec<usize>,
    /// Marked pinned objects (their segments are not compacted).
    pub(crate) pinned: Vec<usize>,
    /// Bytes of marked objects (small segments and large objects).
    pub(crate) live_bytes: usize,
}

#[inline(always)]
fn is_marked(bits: u64) -> bool {
    // SAFETY: callers pass heap pointers to live objects.
    bits & 7 == 0 && unsafe { object::header(bits as usize) }.has(MARKED_BIT)
}

impl Marker {
    /// A marker using `stack` (empty, with room for [`MARK_STACK_ENTRIES`]).
    pub(crate) fn new(stack: Vec<usize>) -> Marker {
        Marker {
            stack,
            overflowed: false,
            weak: Vec::new(),
            ephemerons: Vec::new(),
            pinned: Vec::new(),
            live_bytes: 0,
        }
    }

    /// Gives the (empty) stack back for the next collection.
    pub(crate) fn into_stack(mut self) -> Vec<usize> {
        self.stack.clear();
        self.stack
    }

    /// Marks a heap pointer and queues it for scanning; ignores immediates.
    #[inline(always)]
    pub(crate) fn mark(&mut self, bits: u64) {
        if bits & 7 != 0 {
            return;
        }
        let addr = bits as usize;
        // SAFETY: a pointer reached from a root or a live object names a live object.
        let h = unsafe { object::header(addr) };
        if h.has(MARKED_BIT) {
            return;
        }
        if self.stack.len() < MARK_STACK_ENTRIES {
            // SAFETY: as above.
            unsafe { object::set_header(addr, h.set(MARKED_BIT)) };
            self.stack.push(addr);
        } else {
            // SAFETY: as above.
            unsafe { object::set_header(addr, h.set(MARKED_BIT | GREY_BIT)) };
            self.overflowed = true;
        }
    }

    fn mark_slots(&mut self, addr: usize, from: usize, to: usize) {
        // SAFETY: `from..to` are pointer slots of the live object `addr`; marking only
        // writes headers, never slots.
        for &v in unsafe { object::slots(addr, from..to) } {
            self.mark(v);
        }
    }

    /// Scans marked objects until none is left: the stack, then grey objects found by
    /// walking the spaces, as often as the stack overflowed.
    fn drain(&mut self, old: &OldSpace) {
        loop {
            self.drain_stack();
            if !self.overflowed {
                return;
            }
            self.overflowed = false;
            self.rescan(old);
        }
    }

    /// Walks old and large space and scans every grey object (marked, never scanned).
    #[cold]
    fn rescan(&mut self, old: &OldSpace) {
        let visit = |m: &mut Marker, addr: usize| {
            // SAFETY: the walk yields headers of objects and free chunks of the sealed
            // old space, or of large objects.
            let h = unsafe { object::header(addr) };
            if h.class() != ClassIndex::FREE && h.has(GREY_BIT) {
                // SAFETY: as above.
                unsafe { object::set_header(addr, h.clear(GREY_BIT)) };
                m.stack.push(addr);
                if m.stack.len() == MARK_STACK_ENTRIES {
                    m.drain_stack();
                }
            }
        };
        old.for_each_in_segments(|addr| visit(self, addr));
        for addr in old.large_objects() {
            visit(self, addr);
        }
        self.drain_stack();
    }

    fn drain_stack(&mut self) {
        while let Some(addr) = self.stack.pop() {
            // SAFETY: marked objects are live.
            let h = unsafe { object::header(addr) };
            if h.has(PINNED_BIT) {
                self.pinned.push(addr);
            }
            // SAFETY: as above.
            self.live_bytes += unsafe { object::total_bytes(addr, h) };
            match h.format() {
                Format::Weak => {
                    self.weak.push(addr);
                    // SAFETY: as above.
                    self.mark_slots(addr, 0, unsafe { object::prefix_fixed(addr, h) });
                }
                Format::Ephemeron => {
                    // SAFETY: an ephemeron has its key in slot 0.
                    let key = unsafe { object::read_slot(addr, 0) };
                    if key & 7 == 0 && !is_marked(key) {
                        self.ephemerons.push(addr);
                    } else {
                        // SAFETY: as above.
                        self.mark_slots(addr, 0, unsafe { object::body_words(addr, h) });
                    }
                }
                // SAFETY: as above.
                _ => self.mark_slots(addr, 0, unsafe { object::pointer_slots(addr, h) }),
            }
        }
    }

    /// Drains the stack, retrying held-back ephemerons until no more keys get marked.
    pub(crate) fn settle(&mut self, old: &OldSpace) {
        loop {
            self.drain(old);
            let pending = std::mem::take(&mut self.ephemerons);
            let mut progress = false;
            for e in pending {
                // SAFETY: `e` is a marked ephemeron.
                let key = unsafe { object::read_slot(e, 0) };
                if key & 7 != 0 || is_marked(key) {
                    progress = true;
                    // SAFETY: as above.
                    self.mark_slots(e, 0, unsafe { object::body_words(e, object::header(e)) });
                } else {
                    self.ephemerons.push(e);
                }
            }
            if !progress {
                return;
            }
        }
    }

    /// Sets to nil every slot of ephemerons whose key died, and every weak slot whose
    /// referent is unmarked. Answers how many references died.
    pub(crate) fn clear_dead(&mut self, nil: u64) -> usize {
        let (dead_key, weak) = (
            std::mem::take(&mut self.ephemerons),
            std::mem::take(&mut self.weak),
        );
        // SAFETY: both lists hold marked (live) objects.
        unsafe {
            weak::clear_dead_referents(&dead_key, &weak, nil, |v| {
                if v & 7 == 0 && !is_marked(v) {
                    nil
                } else {
                    v
                }
            })
        }
    }
}

impl Heap {
    /// Collects the whole heap: the nursery is emptied into old space, old and large
    /// space are marked from the roots, dead objects are swept to free lists, and, when
    /// `compact` is set or fragmentation passes the configured threshold, old segments
    /// are compacted by sliding. Images ask for compaction before a snapshot.
    pub fn full_collect(&mut self, roots: &mut dyn RootSet, compact: bool) {
        self.verify_if_configured(roots, "before a full collection");
        let t0 = Instant::now();
        // The tenure reserve takes the whole nursery (its invariant), so this scavenge
        // cannot run out of old space.
        let scavenge = self.scavenge_inner(roots, true);
        self.stats.record(scavenge);
        let before_finalized = self.own.finalized.len();
        self.old.seal();
        for r in self.remembered.drain(..) {
            // SAFETY: remembered objects are live old objects; the nursery is empty now,
            // so none of them holds a young pointer.
            unsafe { object::set_header(r.addr(), object::header(r.addr()).clear(REMEMBERED_BIT)) };
        }
        let mut m = Marker::new(std::mem::take(&mut self.mark_stack));
        let weak_cleared = {
            let (own, old) = (&mut self.own, &self.old);
            own.visit_strong(roots, &mut |slot: &mut Oop| m.mark(slot.bits()));
            m.settle(old);
            let HeapRoots {
                finalizable,
                finalized,
                nil,
                ..
            } = own;
            finalizable.retain(|f| {
                if is_marked(f.bits()) {
                    return true;
                }
                m.mark(f.bits());
                finalized.push(*f);
                false
            });
            m.settle(old);
            m.clear_dead(nil.bits())
        };
        // The VM forgets the weak roots whose objects did not survive (symbols).
        roots.visit_weak_roots(&mut |slot: &mut Oop| !slot.is_ptr() || is_marked(slot.bits()));
        self.external = roots.external_bytes();
        let live = m.live_bytes;
        let live_large: usize = self
            .old
            .large_objects()
            .map(|a| {
                // SAFETY: large segments hold one object each.
                let h = unsafe { object::header(a) };
                // SAFETY: as above.
                if h.has(MARKED_BIT) {
                    unsafe { object::total_bytes(a, h) }
                } else {
                    0
                }
            })
            .sum();
        let live_small = live - live_large;
        let segments = self.old.segments_bytes();
        let fragmented = segments > self.old.segment_bytes
            && (segments - live_small.min(segments)) as f64 / segments as f64
                > self.config.compact_threshold;
        let compacting = compact || fragmented;
        let (freed, moved) = if compacting {
            self.compact(roots, &m.pinned)
        } else {
            (self.sweep_segments(|_| true), 0)
        };
        self.mark_stack = m.into_stack();
        let freed = freed + self.sweep_large();
        self.judge_live(live, compacting);
        self.next_full_at = self.full_gc_threshold(live + self.external);
        self.refill_reserve();
        let stats = CollectionStats {
            kind: if compacting {
                CollectionKind::FullCompact
            } else {
                CollectionKind::Full
            },
            pause: t0.elapsed(),
            bytes_copied: moved,
            bytes_tenured: scavenge.bytes_tenured,
            bytes_freed: freed,
            remembered_set_size: self.remembered.len(),
            live_bytes: live,
            finalized: self.own.finalized.len() - before_finalized + scavenge.finalized,
            weak_cleared,
            occupancy: self.occupancy(),
        };
        self.stats.record(stats);
        self.verify_if_configured(roots, "after a full collection");
    }
}
