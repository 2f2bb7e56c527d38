//! Regression: a scavenge that must tenure more than old space has left, near the maximum
//! heap size or with the operating system refusing memory, never panics. The allocation
//! that cannot be served returns `OutOfMemory`, the heap never passes its maximum, live
//! data stays intact and the verifier passes; dropping data lets allocation go on.

mod common;

use cairn_gc::{ClassIndex, Format, Heap, HeapConfig, Oop, OutOfMemory};
use common::{assert_verified, boot, small_config, MockVm};

/// Elements of the arrays the tests keep alive (about 4 KiB each, young-sized).
const LEN: usize = 500;

/// A 1 MiB nursery, 256 KiB segments and room for `segments` of them besides the
/// nursery; everything surviving one scavenge is tenured.
fn tight(segments: usize) -> HeapConfig {
    HeapConfig {
        max_heap_bytes: (1 << 20) + segments * (256 << 10),
        tenure_age: 1,
        ..small_config()
    }
}

/// Allocates a rooted array stamped with `stamp` in slot 0.
fn alloc_stamped(
    heap: &mut Heap,
    vm: &mut MockVm,
    class: ClassIndex,
    stamp: i64,
) -> Result<(), OutOfMemory> {
    let o = heap.alloc(vm, class, Format::Indexable, 0, LEN)?;
    heap.store(o, 0, Oop::small_int(stamp));
    vm.roots.push(o);
    Ok(())
}

/// Every root still holds its own array, in order.
fn assert_intact(heap: &Heap, vm: &MockVm) {
    for (i, &o) in vm.roots.iter().enumerate() {
        assert_eq!(heap.indexable_len(o), LEN, "array {i}");
        assert_eq!(heap.fetch(o, 0), Oop::small_int(i as i64), "array {i}");
    }
}

fn assert_within_max(heap: &Heap) {
    assert!(
        heap.heap_bytes() <= heap.config().max_heap_bytes,
        "heap of {} bytes over its maximum of {}",
        heap.heap_bytes(),
        heap.config().max_heap_bytes
    );
}

/// Allocates rooted arrays until the heap refuses one; checks the heap on the way.
fn fill_until_out_of_memory(heap: &mut Heap, vm: &mut MockVm, class: ClassIndex) -> OutOfMemory {
    for i in 0.. {
        let stamp = vm.roots.len() as i64;
        if let Err(e) = alloc_stamped(heap, vm, class, stamp) {
            return e;
        }
        assert_within_max(heap);
        if i % 64 == 0 {
            assert_verified(heap, vm);
        }
    }
    unreachable!("the loop only ends by returning")
}

/// After an `OutOfMemory`: consistent, intact, and usable again once data is dropped.
fn assert_recovers(heap: &mut Heap, vm: &mut MockVm, class: ClassIndex) {
    assert_verified(heap, vm);
    assert_within_max(heap);
    assert_intact(heap, vm);
    let kept = vm.roots.len() / 2;
    for _ in 0..200 {
        if vm.roots.len() >= kept + 8 {
            vm.roots.truncate(kept);
        }
        let stamp = vm.roots.len() as i64;
        alloc_stamped(heap, vm, class, stamp).expect("room after dropping data");
    }
    assert_verified(heap, vm);
    assert_within_max(heap);
    assert_intact(heap, vm);
}

#[test]
fn a_roomy_heap_keeps_a_reserve_and_a_full_eden() {
    let (heap, _) = boot(small_config());
    let o = heap.occupancy();
    assert_eq!(heap.eden_budget(), o.eden_capacity);
    // A full eden and survivor space fit the reserve with a segment to spare.
    assert!(heap.tenure_reserve_bytes() > o.eden_capacity + o.survivor_capacity);
    assert_eq!(o.heap_bytes(), heap.heap_bytes());
}

#[test]
fn scavenges_that_must_tenure_past_the_maximum_end_in_out_of_memory() {
    for segments in [1, 2, 3, 5, 8] {
        let (mut heap, class) = boot(tight(segments));
        let mut vm = MockVm::default();
        let err = fill_until_out_of_memory(&mut heap, &mut vm, class);
        assert!(err.heap_bytes <= err.max_heap_bytes, "{err}");
        assert!(
            heap.stats().full_collections >= 1,
            "a full collection ran first"
        );
        assert!(heap.stats().scavenges >= 1);
        assert_recovers(&mut heap, &mut vm, class);
    }
}

#[test]
fn an_explicit_scavenge_with_more_live_young_data_than_old_room_does_not_panic() {
    let (mut heap, class) = boot(tight(6));
    let mut vm = MockVm::default();
    let eden = heap.occupancy().eden_capacity;
    // Old space full of live data, up to the point where old allocation starts to take
    // segments from the tenure reserve (eden's budget goes down with them)...
    let mut stamp = 0;
    while heap.eden_budget() == eden {
        let o = heap
            .alloc_old(&mut vm, class, Format::Indexable, 0, LEN)
            .expect("room below the reserve");
        heap.store(o, 0, Oop::small_int(stamp));
        vm.roots.push(o);
        stamp += 1;
    }
    // ...then as much live young data as eden's budget takes.
    let scavenges = heap.stats().scavenges;
    while heap.eden_budget() - heap.occupancy().eden_used >= 4096 {
        alloc_stamped(&mut heap, &mut vm, class, stamp).expect("eden has room");
        stamp += 1;
    }
    assert_eq!(heap.stats().scavenges, scavenges, "no collection so far");
    let o = heap.occupancy();
    let old_free = o.old_committed - heap.tenure_reserve_bytes() - o.old_used;
    let room = heap.config().max_heap_bytes - heap.heap_bytes();
    assert!(
        o.eden_used > old_free + room,
        "the scavenge must tenure {} bytes, old space has {old_free} free and {room} to map",
        o.eden_used
    );
    // Tenure age 1: a scavenge would tenure all of it.
    for _ in 0..3 {
        heap.scavenge(&mut vm);
        assert_within_max(&heap);
        assert_verified(&mut heap, &mut vm);
        assert_intact(&heap, &vm);
    }
    assert_eq!(heap.occupancy().eden_used, 0);
    let err = fill_until_out_of_memory(&mut heap, &mut vm, class);
    assert!(err.to_string().contains("out of memory"));
    assert_recovers(&mut heap, &mut vm, class);
}

#[test]
fn the_operating_system_refusing_memory_is_an_out_of_memory_error() {
    for maps in [0, 1, 3, 7] {
        let (mut heap, class) = boot(HeapConfig {
            max_heap_bytes: 6 << 20,
            ..small_config()
        });
        heap.refuse_mappings_after_for_tests(Some(maps));
        let mut vm = MockVm::default();
        let err = fill_until_out_of_memory(&mut heap, &mut vm, class);
        assert!(
            err.heap_bytes < err.max_heap_bytes,
            "refused by the system, not by the maximum: {err}"
        );
        assert_recovers(&mut heap, &mut vm, class);
        // Once the system gives memory again, the heap grows past the old bound.
        heap.refuse_mappings_after_for_tests(None);
        let before = heap.heap_bytes();
        let _ = fill_until_out_of_memory(&mut heap, &mut vm, class);
        assert!(heap.heap_bytes() > before);
        assert_verified(&mut heap, &mut vm);
    }
}

#[test]
fn gc_stress_near_the_maximum_keeps_the_heap_consistent() {
    let mut config = tight(3);
    config.stress_interval = 2;
    config.verify_collections = true;
    let (mut heap, class) = boot(config);
    let mut vm = MockVm::default();
    let _ = fill_until_out_of_memory(&mut heap, &mut vm, class);
    assert_recovers(&mut heap, &mut vm, class);
}
