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
