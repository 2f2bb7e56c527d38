//! Acceptance: a young pointer stored into an old object without the write barrier is
//! reported by the verifier; the same store through the barrier verifies.

mod common;

use cairn_gc::{Format, ViolationKind};
use common::{assert_verified, boot, small_config, MockVm};

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
    assert!(violations
        .iter()
        .any(|v| v.kind == ViolationKind::UnrememberedOldToYoung && v.object == Some(old)));
    // Through the barrier the same store is fine.
    heap.store(old, 0, young);
    assert!(heap.is_remembered(old));
    assert_verified(&mut heap, &mut vm);
}

#[test]
fn verifier_reports_several_violations_at_once() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let old = heap.alloc_old(&mut vm, class, Format::Fixed, 2, 0).unwrap();
    vm.roots.push(old);
    let young = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    // A boxed form may use an immediate's class index: not a violation.
    let boxed = heap
        .alloc(
            &mut vm,
            cairn_gc::ClassIndex::SMALL_FLOAT,
            Format::Words64,
            0,
            1,
        )
        .unwrap();
    vm.roots.push(boxed);
    heap.store_without_barrier_for_tests(old, 0, young);
    // An invalid tag (0b011) in a slot.
    heap.store_without_barrier_for_tests(old, 1, cairn_gc::Oop::from_bits(0b1011));
    let violations = heap.verify(&mut vm).expect_err("two violations");
    let kinds: Vec<ViolationKind> = violations.iter().map(|v| v.kind).collect();
    assert_eq!(kinds.len(), 2, "{violations:?}");
    assert!(kinds.contains(&ViolationKind::UnrememberedOldToYoung));
    assert!(kinds.contains(&ViolationKind::BadPointer));
}

#[test]
#[should_panic(expected = "heap verification failed before a scavenge")]
fn verify_mode_stops_at_the_first_collection_after_a_missing_barrier() {
    let config = cairn_gc::HeapConfig {
        verify_collections: true,
        ..small_config()
    };
    let (mut heap, class) = boot(config);
    let mut vm = MockVm::default();
    let old = heap.alloc_old(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(old);
    // Collections with a sound heap pass the checks.
    heap.scavenge(&mut vm);
    heap.full_collect(&mut vm, true);
    let old = vm.roots[0];
    let young = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    heap.store_without_barrier_for_tests(old, 0, young);
    heap.scavenge(&mut vm);
}
