//! Collection statistics: one [`CollectionStats`] per collection, totals in [`GcStats`].

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

/// Which collector ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectionKind {
    /// Nursery only (Cheney copy).
    Scavenge,
    /// Whole heap, mark and sweep.
    Full,
    /// Whole heap, mark and sliding compaction.
    FullCompact,
}

/// Bytes in use and reserved, per space, at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Occupancy {
    /// Bytes allocated in eden.
    pub eden_used: usize,
    /// Bytes of eden.
    pub eden_capacity: usize,
    /// Bytes of objects in the active survivor space.
    pub survivor_used: usize,
    /// Bytes of one survivor space.
    pub survivor_capacity: usize,
    /// Bytes of old segments not on a free list.
    pub old_used: usize,
    /// Bytes of old segments mapped.
    pub old_committed: usize,
    /// Bytes of large-object segments mapped.
    pub large_committed: usize,
    /// Number of large objects.
    pub large_objects: usize,
}

impl Occupancy {
    /// Nursery + old + large bytes mapped: what the maximum heap size bounds.
    pub fn heap_bytes(&self) -> usize {
        self.eden_capacity + 2 * self.survivor_capacity + self.old_committed + self.large_committed
    }
}

/// What one collection did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CollectionStats {
    /// Which collector.
    pub kind: CollectionKind,
    /// Wall time of the pause.
    pub pause: Duration,
    /// Bytes copied into a survivor space (scavenges) or slid (compaction).
    pub bytes_copied: usize,
    /// Bytes promoted into old space.
    pub bytes_tenured: usize,
    /// Bytes of dead objects reclaimed (old and large space; scavenges: eden + survivor
    /// bytes not copied).
    pub bytes_freed: usize,
    /// Entries in the remembered set after the collection.
    pub remembered_set_size: usize,
    /// Live bytes found by marking (full collections; 0 for scavenges).
    pub live_bytes: usize,
    /// Objects moved to the finalization queue.
    pub finalized: usize,
    /// References that died in this collection: ephemerons whose key died (all their
    /// slots set to nil) plus weak slots set to nil. A full collection counts its own
    /// marking only; the scavenge that starts it is recorded on its own.
    pub weak_cleared: usize,
    /// Spaces after the collection.
    pub occupancy: Occupancy,
}

/// Totals and a bounded history of collections.
#[derive(Clone, Debug, Default)]
pub struct GcStats {
    /// Number of scavenges (including the ones that start a full collection).
    pub scavenges: u64,
    /// Number of full collections (compacting or not).
    pub full_collections: u64,
    /// Number of full collections that compacted.
    pub compactions: u64,
    /// Sum of all pauses.
    pub total_pause: Duration,
    /// Longest pause.
    pub max_pause: Duration,
    /// Sum of bytes tenured.
    pub total_tenured: u64,
    /// Allocation failures reported to the VM.
    pub out_of_memory: u64,
    /// Sum of [`CollectionStats::weak_cleared`]: a VM compares it with the value it saw
    /// last to learn that weak references died (and finalization may be due).
    pub weak_cleared: u64,
    history: VecDeque<CollectionStats>,
}

/// Collections kept in [`GcStats::history`].
pub const HISTORY_LEN: usize = 64;

impl GcStats {
    /// The latest collection, if any.
    pub fn last(&self) -> Option<&CollectionStats> {
        self.history.back()
    }

    /// The last [`HISTORY_LEN`] collections, oldest first.
    pub fn history(&self) -> impl Iterator<Item = &CollectionStats> {
        self.history.iter()
    }

    pub(crate) fn record(&mut self, c: CollectionStats) {
        match c.kind {
            CollectionKind::Scavenge => self.scavenges += 1,
            CollectionKind::Full => self.full_collections += 1,
            CollectionKind::FullCompact => {
                self.full_collections += 1;
                self.compactions += 1
            }
        }
        self.total_pause += c.pause;
        self.max_pause = self.max_pause.max(c.pause);
        self.total_tenured += c.bytes_tenured as u64;
        self.weak_cleared += c.weak_cleared as u64;
        if self.history.len() == HISTORY_LEN {
            self.history.pop_front();
        }
        self.history.push_back(c);
    }
}

impl fmt::Display for CollectionStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.occupancy;
        write!(
            f,
            "{:?} pause {:?}: copied {} B, tenured {} B, freed {} B, live {} B, remembered {}, \
             finalized {}, weak cleared {}; eden {}/{} B, survivor {}/{} B, old {}/{} B, large {} B in {} objects",
            self.kind,
            self.pause,
            self.bytes_copied,
            self.bytes_tenured,
            self.bytes_freed,
            self.live_bytes,
            self.remembered_set_size,
            self.finalized,
            self.weak_cleared,
            o.eden_used,
            o.eden_capacity,
            o.survivor_used,
            o.survivor_capacity,
            o.old_used,
            o.old_committed,
            o.large_committed,
            o.large_objects
        )
    }
}

impl fmt::Display for GcStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} scavenges, {} full collections ({} compacting), total pause {:?}, max pause {:?}, \
             {} B tenured, {} out-of-memory errors",
            self.scavenges,
            self.full_collections,
            self.compactions,
            self.total_pause,
            self.max_pause,
            self.total_tenured,
            self.out_of_memory
        )?;
        if let Some(last) = self.last() {
            writeln!(f, "last: {last}")?;
        }
        Ok(())
    }
}
