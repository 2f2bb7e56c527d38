//! Shared set-up for the gc benches: a heap with nil and one class, and object graphs of
//! a given volume.

#![allow(dead_code)]

use cairn_gc::{ClassIndex, Format, Heap, HeapConfig, NoRoots, Oop};

/// Pointer slots per graph node: with the header, 8 words (64 bytes) per node.
pub const NODE_SLOTS: usize = 7;
/// Bytes per graph node.
pub const NODE_BYTES: usize = (NODE_SLOTS + 1) * 8;

/// A heap with the given nursery size and a 4 GiB maximum, nil set, and a class index.
pub fn heap(nursery_bytes: usize, tenure_age: u8) -> (Heap, ClassIndex) {
    let config = HeapConfig {
        nursery_bytes,
        max_heap_bytes: 4 << 30,
        tenure_age,
        hash_seed: Some(1),
        ..HeapConfig::without_env()
    };
    let mut heap = Heap::new(config).expect("heap");
    let class = heap.register_class(Oop::small_int(1)).expect("class");
    let nil = heap
        .alloc_old(&mut NoRoots, class, Format::Zero, 0, 0)
        .expect("nil");
    heap.set_nil(nil);
    (heap, class)
}

/// Builds a linked structure of `bytes / NODE_BYTES` nodes reachable from `roots[0]`:
/// slot 0 links to the previous node, slot 1 to the node before it (so every node is
/// reached twice), the rest hold SmallIntegers. `old` allocates in old space.
pub fn build_graph(
    heap: &mut Heap,
    roots: &mut Vec<Oop>,
    class: ClassIndex,
    bytes: usize,
    old: bool,
) {
    roots.clear();
    roots.push(heap.nil());
    roots.push(heap.nil());
    for i in 0..bytes / NODE_BYTES {
        let node = if old {
            heap.alloc_old(roots, class, Format::Indexable, 0, NODE_SLOTS)
        } else {
            heap.alloc(roots, class, Format::Indexable, 0, NODE_SLOTS)
        }
        .expect("bench heap has room");
        heap.store(node, 0, roots[0]);
        heap.store(node, 1, roots[1]);
        for s in 2..NODE_SLOTS {
            heap.store(node, s, Oop::small_int((i * s) as i64));
        }
        roots[1] = roots[0];
        roots[0] = node;
    }
}
