//! Object layouts through the public API: immediates' classes and hashes, compiled code
//! (literals then bytes), word formats, prefix words, large objects, pinning, handles,
//! and the eden fast path running out.

mod common;

use cairn_gc::{ClassIndex, Format, Oop};
use common::{assert_verified, boot, small_config, MockVm};

#[test]
fn immediates_have_fixed_classes_and_value_hashes() {
    let (mut heap, _) = boot(small_config());
    assert_eq!(
        heap.class_index(Oop::small_int(-3)),
        ClassIndex::SMALL_INTEGER
    );
    assert_eq!(heap.class_index(Oop::from_char(97)), ClassIndex::CHARACTER);
    assert_eq!(
        heap.class_index(Oop::try_from_f64(2.5).unwrap()),
        ClassIndex::SMALL_FLOAT
    );
    assert_eq!(heap.identity_hash(Oop::small_int(12)), 12);
    assert_eq!(heap.identity_hash(Oop::from_char(97)), 97);
    assert!(heap.is_immutable(Oop::small_int(1)));
}

#[test]
fn compiled_code_and_word_formats_keep_exact_lengths_across_moves() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let code = heap
        .alloc(&mut vm, class, Format::CompiledCode, 3, 13)
        .unwrap();
    vm.roots.push(code);
    let w32 = heap.alloc(&mut vm, class, Format::Words32, 0, 5).unwrap();
    vm.roots.push(w32);
    let w16 = heap.alloc(&mut vm, class, Format::Words16, 0, 7).unwrap();
    vm.roots.push(w16);
    let w64 = heap.alloc(&mut vm, class, Format::Words64, 0, 2).unwrap();
    vm.roots.push(w64);
    let big = heap
        .alloc(&mut vm, class, Format::FixedIndexable, 2, 300)
        .unwrap();
    vm.roots.push(big);
    let [code, w32, w16, w64, big] = [0, 1, 2, 3, 4].map(|i| vm.roots[i]);
    assert_eq!(
        (
            heap.slot_count(code),
            heap.indexable_len(code),
            heap.bytes(code).len()
        ),
        (3, 13, 13)
    );
    heap.store(code, 2, w64);
    heap.bytes_mut(code).copy_from_slice(b"0123456789abc");
    heap.words32_mut(w32)
        .copy_from_slice(&[1, 2, 3, 4, u32::MAX]);
    heap.words16_mut(w16).copy_from_slice(&[7; 7]);
    heap.words64_mut(w64).copy_from_slice(&[u64::MAX, 42]);
    assert_eq!(
        (
            heap.fixed_slot_count(big),
            heap.indexable_len(big),
            heap.slot_count(big)
        ),
        (2, 300, 302)
    );
    heap.store(big, 301, code);
    for compact in [false, true] {
        heap.scavenge(&mut vm);
        heap.full_collect(&mut vm, compact);
        assert_verified(&mut heap, &mut vm);
    }
    let [code, w32, w16, w64, big] = [0, 1, 2, 3, 4].map(|i| vm.roots[i]);
    assert_eq!(heap.bytes(code), b"0123456789abc");
    assert_eq!(heap.fetch(code, 2), w64);
    // SAFETY: slot 2 exists (three literals).
    assert_eq!(unsafe { heap.fetch_unchecked(code, 2) }, w64);
    // SAFETY: as above.
    unsafe { heap.store_unchecked(code, 1, Oop::small_int(5)) };
    assert_eq!(heap.fetch(code, 1), Oop::small_int(5));
    assert_eq!(heap.words32(w32), &[1, 2, 3, 4, u32::MAX]);
    assert_eq!(heap.words16(w16), &[7; 7]);
    assert_eq!(heap.words64(w64), &[u64::MAX, 42]);
    assert_eq!(heap.bytes(w16).len(), 14);
    assert_eq!(heap.fetch(big, 301), code);
    assert_eq!(heap.format(code), Format::CompiledCode);
}

#[test]
fn large_and_pinned_objects_do_not_move() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let large = heap
        .alloc(&mut vm, class, Format::Bytes, 0, 100_000)
        .unwrap();
    vm.roots.push(large);
    assert!(!heap.is_young(large));
    assert_eq!(heap.occupancy().large_objects, 1);
    let young = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    assert!(!heap.pin(young), "young objects cannot be pinned");
    // Garbage before the pinned object so that compaction would slide it.
    for _ in 0..50 {
        heap.alloc_old(&mut vm, class, Format::Indexable, 0, 30)
            .unwrap();
    }
    let pinned = heap.alloc_old(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(pinned);
    assert!(heap.pin(pinned));
    let slid = heap.alloc_old(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(slid);
    heap.full_collect(&mut vm, true);
    assert_verified(&mut heap, &mut vm);
    assert_eq!(vm.roots[0], large);
    assert_eq!(vm.roots[1], pinned);
    assert!(heap.is_pinned(pinned));
    vm.roots.truncate(1);
    heap.unpin(pinned);
    heap.full_collect(&mut vm, true);
    assert_eq!(heap.occupancy().large_objects, 1);
    vm.roots.clear();
    heap.full_collect(&mut vm, true);
    assert_eq!(
        heap.occupancy().large_objects,
        0,
        "a dead large object gives its segment back"
    );
}

#[test]
fn handles_are_roots_and_scopes_release_them() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let mark = heap.handle_mark();
    let o = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    let h = heap.handles_mut().push(o);
    heap.store(o, 0, Oop::small_int(11));
    heap.scavenge(&mut vm);
    heap.full_collect(&mut vm, true);
    let o = heap.handles().get(h);
    assert_eq!(heap.fetch(o, 0), Oop::small_int(11));
    heap.handle_release(mark);
    assert!(heap.handles().is_empty());
    heap.full_collect(&mut vm, true);
    let mut n = 0;
    heap.walk(|_, _| n += 1);
    assert_eq!(n, 1, "released handles no longer keep objects");
}

#[test]
fn the_fast_path_gives_up_when_eden_is_full_and_the_slow_path_recovers() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let mut n = 0usize;
    while heap.try_alloc(class, Format::Fixed, 4, 0).is_some() {
        n += 1;
    }
    let eden = heap.occupancy().eden_capacity;
    assert!(
        n * 40 <= eden && n * 40 > eden - 40,
        "{n} objects in {eden} bytes"
    );
    let cursor = heap.alloc_cursor_ptr() as usize;
    assert!(cursor != 0);
    heap.alloc(&mut vm, class, Format::Fixed, 4, 0).unwrap();
    assert_eq!(heap.stats().scavenges, 1);
    assert!(heap.try_alloc(class, Format::Fixed, 4, 0).is_some());
    let info = heap.barrier_info();
    let young = heap.try_alloc(class, Format::Fixed, 4, 0).unwrap();
    assert!((young.bits() as usize).wrapping_sub(info.nursery_start) < info.nursery_size);
}

#[test]
fn a_young_nil_in_old_objects_is_remembered() {
    let mut heap = cairn_gc::Heap::new(small_config()).unwrap();
    let class = heap.register_class(Oop::small_int(1)).unwrap();
    let mut vm = MockVm::default();
    let nil = heap.alloc(&mut vm, class, Format::Zero, 0, 0).unwrap();
    heap.set_nil(nil);
    assert!(heap.is_young(heap.nil()));
    let old = heap
        .alloc_old(&mut vm, class, Format::Indexable, 0, 3)
        .unwrap();
    vm.roots.push(old);
    assert!(heap.is_remembered(old));
    assert_verified(&mut heap, &mut vm);
    heap.scavenge(&mut vm);
    assert_verified(&mut heap, &mut vm);
    assert_eq!(heap.fetch(vm.roots[0], 2), heap.nil());
}
