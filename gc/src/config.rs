//! Heap sizing and policy: [`HeapConfig`].

use crate::error::HeapError;

/// Sizes and policies of one heap. `HeapConfig::default()` suits a server and reads
/// `CAIRN_GC_STRESS` and `CAIRN_GC_VERIFY`; [`HeapConfig::without_env`] gives the same values without looking
/// at the environment (tests that must not be perturbed).
#[derive(Clone, Debug, PartialEq)]
pub struct HeapConfig {
    /// Bytes of the nursery reservation: eden plus two survivor spaces, each survivor
    /// space an eighth of it.
    pub nursery_bytes: usize,
    /// Bytes of one old-space segment.
    pub old_segment_bytes: usize,
    /// Objects of this many bytes or more get a segment of their own (never copied).
    pub large_object_bytes: usize,
    /// Upper bound on nursery + old segments + large-object segments. An allocation that
    /// would pass it (after a full collection) fails with [`crate::OutOfMemory`].
    pub max_heap_bytes: usize,
    /// Scavenges an object survives in the nursery before it is tenured (1..=3).
    pub tenure_age: u8,
    /// GC stress: collect every this many slow-path allocations (0 = off). While it is on,
    /// [`crate::Heap::try_alloc`] always returns `None` so that every allocation takes the
    /// slow path.
    pub stress_interval: u32,
    /// Seed of the identity-hash generator; `None` seeds from the clock.
    pub hash_seed: Option<u64>,
    /// Debugging mode: run the heap verifier before and after every collection and
    /// panic with the list of violations if it fails (a missing write barrier in VM code
    /// then fails at the next collection, next to its cause).
    pub verify_collections: bool,
    /// A full collection compacts when the free fraction of old segments passes this.
    pub compact_threshold: f64,
    /// Bytes under `max_heap_bytes` held back for handling an [`crate::OutOfMemory`]
    /// (0 = none). Allocation normally stays under `max_heap_bytes - headroom_bytes`;
    /// a full collection that leaves more live data than that makes the allocation that
    /// ran it fail, and the heap then lets the program use the headroom until a full
    /// collection finds it back under the lower limit (see `docs/design/gc.md`, "The
    /// memory budget").
    pub headroom_bytes: usize,
}

/// Environment variable that turns on GC stress (`CAIRN_GC_STRESS=N`).
pub const STRESS_ENV: &str = "CAIRN_GC_STRESS";
/// Environment variable that turns on verification around every collection
/// (`CAIRN_GC_VERIFY=1`).
pub const VERIFY_ENV: &str = "CAIRN_GC_VERIFY";

impl HeapConfig {
    /// The default sizes, without reading the environment.
    pub fn without_env() -> HeapConfig {
        HeapConfig {
            nursery_bytes: 8 << 20,
            old_segment_bytes: 4 << 20,
            large_object_bytes: 64 << 10,
            max_heap_bytes: 1 << 30,
            tenure_age: 2,
            stress_interval: 0,
            hash_seed: None,
            verify_collections: false,
            compact_threshold: 0.5,
            headroom_bytes: 0,
        }
    }

    /// Applies `CAIRN_GC_STRESS=N` from the environment (ignored when absent or not a number).
    pub fn with_env(mut self) -> HeapConfig {
        if let Some(n) = std::env::var(STRESS_ENV)
            .ok()
            .and_then(|v| v.trim().parse().ok())
        {
            self.stress_interval = n;
        }
        self
    }

    /// A configuration for a process whose memory must stay under `max_heap_bytes`
    /// (`--max-heap`): the nursery scales down for small budgets (an eighth of the
    /// maximum, between 256 KiB and the default 8 MiB) and a sixteenth of the maximum
    /// is kept as headroom for handling `OutOfMemory`. Other fields as `self`.
    pub fn with_max_heap(mut self, max_heap_bytes: usize) -> HeapConfig {
        let nursery = (max_heap_bytes / 8).clamp(256 << 10, 8 << 20) & !0xFFFF;
        self.nursery_bytes = nursery;
        self.old_segment_bytes = if max_heap_bytes < 64 << 20 {
            1 << 20
        } else {
            4 << 20
        };
        self.max_heap_bytes = max_heap_bytes;
        self.headroom_bytes = max_heap_bytes / 16;
        self
    }

    /// Size of one survivor space, in bytes (page-aligned).
    pub(crate) fn survivor_bytes(&self) -> usize {
        (self.nursery_bytes / 8) & !4095
    }

    /// Checks the sizes against each other.
    pub(crate) fn validate(&self) -> Result<(), HeapError> {
        let bad = |why: &str| Err(HeapError::InvalidConfig(why.to_string()));
        if self.nursery_bytes < 64 << 10 {
            return bad("nursery_bytes must be at least 64 KiB");
        }
        if self.old_segment_bytes < 64 << 10 || !self.old_segment_bytes.is_multiple_of(4096) {
            return bad("old_segment_bytes must be a multiple of 4096 and at least 64 KiB");
        }
        if self.large_object_bytes < 64 || self.large_object_bytes > self.old_segment_bytes / 2 {
            return bad("large_object_bytes must be between 64 and half a segment");
        }
        if self.nursery_bytes > isize::MAX as usize / 2
            || self.old_segment_bytes > isize::MAX as usize / 2
        {
            return bad(
                "nursery_bytes and old_segment_bytes must each be below half the address space",
            );
        }
        if self.max_heap_bytes < self.nursery_bytes + self.old_segment_bytes {
            return bad("max_heap_bytes must hold the nursery and one old segment");
        }
        if self.headroom_bytes > self.max_heap_bytes / 2 {
            return bad("headroom_bytes must be at most half of max_heap_bytes");
        }
        if !(1..=3).contains(&self.tenure_age) {
            return bad("tenure_age must be 1, 2 or 3");
        }
        if !(0.0..=1.0).contains(&self.compact_threshold) {
            return bad("compact_threshold must be between 0 and 1");
        }
        Ok(())
    }
}

/// Parses a byte size as `--max-heap` and `CAIRN_MAX_HEAP` take it: a number with an
/// optional unit `K`, `M`, `G` or `T` (powers of 1024; `KB`, `KiB`, `MB`... and lower
/// case are accepted too), e.g. `256M`, `1G`, `1048576`.
pub fn parse_byte_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let bad = || format!("'{text}' is not a size (a number with an optional K, M, G or T)");
    let n: usize = number.parse().map_err(|_| bad())?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return Err(bad()),
    };
    n.checked_mul(1usize << shift)
        .ok_or_else(|| format!("'{text}' is too large"))
}

impl Default for HeapConfig {
    fn default() -> HeapConfig {
        HeapConfig::without_env().with_env()
    }
}
