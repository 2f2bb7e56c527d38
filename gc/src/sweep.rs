//! Sweeping: after marking, dead objects in old segments become free chunks on the free
//! lists (neighbours merged), empty segments refill the tenure reserve or are unmapped,
//! and unmarked large objects lose their segment. Mark bits of survivors are cleared on
//! the way.

use crate::header::{ClassIndex, GREY_BIT, MARKED_BIT};
use crate::heap::Heap;
use crate::object::{self, WORD};

impl Heap {
    /// Sweeps the small segments for which `select(index)` holds; rebuilds their free
    /// chunks. Returns the bytes of dead objects reclaimed. The caller has sealed old
    /// space; when every segment is selected the free lists start empty.
    pub(crate) fn sweep_segments(&mut self, select: impl Fn(usize) -> bool) -> usize {
        let all = self.old.segments.len();
        if (0..all).all(&select) {
            self.old.clear_free_lists();
        }
        let segments = std::mem::take(&mut self.old.segments);
        let mut kept = Vec::with_capacity(segments.len());
        let mut freed = 0;
        let mut chunks = Vec::new();
        for (i, seg) in segments.into_iter().enumerate() {
            if !select(i) {
                kept.push(seg);
                continue;
            }
            chunks.clear();
            let mut any_live = false;
            let mut run: Option<usize> = None;
            let mut p = seg.start;
            while p < seg.end {
                // SAFETY: sealed segments are walkable from their start.
                let addr = unsafe { object::header_addr_from_start(p) };
                // SAFETY: `addr` is an object or free chunk.
                let h = unsafe { object::header(addr) };
                // SAFETY: as above.
                let size = unsafe { object::total_bytes(addr, h) };
                if h.class() != ClassIndex::FREE && h.has(MARKED_BIT) {
                    // SAFETY: as above.
                    unsafe { object::set_header(addr, h.clear(MARKED_BIT | GREY_BIT)) };
                    any_live = true;
                    if let Some(start) = run.take() {
                        chunks.push((start, p));
                    }
                } else {
                    if h.class() != ClassIndex::FREE {
                        freed += size;
                    }
                    run.get_or_insert(p);
                }
                p += size;
            }
            if let Some(start) = run {
                chunks.push((start, seg.end));
            }
            if any_live {
                for &(s, e) in &chunks {
                    self.old.release_chunk(s, (e - s) / WORD);
                }
                kept.push(seg);
            } else {
                self.old.retire_segment(seg);
            }
        }
        self.old.segments = kept;
        freed
    }

    /// Frees unmarked large objects and clears the mark of the others.
    pub(crate) fn sweep_large(&mut self) -> usize {
        let mut freed = 0;
        self.old.large.retain(|seg| {
            // SAFETY: a large segment holds one object at its start.
            let addr = unsafe { object::header_addr_from_start(seg.start) };
            // SAFETY: as above.
            let h = unsafe { object::header(addr) };
            if h.has(MARKED_BIT) {
                // SAFETY: as above.
                unsafe { object::set_header(addr, h.clear(MARKED_BIT | GREY_BIT)) };
                true
            } else {
                // SAFETY: as above.
                freed += unsafe { object::total_bytes(addr, h) };
                false
            }
        });
        freed
    }
}
