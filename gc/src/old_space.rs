//! Old space: fixed-size segments with free lists, and large objects in segments of
//! their own. Every segment is a separate `memmap2` mapping, returned to the system when
//! it empties.
//!
//! A segment is always walkable from its start: objects and free chunks (class index
//! [`crate::header::ClassIndex::FREE`]) follow each other without gaps. The one exception is the bump
//! region (the free chunk that allocation currently carves from), whose stale header is
//! rewritten by [`OldSpace::seal`] before anything walks the segments.
//!
//! Besides the segments in use, old space keeps the *tenure reserve*: mapped segments
//! that only a scavenge may take into service (see `reserve.rs` for the guarantee they
//! give). They are not walked and hold no objects until taken.

use memmap2::MmapMut;

use crate::object::{self, WORD};

/// Free chunks smaller than this many words have exact-size lists.
const SMALL_LISTS: usize = 64;

pub(crate) struct Segment {
    _map: MmapMut,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Segment {
    fn map(bytes: usize) -> Option<Segment> {
        let mut map = MmapMut::map_anon(bytes).ok()?;
        let start = map.as_mut_ptr() as usize;
        Some(Segment {
            _map: map,
            start,
            end: start + bytes,
        })
    }

    pub(crate) fn bytes(&self) -> usize {
        self.end - self.start
    }

    pub(crate) fn contains(&self, addr: usize) -> bool {
        (self.start..self.end).contains(&addr)
    }
}

pub(crate) struct OldSpace {
    /// Segments, sorted by address.
    pub(crate) segments: Vec<Segment>,
    /// Large-object segments, sorted by address; each holds one object at its start.
    pub(crate) large: Vec<Segment>,
    pub(crate) segment_bytes: usize,
    small_free: Vec<Vec<usize>>,
    big_free: Vec<(usize, usize)>,
    bump: usize,
    bump_end: usize,
    /// Bytes on free lists plus the bump region.
    pub(crate) free_bytes: usize,
    /// The tenure reserve: mapped segments held back for scavenges.
    pub(crate) reserve: Vec<Segment>,
    /// Number of reserve segments the heap wants (empty segments found by a sweep or a
    /// compaction refill the reserve up to this count before any is unmapped).
    pub(crate) reserve_target: usize,
    /// Fault injection for tests: mappings left before the "operating system" refuses.
    pub(crate) maps_left: Option<usize>,
}

impl OldSpace {
    pub(crate) fn new(segment_bytes: usize) -> OldSpace {
        OldSpace {
            segments: Vec::new(),
            large: Vec::new(),
            segment_bytes,
            small_free: (0..SMALL_LISTS).map(|_| Vec::new()).collect(),
            big_free: Vec::new(),
            bump: 0,
            bump_end: 0,
            free_bytes: 0,
            reserve: Vec::new(),
            reserve_target: 0,
            maps_left: None,
        }
    }

    /// Maps `bytes` of fresh memory, unless the operating system (or the test's fault
    /// injection) refuses.
    pub(crate) fn map(&mut self, bytes: usize) -> Option<Segment> {
        if let Some(n) = self.maps_left.as_mut() {
            if *n == 0 {
                return None;
            }
            *n -= 1;
        }
        Segment::map(bytes)
    }

    pub(crate) fn segments_bytes(&self) -> usize {
        self.segments.len() * self.segment_bytes
    }

    pub(crate) fn large_bytes(&self) -> usize {
        self.large.iter().map(Segment::bytes).sum()
    }

    /// Bytes mapped for the tenure reserve.
    pub(crate) fn reserve_bytes(&self) -> usize {
        self.reserve.len() * self.segment_bytes
    }

    pub(crate) fn committed(&self) -> usize {
        self.segments_bytes() + self.large_bytes() + self.reserve_bytes()
    }

    pub(crate) fn used(&self) -> usize {
        self.segments_bytes() - self.free_bytes
    }

    /// Allocates `bytes` (a multiple of 8, at least 16) in segments. Maps a new segment
    /// when the free lists cannot serve it and `may_grow` holds. Returns the start of the
    /// chunk, which holds garbage.
    #[inline]
    pub(crate) fn alloc(&mut self, bytes: usize, may_grow: bool) -> Option<usize> {
        let words = bytes / WORD;
        if words < SMALL_LISTS {
            if let Some(start) = self.small_free[words].pop() {
                self.free_bytes -= bytes;
                return Some(start);
            }
        }
        if self.bump_end - self.bump >= bytes {
            let start = self.bump;
            self.bump += bytes;
            self.free_bytes -= bytes;
            return Some(start);
        }
        self.refill(bytes, may_grow)
    }

    #[cold]
    fn refill(&mut self, bytes: usize, may_grow: bool) -> Option<usize> {
        let words = bytes / WORD;
        // A larger small chunk, split.
        for w in (words + 2).min(SMALL_LISTS)..SMALL_LISTS {
            if let Some(start) = self.small_free[w].pop() {
                self.free_bytes -= w * WORD;
                self.release_chunk(start + bytes, w - words);
                return Some(start);
            }
        }
        let chunk = match self.big_free.iter().position(|&(_, w)| w >= words) {
            Some(i) => {
                let (s, w) = self.big_free.swap_remove(i);
                self.free_bytes -= w * WORD;
                (s, s + w * WORD)
            }
            None => {
                if !may_grow {
                    return None;
                }
                let seg = self.map(self.segment_bytes)?;
                let range = (seg.start, seg.end);
                self.insert_segment(seg);
                range
            }
        };
        self.retire_bump();
        self.bump = chunk.0;
        self.bump_end = chunk.1;
        self.free_bytes += chunk.1 - chunk.0;
        self.alloc(bytes, false)
    }

    /// Allocation of a tenured copy during a scavenge: free lists and the bump region
    /// first, then reserve segments taken into service one by one; never maps.
    #[inline(always)]
    pub(crate) fn alloc_tenure(&mut self, bytes: usize) -> Option<usize> {
        match self.alloc(bytes, false) {
            Some(start) => Some(start),
            None => self.alloc_from_reserve(bytes),
        }
    }

    #[cold]
    fn alloc_from_reserve(&mut self, bytes: usize) -> Option<usize> {
        while let Some(seg) = self.reserve.pop() {
            self.adopt(seg);
            if let Some(start) = self.alloc(bytes, false) {
                return Some(start);
            }
        }
        None
    }

    /// Takes a mapped segment (from the reserve) into service as one free chunk.
    pub(crate) fn adopt(&mut self, seg: Segment) {
        let (start, words) = (seg.start, seg.bytes() / WORD);
        self.insert_segment(seg);
        self.release_chunk(start, words);
    }

    fn insert_segment(&mut self, seg: Segment) {
        let at = self.segments.partition_point(|s| s.start < seg.start);
        self.segments.insert(at, seg);
    }

    /// A segment that a sweep or compaction emptied: kept in the reserve while the
    /// reserve is short, unmapped otherwise.
    pub(crate) fn retire_segment(&mut self, seg: Segment) {
        if self.reserve.len() < self.reserve_target {
            self.reserve.push(seg);
        }
    }

    /// Returns the rest of the bump region to the free lists.
    fn retire_bump(&mut self) {
        let words = (self.bump_end - self.bump) / WORD;
        let start = self.bump;
        self.bump = 0;
        self.bump_end = 0;
        self.free_bytes -= words * WORD;
        self.release_chunk(start, words);
    }

    /// Formats `words` words at `start` as a free chunk and lists it (one-word chunks are
    /// only formatted: they come back when a sweep merges them with a neighbour).
    pub(crate) fn release_chunk(&mut self, start: usize, words: usize) {
        if words == 0 {
            return;
        }
        // SAFETY: the chunk lies in a segment and holds no live object.
        unsafe { object::write_free(start, words) };
        if words < 2 {
            return;
        }
        self.free_bytes += words * WORD;
        if words < SMALL_LISTS {
            self.small_free[words].push(start);
        } else {
            self.big_free.push((start, words));
        }
    }

    /// Writes a free-chunk header over the bump region so that segments are walkable.
    pub(crate) fn seal(&mut self) {
        let words = (self.bump_end - self.bump) / WORD;
        if words > 0 {
            // SAFETY: the bump region lies in a segment and holds no object.
            unsafe { object::write_free(self.bump, words) };
        }
    }

    /// Forgets every free list and the bump region (a sweep or compaction rebuilds them).
    pub(crate) fn clear_free_lists(&mut self) {
        self.small_free.iter_mut().for_each(Vec::clear);
        self.big_free.clear();
        self.bump = 0;
        self.bump_end = 0;
        self.free_bytes = 0;
    }

    /// Checks the free lists against the segments: every listed chunk is a free chunk
    /// of the listed size inside a segment, and the listed bytes plus the bump region
    /// add up to `free_bytes`. Returns a description of each mismatch.
    pub(crate) fn check_free_lists(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut listed = self.bump_end - self.bump;
        let small = self
            .small_free
            .iter()
            .enumerate()
            .flat_map(|(w, l)| l.iter().map(move |&s| (s, w)));
        for (start, words) in small.chain(self.big_free.iter().copied()) {
            listed += words * WORD;
            if !self
                .segments
                .iter()
                .any(|seg| seg.contains(start) && start + words * WORD <= seg.end)
            {
                problems.push(format!(
                    "free chunk {start:#x} of {words} words is outside every segment"
                ));
                continue;
            }
            // SAFETY: the chunk lies inside a segment, which is walkable memory.
            let (addr, h) = unsafe {
                let addr = object::header_addr_from_start(start);
                (addr, object::header(addr))
            };
            // SAFETY: as above.
            let size = unsafe { object::total_bytes(addr, h) };
            if h.class() != crate::header::ClassIndex::FREE || size != words * WORD {
                problems.push(format!(
                    "listed chunk {start:#x} of {words} words is not such a free chunk"
                ));
            }
        }
        if listed != self.free_bytes {
            problems.push(format!(
                "free lists hold {listed} bytes, accounting says {}",
                self.free_bytes
            ));
        }
        problems
    }

    /// Maps a large-object segment of at least `bytes` and returns its start.
    pub(crate) fn alloc_large(&mut self, bytes: usize) -> Option<usize> {
        let seg = self.map(bytes.div_ceil(4096) * 4096)?;
        let start = seg.start;
        let at = self.large.partition_point(|s| s.start < start);
        self.large.insert(at, seg);
        Some(start)
    }

    /// The segment (small or large) holding `addr`, and whether it is large.
    pub(crate) fn find(&self, addr: usize) -> Option<(&Segment, bool)> {
        for (list, large) in [(&self.segments, false), (&self.large, true)] {
            let i = list.partition_point(|s| s.start <= addr);
            if i > 0 && list[i - 1].contains(addr) {
                return Some((&list[i - 1], large));
            }
        }
        None
    }

    /// Calls `f` with the header address of every object and free chunk in every small
    /// segment, in address order. The caller must have sealed the space.
    pub(crate) fn for_each_in_segments(&self, mut f: impl FnMut(usize)) {
        for seg in &self.segments {
            walk_segment(seg.start, seg.end, &mut f);
        }
    }

    /// Header address of the object in each large segment.
    pub(crate) fn large_objects(&self) -> impl Iterator<Item = usize> + '_ {
        // SAFETY: a large segment starts with its object's first word.
        self.large
            .iter()
            .map(|s| unsafe { object::header_addr_from_start(s.start) })
    }
}

/// Calls `f` with the header address of every object or free chunk in `[start, end)`.
pub(crate) fn walk_segment(start: usize, end: usize, f: &mut impl FnMut(usize)) {
    let mut p = start;
    while p < end {
        // SAFETY: `p` is the first word of an object or chunk: segments are walkable.
        let addr = unsafe { object::header_addr_from_start(p) };
        // SAFETY: `addr` is that object's header (and prefix, if any).
        let end = unsafe { object::end_of(addr, object::header(addr)) };
        // The extent is read before `f`, which may move or overwrite the object.
        f(addr);
        p = end;
    }
}
