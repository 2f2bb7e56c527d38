//! Heap walking: every object of every space, in a consistent heap. Census and
//! `allInstances` use [`Heap::walk_live`]; [`Heap::walk`] also yields garbage that no
//! collection has reclaimed yet. [`Heap::census`] counts live instances and bytes per
//! class.

use std::collections::HashMap;

use crate::header::ClassIndex;
use crate::heap::Heap;
use crate::object;
use crate::oop::Oop;
use crate::roots::RootSet;

impl Heap {
    /// Calls `f` with every allocated object (live or not yet collected) in eden, the
    /// survivor space, old segments and large segments. `f` sees the heap read-only.
    pub fn walk(&mut self, mut f: impl FnMut(&Heap, Oop)) {
        self.old.seal();
        let me = &*self;
        me.for_each_object(|addr| f(me, Oop::from_addr(addr)));
    }

    /// Runs a full collection (no compaction) and then walks: exactly the objects
    /// reachable from the roots (plus objects kept for finalization).
    pub fn walk_live(&mut self, roots: &mut dyn RootSet, f: impl FnMut(&Heap, Oop)) {
        self.full_collect(roots, false);
        self.walk(f);
    }

    /// Live instances and bytes per class index, largest total first (ties by index).
    /// Runs a full collection first.
    pub fn census(&mut self, roots: &mut dyn RootSet) -> Vec<ClassCensus> {
        let mut by_class: HashMap<ClassIndex, ClassCensus> = HashMap::new();
        self.walk_live(roots, |heap, oop| {
            let class = heap.class_index(oop);
            let entry = by_class.entry(class).or_insert(ClassCensus {
                class,
                instances: 0,
                bytes: 0,
            });
            entry.instances += 1;
            entry.bytes += heap.object_bytes(oop);
        });
        let mut rows: Vec<ClassCensus> = by_class.into_values().collect();
        rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.class.cmp(&b.class)));
        rows
    }

    /// Every object's header address. Old space must be sealed.
    pub(crate) fn for_each_object(&self, mut f: impl FnMut(usize)) {
        let mut p = self.nursery.eden_start;
        let (s0, top) = self.nursery.active_survivor();
        for (from, to) in [(self.nursery.eden_start, self.ptrs.cursor), (s0, top)] {
            p = p.max(from);
            while p < to {
                // SAFETY: nursery spaces hold whole objects back to back up to their top.
                let addr = unsafe { object::header_addr_from_start(p) };
                // SAFETY: as above.
                let h = unsafe { object::header(addr) };
                f(addr);
                // SAFETY: as above.
                p = unsafe { object::end_of(addr, h) };
            }
        }
        self.old.for_each_in_segments(|addr| {
            // SAFETY: a sealed segment holds objects and free chunks.
            if unsafe { object::header(addr) }.class() != ClassIndex::FREE {
                f(addr)
            }
        });
        self.old.large_objects().for_each(f);
    }
}

/// One row of [`Heap::census`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassCensus {
    /// The class index.
    pub class: ClassIndex,
    /// Live instances.
    pub instances: usize,
    /// Bytes they occupy (prefix words and headers included).
    pub bytes: usize,
}
