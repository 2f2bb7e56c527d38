//! Scenario tests of the heap's basic operations against a mock VM.

mod common;

use cairn_gc::{CollectionKind, Format, Oop};
use common::{assert_verified, boot, small_config, MockVm};

#[test]
fn objects_survive_scavenges_and_full_collections_with_fields_and_hashes() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let a = heap.alloc(&mut vm, class, Format::Fixed, 3, 0).unwrap();
    vm.roots.push(a);
    let b = heap.alloc(&mut vm, class, Format::Bytes, 0, 11).unwrap();
    let a = vm.roots[0];
    heap.store(a, 0, b);
    heap.store(a, 1, Oop::small_int(-7));
    heap.store(a, 2, a);
    heap.bytes_mut(b).copy_from_slice(b"hello world");
    let hash = heap.identity_hash(a);
    let b_hash = heap.identity_hash(b);
    for step in 0..6 {
        match step % 3 {
            0 => heap.scavenge(&mut vm),
            1 => heap.full_collect(&mut vm, false),
            _ => heap.full_collect(&mut vm, true),
        }
        assert_verified(&mut heap, &mut vm);
        let a = vm.roots[0];
        let b = heap.fetch(a, 0);
        assert_eq!(heap.fetch(a, 1), Oop::small_int(-7));
        assert_eq!(heap.fetch(a, 2), a);
        assert_eq!(heap.bytes(b), b"hello world");
        assert_eq!(heap.indexable_len(b), 11);
        assert_eq!(heap.identity_hash(a), hash);
        assert_eq!(heap.identity_hash(b), b_hash);
    }
    assert!(!heap.is_young(vm.roots[0]));
}

#[test]
fn unreachable_objects_are_reclaimed() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    for _ in 0..10_000 {
        heap.alloc(&mut vm, class, Format::Indexable, 0, 20)
            .unwrap();
    }
    heap.full_collect(&mut vm, true);
    let mut count = 0;
    heap.walk(|_, _| count += 1);
    assert_eq!(count, 1, "only nil is left");
    let last = heap.stats().last().unwrap();
    assert_eq!(last.kind, CollectionKind::FullCompact);
}

#[test]
fn census_counts_live_instances_and_bytes_per_class() {
    let (mut heap, class) = boot(small_config());
    let other = heap.register_class(Oop::small_int(7)).unwrap();
    let mut vm = MockVm::default();
    for i in 0..10 {
        let o = heap.alloc(&mut vm, class, Format::Fixed, 2, 0).unwrap();
        if i % 2 == 0 {
            vm.roots.push(o);
        }
    }
    let s = heap.alloc(&mut vm, other, Format::Bytes, 0, 200).unwrap();
    vm.roots.push(s);
    let census = heap.census(&mut vm);
    let row = |c| census.iter().find(|r| r.class == c).copied().unwrap();
    // Five rooted objects of 3 words, plus nil (2 words) in the same class.
    assert_eq!((row(class).instances, row(class).bytes), (6, 5 * 24 + 16));
    assert_eq!((row(other).instances, row(other).bytes), (1, 8 + 25 * 8));
    assert_eq!(census[0].class, other, "largest first");
    assert_eq!(heap.object_bytes(Oop::small_int(3)), 0);
}

#[test]
fn bad_indices_and_formats_are_refused_without_panicking() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let old = heap
        .alloc_old(&mut vm, class, Format::Indexable, 0, 2)
        .unwrap();
    vm.roots.push(old);
    let young = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(young);
    assert_eq!(heap.try_fetch(old, 1), Some(heap.nil()));
    assert_eq!(heap.try_fetch(old, 2), None);
    assert!(!heap.try_store(old, 2, young), "index past the end");
    assert!(!heap.try_store(old, usize::MAX, young));
    assert!(!heap.is_remembered(old), "a refused store runs no barrier");
    assert!(heap.try_store(old, 1, young));
    assert_eq!(heap.try_fetch(old, 1), Some(young));
    assert!(
        heap.is_remembered(old),
        "an accepted store runs the barrier"
    );
    // Pointer objects have no raw bytes.
    assert!(heap.bytes(old).is_empty());
    assert!(heap.bytes_mut(young).is_empty());
    heap.scavenge(&mut vm);
    assert_verified(&mut heap, &mut vm);
    let (old, young) = (vm.roots[0], vm.roots[1]);
    assert_eq!(heap.try_fetch(old, 1), Some(young));
}

#[test]
fn absurd_sizes_in_the_configuration_are_errors() {
    for (nursery, segment, max) in [
        (usize::MAX, 1 << 20, usize::MAX),
        (1 << 20, usize::MAX & !4095, usize::MAX),
        (1 << 20, 1 << 20, 1 << 20),
    ] {
        let config = cairn_gc::HeapConfig {
            nursery_bytes: nursery,
            old_segment_bytes: segment,
            max_heap_bytes: max,
            ..small_config()
        };
        match cairn_gc::Heap::new(config) {
            Err(cairn_gc::HeapError::InvalidConfig(why)) => assert!(!why.is_empty()),
            Err(other) => panic!("expected a configuration error, got {other}"),
            Ok(_) => panic!("{nursery} / {segment} / {max} accepted"),
        }
    }
}
