//! `become:` one-way and two-way: every reference (roots, handles, class table, objects in
//! every space) is rewritten; identity hashes stay with the objects; an old object that
//! now points to a young one is remembered; random swaps between collections keep the
//! verifier clean.

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

/// An old object that referred to an old object refers, after a swap, to a young one:
/// it must be remembered, or the next scavenge would free the young object under it. The
/// old object now reachable from where the young one was keeps its own young referent.
#[test]
fn swapping_young_and_old_keeps_the_remembered_set_complete() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    for (old, fixed) in [(true, 1), (true, 2), (false, 3), (false, 1)] {
        let o = if old {
            heap.alloc_old(&mut vm, class, Format::Fixed, fixed, 0)
        } else {
            heap.alloc(&mut vm, class, Format::Fixed, fixed, 0)
        };
        vm.roots.push(o.unwrap());
    }
    // holder (old) -> a (old) -> z (young); b (young) is only a root.
    let (holder, a, b, z) = (vm.roots[0], vm.roots[1], vm.roots[2], vm.roots[3]);
    heap.store(holder, 0, a);
    heap.store(a, 0, Oop::small_int(1));
    heap.store(a, 1, z);
    heap.store(b, 0, Oop::small_int(2));
    heap.store(z, 0, Oop::small_int(3));
    vm.roots.truncate(3);
    assert!(!heap.is_remembered(holder) && heap.is_remembered(a));

    heap.become_swap(a, b, &mut vm).unwrap();
    assert!(
        heap.is_remembered(holder),
        "holder now points to a young object"
    );
    assert_verified(&mut heap, &mut vm);
    heap.scavenge(&mut vm);
    assert_verified(&mut heap, &mut vm);
    let holder = vm.roots[0];
    assert_eq!(heap.fetch(heap.fetch(holder, 0), 0), Oop::small_int(2));
    let a = vm.roots[2];
    assert_eq!(
        heap.fetch(a, 0),
        Oop::small_int(1),
        "the root slot of b now names a"
    );
    assert_eq!(
        heap.fetch(heap.fetch(a, 1), 0),
        Oop::small_int(3),
        "z survived"
    );
    heap.full_collect(&mut vm, true);
    assert_verified(&mut heap, &mut vm);
    assert_eq!(heap.fetch(heap.fetch(vm.roots[0], 0), 0), Oop::small_int(2));
}

/// Objects of several formats and sizes, young and old, referenced from an old and a
/// young holder and from each other, swapped in random pairs between scavenges, full
/// collections (with and without compaction) and collections forced by allocation under
/// stress; the verifier runs after every step and a model checks every reference.
#[test]
fn random_swaps_between_collections_keep_every_reference_and_the_verifier_clean() {
    const N: usize = 48;
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let old_holder = heap
        .alloc_old(&mut vm, class, Format::Indexable, 0, N)
        .unwrap();
    vm.roots.push(old_holder);
    let young_holder = heap.alloc(&mut vm, class, Format::Indexable, 0, N).unwrap();
    vm.roots.push(young_holder);
    let is_bytes = |i: usize| i.is_multiple_of(4);
    for i in 0..N {
        let (format, fixed, len) = if is_bytes(i) {
            (Format::Bytes, 0, 1 + i % 5)
        } else {
            (Format::Fixed, 2 + i % 3, 0)
        };
        let o = if i % 2 == 0 {
            heap.alloc(&mut vm, class, format, fixed, len)
        } else {
            heap.alloc_old(&mut vm, class, format, fixed, len)
        }
        .unwrap();
        if is_bytes(i) {
            heap.bytes_mut(o)[0] = i as u8;
        } else {
            heap.store(o, 0, Oop::small_int(i as i64));
        }
        for h in 0..2 {
            heap.store(vm.roots[h], i, o);
        }
    }
    // link[id]: the id of the object that object `id` refers to in slot 1.
    let mut link = vec![usize::MAX; N];
    for i in (0..N).filter(|&i| !is_bytes(i)) {
        let target = (i * 7 + 2) % N;
        let (o, t) = (heap.fetch(vm.roots[0], i), heap.fetch(vm.roots[0], target));
        heap.store(o, 1, t);
        link[i] = target;
    }
    // perm[slot]: the id of the object every holder's slot names.
    let mut perm: Vec<usize> = (0..N).collect();
    let id = |heap: &cairn_gc::Heap, o: Oop| {
        if heap.format(o) == Format::Bytes {
            heap.bytes(o)[0] as usize
        } else {
            heap.fetch(o, 0).as_small_int() as usize
        }
    };
    let mut seed = 0x2545_f491_u64;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    };
    for step in 0..400 {
        match next(8) {
            0 => heap.scavenge(&mut vm),
            1 => heap.full_collect(&mut vm, step % 3 == 0),
            2 => {
                heap.set_stress_interval(1);
                for _ in 0..3 {
                    heap.alloc(&mut vm, class, Format::Fixed, 4, 0).unwrap();
                }
                heap.set_stress_interval(0);
            }
            3 => {
                // A young copy takes the place of the object in slot p (same contents,
                // so the model does not change): old referrers must be remembered.
                let p = next(N);
                let o = heap.fetch(vm.roots[0], p);
                let (format, fixed, len) = (
                    heap.format(o),
                    heap.fixed_slot_count(o),
                    heap.indexable_len(o),
                );
                let fresh = heap.alloc(&mut vm, class, format, fixed, len).unwrap();
                let o = heap.fetch(vm.roots[0], p);
                if format == Format::Bytes {
                    let bytes = heap.bytes(o).to_vec();
                    heap.bytes_mut(fresh).copy_from_slice(&bytes);
                } else {
                    for k in 0..fixed {
                        let v = heap.fetch(o, k);
                        heap.store(fresh, k, v);
                    }
                }
                heap.become_swap(o, fresh, &mut vm).unwrap();
            }
            _ => {
                let (p, q) = (next(N), next(N));
                let holder = vm.roots[next(2)];
                let (a, b) = (heap.fetch(holder, p), heap.fetch(holder, q));
                heap.become_swap(a, b, &mut vm).unwrap();
                let (x, y) = (perm[p], perm[q]);
                let swap = |v: usize| {
                    if v == x {
                        y
                    } else if v == y {
                        x
                    } else {
                        v
                    }
                };
                perm.iter_mut().for_each(|v| *v = swap(*v));
                link.iter_mut().for_each(|v| *v = swap(*v));
            }
        }
        assert_verified(&mut heap, &mut vm);
        for h in 0..2 {
            for (slot, &want) in perm.iter().enumerate() {
                let o = heap.fetch(vm.roots[h], slot);
                assert_eq!(id(&heap, o), want, "step {step}, holder {h}, slot {slot}");
                if !is_bytes(want) {
                    assert_eq!(
                        id(&heap, heap.fetch(o, 1)),
                        link[want],
                        "step {step}: link of {want}"
                    );
                }
            }
        }
    }
}
