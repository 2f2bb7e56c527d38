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
fn verifier_reports_a_store_that_bypassed_the_barrier() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let old = heap.alloc_old(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(old);
    let young = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(young);
    assert!(heap.is_young(young) && !heap.is_young(old));
    heap.store_without_barrier_for_tests(old, 0, young);
    let violations = heap
        .verify(&mut vm)
        .expect_err("the missing barrier must be reported");
    assert!(violations.iter().any(
        |v| v.kind == cairn_gc::ViolationKind::UnrememberedOldToYoung && v.object == Some(old)
    ));
    // Through the barrier the same store is fine.
    heap.store(old, 0, young);
    assert!(heap.is_remembered(old));
    assert_verified(&mut heap, &mut vm);
}

#[test]
fn out_of_memory_is_an_error_and_the_heap_recovers() {
    let mut config = small_config();
    config.max_heap_bytes = 4 << 20;
    let (mut heap, class) = boot(config);
    let mut vm = MockVm::default();
    let mut failed = None;
    for i in 0..100_000 {
        match heap.alloc(&mut vm, class, Format::Indexable, 0, 500) {
            Ok(o) => vm.roots.push(o),
            Err(e) => {
                failed = Some((i, e));
                break;
            }
        }
    }
    let (count, err) = failed.expect("the heap must run out");
    assert!(count > 100, "only {count} arrays fit");
    assert!(err.to_string().contains("out of memory"));
    assert!(heap.heap_bytes() <= 4 << 20 || heap.stats().out_of_memory > 0);
    assert_verified(&mut heap, &mut vm);
    // Dropping the roots frees room: allocation goes on.
    vm.roots.truncate(10);
    for _ in 0..1000 {
        let o = heap
            .alloc(&mut vm, class, Format::Indexable, 0, 500)
            .expect("room after a collection");
        vm.roots.push(o);
        if vm.roots.len() > 50 {
            vm.roots.truncate(10);
        }
    }
    assert_verified(&mut heap, &mut vm);
}
