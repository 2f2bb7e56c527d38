//! Weak slots: cleared to nil when the referent dies (young referent at a scavenge, old
//! referent at a full collection), kept and updated while it lives. Named slots of a weak
//! object stay strong.

mod common;

use cairn_gc::{Format, Oop};
use common::{assert_verified, boot, small_config, MockVm};

#[test]
fn weak_slots_follow_live_referents_and_clear_dead_ones() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    // One named (strong) slot, three weak slots.
    let weak = heap.alloc(&mut vm, class, Format::Weak, 1, 3).unwrap();
    vm.roots.push(weak);
    let live = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(live);
    let dead_young = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    let strong = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    let weak = vm.roots[0];
    let live = vm.roots[1];
    assert_eq!(
        (heap.fixed_slot_count(weak), heap.indexable_len(weak)),
        (1, 3)
    );
    heap.store(weak, 0, strong);
    heap.store(weak, 1, live);
    heap.store(weak, 2, dead_young);
    heap.store(weak, 3, Oop::small_int(5));
    heap.store(live, 0, Oop::small_int(77));

    heap.scavenge(&mut vm);
    assert_verified(&mut heap, &mut vm);
    let (weak, live) = (vm.roots[0], vm.roots[1]);
    let nil = heap.nil();
    assert_eq!(
        heap.fetch(weak, 1),
        live,
        "live referent is kept and updated"
    );
    assert_eq!(heap.fetch(weak, 2), nil, "dead young referent is cleared");
    assert_eq!(
        heap.fetch(weak, 3),
        Oop::small_int(5),
        "immediates are left alone"
    );
    let strong = heap.fetch(weak, 0);
    assert!(
        strong != nil && heap.fetch(strong, 0) == nil,
        "named slots are strong"
    );

    // Tenure everything, then let the old referent die: only a full collection clears it.
    heap.full_collect(&mut vm, false);
    vm.roots.truncate(1);
    heap.scavenge(&mut vm);
    let weak = vm.roots[0];
    assert!(
        heap.fetch(weak, 1) != heap.nil(),
        "a scavenge does not collect old objects"
    );
    heap.full_collect(&mut vm, true);
    assert_verified(&mut heap, &mut vm);
    let weak = vm.roots[0];
    assert_eq!(
        heap.fetch(weak, 1),
        heap.nil(),
        "dead old referent is cleared"
    );
    assert!(heap.fetch(weak, 0) != heap.nil());
}
