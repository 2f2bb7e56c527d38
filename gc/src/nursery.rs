//! The nursery: eden and two survivor spaces in one contiguous `memmap2` reservation, so
//! that "is young" is one range test on the address.
//!
//! ```text
//! start                                                          end
//! | eden ........................... | survivor 0 | survivor 1 |
//! ```
//! Eden is bump-allocated through [`AllocPointers`] (whose address is stable, so JIT code
//! can inline the bump); one survivor space holds the objects that survived the last
//! scavenge, the other is empty and receives the next scavenge's copies.

use memmap2::MmapMut;

use crate::error::HeapError;

/// Eden's bump-allocation state. Boxed by the heap so that its address never changes:
/// JIT code loads `cursor`, adds the object size, compares with `limit`, and stores the
/// new cursor, falling back to the heap's slow path when the test fails.
#[repr(C)]
#[derive(Debug)]
pub struct AllocPointers {
    /// Address of the next free byte in eden.
    pub cursor: usize,
    /// Address at which the fast path must give up: eden's limit (its end, or lower
    /// while the tenure reserve is short near the maximum heap size), or `cursor`
    /// itself in GC-stress mode so that every allocation takes the slow path. It can
    /// change at every call into the heap.
    pub limit: usize,
}

pub(crate) struct Nursery {
    _map: MmapMut,
    pub(crate) start: usize,
    pub(crate) size: usize,
    pub(crate) eden_start: usize,
    pub(crate) eden_end: usize,
    /// `(start, end)` of the two survivor spaces.
    pub(crate) survivors: [(usize, usize); 2],
    /// Which survivor space holds the survivors.
    pub(crate) active: usize,
    /// End of the survivors in the active survivor space.
    pub(crate) survivor_top: usize,
}

impl Nursery {
    pub(crate) fn new(bytes: usize, survivor_bytes: usize) -> Result<Nursery, HeapError> {
        let size = bytes & !4095;
        let mut map = MmapMut::map_anon(size).map_err(HeapError::Reserve)?;
        let start = map.as_mut_ptr() as usize;
        let end = start + size;
        let s1 = end - survivor_bytes;
        let s0 = s1 - survivor_bytes;
        Ok(Nursery {
            _map: map,
            start,
            size,
            eden_start: start,
            eden_end: s0,
            survivors: [(s0, s1), (s1, end)],
            active: 0,
            survivor_top: s0,
        })
    }

    /// True when `bits` is a pointer into the nursery (tag and range in one place).
    #[inline(always)]
    pub(crate) fn contains_ptr(&self, bits: u64) -> bool {
        bits & 7 == 0 && (bits as usize).wrapping_sub(self.start) < self.size
    }

    pub(crate) fn active_survivor(&self) -> (usize, usize) {
        (self.survivors[self.active].0, self.survivor_top)
    }

    pub(crate) fn eden_bytes(&self) -> usize {
        self.eden_end - self.eden_start
    }

    pub(crate) fn survivor_bytes(&self) -> usize {
        self.survivors[0].1 - self.survivors[0].0
    }
}
