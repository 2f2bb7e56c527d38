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
