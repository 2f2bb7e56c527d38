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
        assert_eq!(a.class_index(x), b.class_index(y), "{path}: class");
        assert_eq!(a.format(x), b.format(y), "{path}: format");
        assert_eq!(a.slot_count(x), b.slot_count(y), "{path}: slots");
        assert_eq!(
            a.fixed_slot_count(x),
            b.fixed_slot_count(y),
            "{path}: fixed"
        );
        assert_eq!(a.indexable_len(x), b.indexable_len(y), "{path}: length");
        assert_eq!(a.bytes(x), b.bytes(y), "{path}: bytes");
        assert_eq!(
            a.peek_identity_hash(x),
            b.peek_identity_hash(y),
            "{path}: hash"
        );
        assert_eq!(a.is_pinned(x), b.is_pinned(y), "{path}: pinned");
        assert_eq!(a.is_immutable(x), b.is_immutable(y), "{path}: immutable");
        assert!(!b.is_young(y), "{path}: a loaded object is old");
        for i in 0..a.slot_count(x) {
            queue.push((a.fetch(x, i), b.fetch(y, i), format!("{path}.{i}")));
        }
    }
    pairs.len()
}

/// Saves `heap` with no VM roots besides `roots` (so that the saved heap and a heap
/// loaded from it keep exactly the same objects alive).
pub fn save(heap: &mut Heap, roots: &mut [Oop], manifest: &[u8]) -> Vec<u8> {
    heap.save_image(&mut NoRoots, roots, manifest)
}
