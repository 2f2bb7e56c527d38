//! Finalization: an unreachable registered object is kept alive with everything it
//! references, queued once, and dies normally after the VM drops it.

mod common;

use cairn_gc::{Format, Oop};
use common::{assert_verified, boot, small_config, MockVm};

#[test]
fn unreachable_registered_objects_are_queued_once_then_collected() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let young = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(young);
    let old = heap.alloc_old(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(old);
    let payload = heap.alloc(&mut vm, class, Format::Bytes, 0, 3).unwrap();
    heap.bytes_mut(payload).copy_from_slice(b"abc");
    let (young, old) = (vm.roots[0], vm.roots[1]);
    heap.store(young, 0, payload);
    heap.store(old, 0, Oop::small_int(9));
    heap.register_finalizer(young);
    heap.register_finalizer(old);
    let hash = heap.identity_hash(young);

    heap.scavenge(&mut vm);
    assert!(
        heap.take_finalized().is_empty(),
        "reachable objects are not finalized"
    );
    vm.roots.clear();
    heap.scavenge(&mut vm);
    assert_verified(&mut heap, &mut vm);
    let queued = heap.take_finalized();
    assert_eq!(queued.len(), 1, "the scavenge finds the young one only");
    assert_eq!(heap.identity_hash(queued[0]), hash);
    let payload = heap.fetch(queued[0], 0);
    assert_eq!(
        heap.bytes(payload),
        b"abc",
        "what it references survives too"
    );

    heap.full_collect(&mut vm, false);
    let queued_old = heap.take_finalized();
    assert_eq!(queued_old.len(), 1);
    assert_eq!(heap.fetch(queued_old[0], 0), Oop::small_int(9));
    assert_eq!(heap.finalizable_count(), 0);

    heap.full_collect(&mut vm, true);
    assert!(heap.take_finalized().is_empty(), "queued once only");
    let mut objects = 0;
    heap.walk(|_, _| objects += 1);
    assert_eq!(
        objects, 1,
        "only nil is left once the VM dropped the queued objects"
    );
}
