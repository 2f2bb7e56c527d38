//! Acceptance: an allocation past the maximum heap size returns `OutOfMemory` (no abort),
//! and allocation goes on once a collection frees room.

mod common;

use cairn_gc::Format;
use common::{assert_verified, boot, small_config, MockVm};

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
    // 4 MiB minus a 1 MiB nursery leaves about 3 MiB of old space for 4 KiB arrays.
    assert!(count * 4016 >= 2 << 20, "only {count} arrays fit");
    assert!(err.to_string().contains("out of memory"));
    assert_eq!(heap.stats().out_of_memory, 1);
    assert!(
        heap.stats().full_collections >= 1,
        "a full collection ran before giving up"
    );
    assert_verified(&mut heap, &mut vm);
    for &o in &vm.roots {
        assert_eq!(heap.indexable_len(o), 500, "live data is intact");
    }
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

#[test]
fn oversized_requests_fail_without_touching_the_heap() {
    let mut config = small_config();
    config.max_heap_bytes = 4 << 20;
    let (mut heap, class) = boot(config);
    let mut vm = MockVm::default();
    // A large object bigger than the whole heap: refused after a collection.
    let err = heap
        .alloc(&mut vm, class, Format::Bytes, 0, 8 << 20)
        .unwrap_err();
    assert_eq!(err.max_heap_bytes, 4 << 20);
    assert!(err.requested_bytes >= 8 << 20);
    // A shape too large to encode at all (Array new: 2^50).
    let err = heap
        .alloc(&mut vm, class, Format::Indexable, 0, 1 << 50)
        .unwrap_err();
    assert_eq!(err.requested_bytes, usize::MAX);
    assert!(err.to_string().contains("too large"));
    assert_eq!(heap.stats().out_of_memory, 2);
    // The heap is unharmed and a large object that fits is fine.
    let ok = heap
        .alloc(&mut vm, class, Format::Bytes, 0, 1 << 20)
        .unwrap();
    vm.roots.push(ok);
    assert_eq!(heap.indexable_len(ok), 1 << 20);
    assert_verified(&mut heap, &mut vm);
}
