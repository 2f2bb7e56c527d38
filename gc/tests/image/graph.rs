//! Helpers of the image tests: comparing the object graphs of two heaps from their
//! roots, and saving with a mock VM's roots.

use std::collections::HashMap;

use cairn_gc::{Heap, NoRoots, Oop};

/// Walks both heaps from their roots in step and panics at the first difference:
/// class index, format, slot counts, raw bytes, identity hash, pinned and immutable
/// flags, immediates, and the shape of the pointer graph (the same object reached twice
/// in one heap is the same object in the other). Nil and the class tables must
/// correspond too. Returns the number of objects compared.
pub fn assert_same_graph(a: &Heap, a_roots: &[Oop], b: &Heap, b_roots: &[Oop]) -> usize {
    assert_eq!(a_roots.len(), b_roots.len(), "root counts");
    assert_eq!(
        a.class_table_len(),
        b.class_table_len(),
        "class table lengths"
    );
    let mut pairs: HashMap<u64, u64> = HashMap::new();
    let mut queue: Vec<(Oop, Oop, String)> = vec![(a.nil(), b.nil(), "nil".into())];
    for i in 0..a.class_table_len() {
        let c = cairn_gc::ClassIndex(i as u32);
        queue.push((a.class_at(c), b.class_at(c), format!("class {i}")));
    }
    for (i, (&x, &y)) in a_roots.iter().zip(b_roots).enumerate() {
        queue.push((x, y, format!("root {i}")));
    }
    while let Some((x, y, path)) = queue.pop() {
        assert_eq!(x.is_ptr(), y.is_ptr(), "{path}: {x:?} vs {y:?}");
        if !x.is_ptr() {
            assert_eq!(x, y, "{path}");
            continue;
        }
        if let Some(&seen) = pairs.get(&x.bits()) {
            assert_eq!(seen, y.bits(), "{path}: sharing differs");
            continue;
        }
        pairs.insert(x.bits(), y.bits());
        assert_eq!(signature(a, x), signature(b, y), "{path}");
        assert!(!b.is_young(y), "{path}: a loaded object is old");
        for i in 0..a.slot_count(x) {
            queue.push((a.fetch(x, i), b.fetch(y, i), format!("{path}.{i}")));
        }
    }
    pairs.len()
}

/// What must be equal between an object and its copy: class index, format, slot
/// counts, length, raw bytes, identity hash, pinned and immutable flags.
type Signature = (
    cairn_gc::ClassIndex,
    cairn_gc::Format,
    [usize; 3],
    Vec<u8>,
    u32,
    [bool; 2],
);

fn signature(heap: &Heap, o: Oop) -> Signature {
    (
        heap.class_index(o),
        heap.format(o),
        [
            heap.slot_count(o),
            heap.fixed_slot_count(o),
            heap.indexable_len(o),
        ],
        heap.bytes(o).to_vec(),
        heap.peek_identity_hash(o),
        [heap.is_pinned(o), heap.is_immutable(o)],
    )
}

/// Saves `heap` with no VM roots besides `roots` (so that the saved heap and a heap
/// loaded from it keep exactly the same objects alive).
pub fn save(heap: &mut Heap, roots: &mut [Oop], manifest: &[u8]) -> Vec<u8> {
    heap.save_image(&mut NoRoots, roots, manifest)
}
