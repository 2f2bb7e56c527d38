//! Sliding compaction of old segments (Lisp-2 style, in segment address order).
//!
//! 1. Plan: walk the segments in order with a destination cursor that starts at the
//!    first segment; every marked object gets the next destination that fits. Its body
//!    word 0 is saved aside and replaced by the new address, and its header gets the
//!    grey flag ("forwarding stored").
//! 2. Update: every pointer in the roots, in marked objects of all segments and in marked
//!    large objects is replaced by the target's new address when the target is grey.
//!    Word 0 of a grey object is updated in the saved copy.
//! 3. Move: walk again, copy each grey object down to its new place, restoring word 0
//!    and clearing the flags. Destinations never pass their sources, so walking forward
//!    never reads an overwritten header.
//! 4. The space after the last destination becomes free; segments left empty refill the
//!    tenure reserve or are unmapped.
//!
//! Segments holding a pinned object are neither sources nor destinations: they are
//! swept in place.

use crate::header::{ClassIndex, GREY_BIT, MARKED_BIT};
use crate::heap::Heap;
use crate::object::{self, WORD};
use crate::old_space::walk_segment;
use crate::oop::Oop;
use crate::roots::RootSet;

#[inline(always)]
fn forwarded(bits: u64) -> u64 {
    if bits & 7 != 0 {
        return bits;
    }
    // SAFETY: pointers from roots and marked objects name live objects.
    let h = unsafe { object::header(bits as usize) };
    if h.has(GREY_BIT) {
        // SAFETY: a grey object's word 0 holds its new address during compaction.
        unsafe { object::read_slot(bits as usize, 0) }
    } else {
        bits
    }
}

impl Heap {
    /// Compacts old segments after marking. Returns (bytes freed, bytes moved).
    pub(crate) fn compact(&mut self, roots: &mut dyn RootSet, pinned: &[usize]) -> (usize, usize) {
        let n = self.old.segments.len();
        let mut fixed = vec![false; n];
        for &p in pinned {
            if let Some(i) = self.old.segments.iter().position(|s| s.contains(p)) {
                fixed[i] = true;
            }
        }
        let movable: Vec<usize> = (0..n).filter(|&i| !fixed[i]).collect();
        self.old.clear_free_lists();
        let mut saved: Vec<u64> = Vec::new();
        let mut freed = 0;
        let mut moved = 0;
        // Fill end of each movable segment (its start when it receives nothing).
        let mut fill_end: Vec<usize> = movable
            .iter()
            .map(|&i| self.old.segments[i].start)
            .collect();

        // 1. Plan.
        if !movable.is_empty() {
            let mut dest = 0;
            let mut to = self.old.segments[movable[0]].start;
            for &si in &movable {
                let (start, end) = (self.old.segments[si].start, self.old.segments[si].end);
                let segments = &self.old.segments;
                walk_segment(start, end, &mut |addr| {
                    // SAFETY: `addr` is an object or free chunk of a sealed segment.
                    let h = unsafe { object::header(addr) };
                    if h.class() == ClassIndex::FREE {
                        return;
                    }
                    // SAFETY: as above.
                    let size = unsafe { object::total_bytes(addr, h) };
                    if !h.has(MARKED_BIT) {
                        freed += size;
                        return;
                    }
                    // Invariant: the object fits its own segment, so the destination
                    // never passes the segment being walked (`dest` stays in range).
                    while to + size > segments[movable[dest]].end {
                        debug_assert!(segments[movable[dest]].start < addr);
                        dest += 1;
                        to = segments[movable[dest]].start;
                    }
                    let new_addr = to + (addr - object::start_of(addr, h));
                    to += size;
                    fill_end[dest] = to;
                    if new_addr != addr {
                        moved += size;
                    }
                    // SAFETY: every object has a body word 0; it is saved before use.
                    unsafe {
                        saved.push(object::read_slot(addr, 0));
                        object::write_slot(addr, 0, new_addr as u64);
                        object::set_header(addr, h.set(GREY_BIT));
                    }
                });
            }
        }

        // 2. Update every pointer.
        self.own.visit_all(roots, &mut |slot: &mut Oop| {
            *slot = Oop::from_bits(forwarded(slot.bits()))
        });
        let mut k = 0;
        let update = |addr: usize, k: &mut usize, saved: &mut [u64]| {
            // SAFETY: `addr` is an object or free chunk of a sealed segment.
            let h = unsafe { object::header(addr) };
            if h.class() == ClassIndex::FREE || !h.has(MARKED_BIT) {
                return;
            }
            // SAFETY: as above.
            let n = unsafe { object::pointer_slots(addr, h) };
            let grey = h.has(GREY_BIT);
            // Word 0 of a grey object holds its forwarding address; its value is saved.
            let first = if grey && n > 0 {
                saved[*k] = forwarded(saved[*k]);
                1
            } else {
                0
            };
            for i in first..n {
                // SAFETY: `i` is a pointer slot of a live object. Raw reads and writes:
                // `forwarded` may read word 0 of this very object.
                unsafe { object::write_slot(addr, i, forwarded(object::read_slot(addr, i))) };
            }
            if grey {
                *k += 1;
            }
        };
        for seg in &self.old.segments {
            walk_segment(seg.start, seg.end, &mut |addr| {
                update(addr, &mut k, &mut saved)
            });
        }
        for addr in self.old.large_objects() {
            update(addr, &mut k, &mut saved);
        }

        // 3. Move.
        let mut k = 0;
        for &si in &movable {
            let (start, end) = (self.old.segments[si].start, self.old.segments[si].end);
            walk_segment(start, end, &mut |addr| {
                // SAFETY: `addr` has not been overwritten: destinations trail sources.
                let h = unsafe { object::header(addr) };
                if h.class() == ClassIndex::FREE || !h.has(GREY_BIT) {
                    return;
                }
                let from = object::start_of(addr, h);
                // SAFETY: as above; the copy may overlap its own source (memmove).
                unsafe {
                    let size = object::total_bytes(addr, h);
                    let new_addr = object::read_slot(addr, 0) as usize;
                    object::write_slot(addr, 0, saved[k]);
                    object::set_header(addr, h.clear(GREY_BIT | MARKED_BIT));
                    let to = new_addr - (addr - from);
                    std::ptr::copy(from as *const u8, to as *mut u8, size);
                }
                k += 1;
            });
        }

        // 4. Free the tails, unmap empty segments, sweep pinned segments.
        let mut empty = vec![false; n];
        for (d, &si) in movable.iter().enumerate() {
            let seg_end = self.old.segments[si].end;
            if fill_end[d] == self.old.segments[si].start {
                empty[si] = true;
            } else {
                self.old
                    .release_chunk(fill_end[d], (seg_end - fill_end[d]) / WORD);
            }
        }
        freed += self.sweep_segments(|i| fixed[i]);
        // A pinned segment holds a marked object, so the sweep kept every segment and the
        // indices of `empty` still match.
        debug_assert_eq!(self.old.segments.len(), n);
        let segments = std::mem::take(&mut self.old.segments);
        for (seg, empty) in segments.into_iter().zip(empty) {
            if empty {
                self.old.retire_segment(seg);
            } else {
                self.old.segments.push(seg);
            }
        }
        (freed, moved)
    }
}
