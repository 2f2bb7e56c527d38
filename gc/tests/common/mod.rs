//! The mock VM shared by the integration tests: a root set and a bootstrap helper. The
//! gc crate has no interpreter; the tests stand in for one.

#![allow(dead_code)]

use cairn_gc::{ClassIndex, Format, Heap, HeapConfig, NoRoots, Oop, RootSet};

/// A VM's roots reduced to a vector of slots.
#[derive(Default)]
pub struct MockVm {
    pub roots: Vec<Oop>,
}

impl RootSet for MockVm {
    fn visit_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.roots.iter_mut().for_each(visitor)
    }
}

/// A small heap (1 MiB nursery, 256 KiB segments) with a deterministic hash seed.
pub fn small_config() -> HeapConfig {
    HeapConfig {
        nursery_bytes: 1 << 20,
        old_segment_bytes: 256 << 10,
        large_object_bytes: 16 << 10,
        max_heap_bytes: 64 << 20,
        hash_seed: Some(42),
        ..HeapConfig::without_env()
    }
}

/// A heap with nil (an old Zero object) and one class index, returned as (heap, class).
pub fn boot(config: HeapConfig) -> (Heap, ClassIndex) {
    let mut heap = Heap::new(config).expect("heap");
    let class = heap.register_class(Oop::small_int(1000)).expect("class");
    let nil = heap
        .alloc_old(&mut NoRoots, class, Format::Zero, 0, 0)
        .expect("nil");
    heap.set_nil(nil);
    (heap, class)
}

/// Panics with every violation when the verifier fails.
pub fn assert_verified(heap: &mut Heap, roots: &mut dyn RootSet) {
    if let Err(v) = heap.verify(roots) {
        let lines: Vec<String> = v.iter().map(|v| v.to_string()).collect();
        panic!("heap verification failed:\n{}", lines.join("\n"));
    }
}

/// A shape (fixed slots, indexed length) that `ObjectLayout::new` accepts for `format`,
/// made from any `fixed` and `len` (random operations of the property tests).
pub fn valid_shape(format: Format, fixed: usize, len: usize) -> (usize, usize) {
    match format {
        Format::Zero => (0, 0),
        Format::Fixed => (fixed, 0),
        Format::Ephemeron => (fixed.max(1), 0),
        Format::Indexable | Format::Words64 | Format::Words32 | Format::Words16 | Format::Bytes => {
            (0, len)
        }
        Format::FixedIndexable | Format::Weak | Format::CompiledCode => (fixed, len),
    }
}
