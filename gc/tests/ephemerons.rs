//! Ephemerons: the values live while the key is reachable from outside; when the key dies
//! (even if an ephemeron value refers back to it) every slot becomes nil. Chains, where
//! one ephemeron's value is another's key, settle in either collector.

mod common;

use cairn_gc::{Format, Heap, Oop};
use common::{assert_verified, boot, small_config, MockVm};

fn ephemeron(
    heap: &mut Heap,
    vm: &mut MockVm,
    class: cairn_gc::ClassIndex,
    key: Oop,
    value: Oop,
) -> Oop {
    vm.roots.push(key);
    vm.roots.push(value);
    let e = heap.alloc(vm, class, Format::Ephemeron, 2, 0).unwrap();
    let value = vm.roots.pop().unwrap();
    let key = vm.roots.pop().unwrap();
    heap.store(e, 0, key);
    heap.store(e, 1, value);
    e
}

fn check(full: bool) {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let collect = |heap: &mut Heap, vm: &mut MockVm| {
        if full {
            heap.full_collect(vm, true)
        } else {
            heap.scavenge(vm)
        }
    };
    // e1: key k1 (rooted), value v1. e2: key = v1, value v2 (a chain through e1).
    // e3: key k3 (unrooted) whose value refers back to k3.
    let k1 = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(k1);
    let v1 = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    let k1 = vm.roots[0];
    let e1 = ephemeron(&mut heap, &mut vm, class, k1, v1);
    vm.roots.push(e1);
    let v2 = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    let v1 = heap.fetch(vm.roots[1], 1);
    let e2 = ephemeron(&mut heap, &mut vm, class, v1, v2);
    vm.roots.push(e2);
    let k3 = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(k3);
    let v3 = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    let k3 = vm.roots.pop().unwrap();
    heap.store(v3, 0, k3);
    let e3 = ephemeron(&mut heap, &mut vm, class, k3, v3);
    vm.roots.push(e3);
    if full {
        // Make the objects old first, so that the full collection decides alone.
        heap.full_collect(&mut vm, false);
    }

    collect(&mut heap, &mut vm);
    assert_verified(&mut heap, &mut vm);
    let nil = heap.nil();
    let (k1, e1, e2, e3) = (vm.roots[0], vm.roots[1], vm.roots[2], vm.roots[3]);
    assert_eq!(heap.fetch(e1, 0), k1);
    let v1 = heap.fetch(e1, 1);
    assert!(v1 != nil, "value kept while the key is rooted");
    assert_eq!(heap.fetch(e2, 0), v1, "chained key kept through e1's value");
    assert!(heap.fetch(e2, 1) != nil);
    assert_eq!(
        (heap.fetch(e3, 0), heap.fetch(e3, 1)),
        (nil, nil),
        "a key reachable only from its own value dies"
    );

    // Drop k1: e1's key dies, so does e2's key (it was only e1's value).
    vm.roots[0] = Oop::small_int(0);
    collect(&mut heap, &mut vm);
    assert_verified(&mut heap, &mut vm);
    let nil = heap.nil();
    for e in [vm.roots[1], vm.roots[2]] {
        assert_eq!((heap.fetch(e, 0), heap.fetch(e, 1)), (nil, nil));
    }
}

#[test]
fn ephemerons_in_scavenges() {
    check(false);
}

#[test]
fn ephemerons_in_full_collections() {
    check(true);
}
