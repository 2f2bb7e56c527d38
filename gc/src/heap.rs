//! [`Heap`]: the object memory as one value — spaces, class table, roots it owns, policy
//! state and statistics. Allocation, access, the barrier and the collectors add their
//! methods from their own modules.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::HeapConfig;
use crate::error::{ClassTableFull, HeapError};
use crate::header::{ClassIndex, HASH_MASK};
use crate::nursery::{AllocPointers, Nursery};
use crate::old_space::OldSpace;
use crate::oop::Oop;
use crate::roots::{HandleMark, Handles, HeapRoots};
use crate::stats::{GcStats, Occupancy};

/// Cairn's object memory and collector. See the crate documentation for a tour.
pub struct Heap {
    pub(crate) config: HeapConfig,
    pub(crate) ptrs: Box<AllocPointers>,
    pub(crate) nursery: Nursery,
    pub(crate) old: OldSpace,
    /// nil, class table, handles, finalization lists.
    pub(crate) own: HeapRoots,
    /// Old objects that may hold young pointers; each has the remembered flag.
    pub(crate) remembered: Vec<Oop>,
    pub(crate) hash_state: u64,
    pub(crate) stats: GcStats,
    /// Slow-path allocations left before the next stress collection.
    pub(crate) stress_countdown: u32,
    pub(crate) stress_collections: u64,
    /// Objects larger than this are not allocated in eden.
    pub(crate) max_young_bytes: usize,
    /// A full collection runs when old space's used bytes pass this.
    pub(crate) next_full_at: usize,
    /// Eden's allocation limit: its end, or lower when the tenure reserve is short (see
    /// `reserve.rs`). The fast path's `ptrs.limit` never passes it.
    pub(crate) eden_limit: usize,
    /// The VM's external bytes ([`RootSet::external_bytes`]) when last read.
    pub(crate) external: usize,
    /// The last full collection left more live data than the limit without headroom.
    pub(crate) exhausted: bool,
    /// An `OutOfMemory` was reported and the heap may use its headroom (until a full
    /// collection finds the live data back under `max - headroom`).
    pub(crate) grace: bool,
    /// Live bytes found by the last full collection.
    pub(crate) last_live: usize,
    /// The mark stack, reserved once (see `mark.rs`: it never grows past its capacity).
    pub(crate) mark_stack: Vec<usize>,
}

impl Heap {
    /// Reserves the nursery and the tenure reserve and sets up an empty heap.
    pub fn new(config: HeapConfig) -> Result<Heap, HeapError> {
        config.validate()?;
        let nursery = Nursery::new(config.nursery_bytes, config.survivor_bytes())?;
        let ptrs = Box::new(AllocPointers {
            cursor: nursery.eden_start,
            limit: nursery.eden_end,
        });
        let seed = config.hash_seed.unwrap_or_else(|| {
            let t = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64);
            t.unwrap_or(0) ^ (nursery.start as u64).rotate_left(17)
        });
        let max_young_bytes = (config.large_object_bytes - 8).min(nursery.eden_bytes() / 8);
        let mut heap = Heap {
            old: OldSpace::new(config.old_segment_bytes),
            ptrs,
            nursery,
            own: HeapRoots {
                nil: Oop::small_int(0),
                class_table: vec![Oop::small_int(0); ClassIndex::FIRST_FREE.index()],
                handles: Handles::default(),
                finalized: Vec::new(),
                finalizable: Vec::new(),
            },
            remembered: Vec::new(),
            hash_state: seed | 1,
            stats: GcStats::default(),
            stress_countdown: config.stress_interval,
            stress_collections: 0,
            max_young_bytes,
            next_full_at: 0,
            eden_limit: 0,
            external: 0,
            exhausted: false,
            grace: false,
            last_live: 0,
            mark_stack: Vec::with_capacity(crate::mark::MARK_STACK_ENTRIES),
            config,
        };
        heap.eden_limit = heap.nursery.eden_start;
        heap.old.reserve_target = heap.reserve_target();
        heap.refill_reserve();
        heap.next_full_at = heap.full_gc_threshold(0);
        heap.set_stress_interval(heap.config.stress_interval);
        Ok(heap)
    }

    /// The configuration the heap was made with (stress interval as currently set).
    pub fn config(&self) -> &HeapConfig {
        &self.config
    }

    /// Sets the value that fills new pointer slots and replaces cleared weak references.
    /// The heap holds it as a root. Until it is set, nil is `SmallInteger 0`.
    pub fn set_nil(&mut self, nil: Oop) {
        let old = self.own.nil;
        self.own.nil = nil;
        for c in &mut self.own.class_table {
            if *c == old {
                *c = nil;
            }
        }
    }

    /// The current nil.
    pub fn nil(&self) -> Oop {
        self.own.nil
    }

    /// Adds a class to the class table and returns its index.
    pub fn register_class(&mut self, class: Oop) -> Result<ClassIndex, ClassTableFull> {
        let index = self.own.class_table.len();
        if index > ClassIndex::MAX.index() {
            return Err(ClassTableFull);
        }
        self.own.class_table.push(class);
        Ok(ClassIndex(index as u32))
    }

    /// The class registered at `index`, or nil.
    pub fn class_at(&self, index: ClassIndex) -> Oop {
        self.own
            .class_table
            .get(index.index())
            .copied()
            .unwrap_or(self.own.nil)
    }

    /// Sets the class at `index` (growing the table with nil as needed); used for the
    /// immediates' classes and by image loading.
    pub fn set_class_at(&mut self, index: ClassIndex, class: Oop) -> Result<(), ClassTableFull> {
        if index > ClassIndex::MAX {
            return Err(ClassTableFull);
        }
        if self.own.class_table.len() <= index.index() {
            self.own.class_table.resize(index.index() + 1, self.own.nil);
        }
        self.own.class_table[index.index()] = class;
        Ok(())
    }

    /// One past the largest class index in use.
    pub fn class_table_len(&self) -> usize {
        self.own.class_table.len()
    }

    /// The handle stack (read).
    pub fn handles(&self) -> &Handles {
        &self.own.handles
    }

    /// The handle stack (push, set, release).
    pub fn handles_mut(&mut self) -> &mut Handles {
        &mut self.own.handles
    }

    /// Marks the handle stack's depth: `let m = heap.handle_mark(); …; heap.handle_release(m)`.
    pub fn handle_mark(&self) -> HandleMark {
        self.own.handles.mark()
    }

    /// Drops every handle pushed since `mark`.
    pub fn handle_release(&mut self, mark: HandleMark) {
        self.own.handles.release(mark)
    }

    /// Statistics of past collections.
    pub fn stats(&self) -> &GcStats {
        &self.stats
    }

    /// Switches GC stress on (collect every `n` slow-path allocations) or off (`0`).
    pub fn set_stress_interval(&mut self, n: u32) {
        self.config.stress_interval = n;
        self.stress_countdown = n;
        self.set_eden_limit();
    }

    /// Registers `oop` for finalization: when it becomes unreachable it is kept alive,
    /// dropped from the registry and queued for [`Heap::take_finalized`].
    pub fn register_finalizer(&mut self, oop: Oop) {
        if oop.is_ptr() {
            self.own.finalizable.push(oop);
        }
    }

    /// Removes and returns the objects found unreachable since the last call.
    pub fn take_finalized(&mut self) -> Vec<Oop> {
        std::mem::take(&mut self.own.finalized)
    }

    /// The objects waiting in the finalization queue (diagnostics; not removed).
    pub fn finalization_queue(&self) -> &[Oop] {
        &self.own.finalized
    }

    /// Number of objects registered for finalization and not yet queued.
    pub fn finalizable_count(&self) -> usize {
        self.own.finalizable.len()
    }

    /// Spaces' occupancy now.
    pub fn occupancy(&self) -> Occupancy {
        let (s0, top) = self.nursery.active_survivor();
        Occupancy {
            eden_used: self.ptrs.cursor - self.nursery.eden_start,
            eden_capacity: self.nursery.eden_bytes(),
            survivor_used: top - s0,
            survivor_capacity: self.nursery.survivor_bytes(),
            old_used: self.old.used(),
            old_committed: self.old.segments_bytes() + self.old.reserve_bytes(),
            large_committed: self.old.large_bytes(),
            large_objects: self.old.large.len(),
        }
    }

    /// Bytes mapped for the nursery, old segments (the tenure reserve included) and
    /// large objects.
    pub fn heap_bytes(&self) -> usize {
        self.nursery.size + self.old.committed()
    }

    /// Bytes of old-space segments mapped and held back for scavenges (the tenure
    /// reserve; part of [`Heap::heap_bytes`] and of `Occupancy::old_committed`).
    pub fn tenure_reserve_bytes(&self) -> usize {
        self.old.reserve_bytes()
    }

    /// Bytes eden may hold before the next scavenge: all of eden, or less when the heap
    /// is near its maximum size and the tenure reserve could not be refilled.
    pub fn eden_budget(&self) -> usize {
        self.eden_limit - self.nursery.eden_start
    }

    /// The next identity hash (never 0, which means "unassigned").
    pub(crate) fn next_hash(&mut self) -> u32 {
        // xorshift64*: cheap, deterministic for a given seed.
        let mut x = self.hash_state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.hash_state = x;
        let h = ((x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) & HASH_MASK) as u32;
        if h == 0 {
            1
        } else {
            h
        }
    }

    /// Old-space usage at which the next full collection starts, given the live bytes
    /// found by the last one: twice the live data, at least 8 segments' worth, and never
    /// past the maximum heap (less the nursery and the tenure reserve).
    pub(crate) fn full_gc_threshold(&self, live: usize) -> usize {
        let room = self
            .limit()
            .saturating_sub(
                self.nursery.size
                    + self.old.reserve_target * self.old.segment_bytes
                    + self.table_bytes(),
            )
            .max(self.old.segment_bytes);
        (live * 2).max(8 * self.config.old_segment_bytes).min(room)
    }
}
