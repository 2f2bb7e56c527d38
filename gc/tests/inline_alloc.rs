//! The JIT's contract, exercised from Rust: allocate by bumping the cursor behind
//! `alloc_cursor_ptr`, write the words `ObjectLayout` gives, and check the result is an
//! object like any other; then run the inline barrier test from `barrier_info`.

mod common;

use cairn_gc::{Format, ObjectLayout, Oop};
use common::{assert_verified, boot, small_config, MockVm};

#[test]
fn inline_bump_allocation_and_barrier_test_match_the_heap() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    let nil = heap.nil();
    let layout = ObjectLayout::new(Format::FixedIndexable, 1, 2).unwrap();
    assert!(
        layout.prefix_word().is_some(),
        "fixed + indexable carries a prefix word"
    );
    let (cursor, limit) = (heap.alloc_cursor_ptr(), heap.alloc_limit_ptr());
    // SAFETY: what JIT code does between calls into the heap: read cursor and limit,
    // claim the bytes, write prefix, header and body.
    let oop = unsafe {
        let start = *cursor;
        assert!(start + layout.total_bytes <= *limit);
        *cursor = start + layout.total_bytes;
        let mut at = start as *mut u64;
        if let Some(prefix) = layout.prefix_word() {
            at.write(prefix);
            at = at.add(1);
        }
        at.write(layout.header_word(class));
        for i in 0..layout.body_words.max(1) {
            let v = if i < layout.pointer_slots {
                nil.bits()
            } else {
                0
            };
            at.add(1 + i).write(v);
        }
        Oop::from_bits(at as u64)
    };
    vm.roots.push(oop);
    assert_verified(&mut heap, &mut vm);
    assert_eq!(
        (heap.fixed_slot_count(oop), heap.indexable_len(oop)),
        (1, 2)
    );
    assert_eq!(heap.class_index(oop), class);

    // The inline barrier test agrees with the heap's barrier.
    let info = heap.barrier_info();
    let young = |v: Oop| {
        v.bits() & 7 == 0
            && (v.bits() as usize).wrapping_sub(info.nursery_start) < info.nursery_size
    };
    let old = heap.alloc_old(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    vm.roots.push(old);
    let oop = vm.roots[0];
    assert!(young(oop) && !young(old) && !young(Oop::small_int(1)));
    // SAFETY: `old` is a live object; its header word is at its address.
    let header = unsafe { *(old.bits() as *const u64) };
    let needs_slow_path = young(oop) && !young(old) && header & info.remembered_bit == 0;
    assert!(needs_slow_path);
    heap.store(old, 0, oop);
    // SAFETY: as above.
    let header = unsafe { *(old.bits() as *const u64) };
    assert!(
        header & info.remembered_bit != 0,
        "the slow path set the flag the test reads"
    );
    heap.scavenge(&mut vm);
    assert_verified(&mut heap, &mut vm);
    assert_eq!(heap.fetch(vm.roots[1], 0), vm.roots[0]);
}
