//! `become:` one-way and two-way: every reference (roots, handles, class table, objects in
//! every space) is rewritten; identity hashes stay with the objects; an old object that
//! now points to a young one is remembered.

mod common;

use cairn_gc::{Format, Oop};
use common::{assert_verified, boot, small_config, MockVm};

#[test]
fn become_forward_and_swap_rewrite_every_reference() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let old_holder = heap
        .alloc_old(&mut vm, class, Format::Indexable, 0, 2)
        .unwrap();
    vm.roots.push(old_holder);
    let a = heap.alloc_old(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(a);
    let b = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(b);
    let (holder, a, b) = (vm.roots[0], vm.roots[1], vm.roots[2]);
    heap.store(holder, 0, a);
    heap.store(holder, 1, b);
    heap.store(a, 0, Oop::small_int(1));
    heap.store(b, 0, Oop::small_int(2));
    let h = heap.handles_mut().push(a);
    let table_index = heap.register_class(a).unwrap();
    let (hash_a, hash_b) = (heap.identity_hash(a), heap.identity_hash(b));
    assert!(!heap.is_remembered(holder) || heap.is_young(b));

    heap.become_swap(a, b, &mut vm).unwrap();
    assert_verified(&mut heap, &mut vm);
    assert_eq!((heap.fetch(holder, 0), heap.fetch(holder, 1)), (b, a));
    assert_eq!((vm.roots[1], vm.roots[2]), (b, a));
    assert_eq!(heap.handles().get(h), b);
    assert_eq!(heap.class_at(table_index), b);
    assert_eq!(
        (heap.identity_hash(b), heap.identity_hash(a)),
        (hash_b, hash_a),
        "hashes stay with the objects"
    );
    assert_eq!(heap.fetch(heap.fetch(holder, 0), 0), Oop::small_int(2));

    // One-way: every reference to b (young) now leads to a (old), and vice versa for the
    // old holder pointing at a young object after the rewrite.
    heap.become_forward(a, b, &mut vm).unwrap();
    assert_verified(&mut heap, &mut vm);
    assert_eq!((heap.fetch(holder, 0), heap.fetch(holder, 1)), (b, b));
    assert!(
        heap.is_remembered(holder),
        "old holder now points to a young object"
    );
    heap.scavenge(&mut vm);
    assert_verified(&mut heap, &mut vm);
    let holder = vm.roots[0];
    assert_eq!(heap.fetch(heap.fetch(holder, 0), 0), Oop::small_int(2));
    assert_eq!(
        heap.become_forward(Oop::small_int(1), holder, &mut vm),
        Err(cairn_gc::BecomeError::Immediate)
    );
}
