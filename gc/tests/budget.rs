//! The memory budget and weak roots (`budget.rs`, `RootSet::visit_weak_roots`):
//!
//! - weak roots are dropped when their object dies (scavenge and full collection) and
//!   follow it when it moves (scavenge, compaction);
//! - the VM's external bytes count against the maximum heap size;
//! - with headroom, an exhausted heap fails promptly, the handler gets the headroom, and
//!   dropping the data ends it;
//! - marking more objects than the mark stack holds (its overflow rescan) loses none.

mod common;

use cairn_gc::{Format, Oop, RootSet};
use common::{assert_verified, boot, small_config};

/// A VM with strong roots, weak roots and external bytes.
#[derive(Default)]
struct WeakVm {
    strong: Vec<Oop>,
    /// (tag, object): the tag is what a symbol table would key by.
    weak: Vec<(i64, Oop)>,
    /// Tags of weak roots reported dead.
    dropped: Vec<i64>,
    external: usize,
}

impl RootSet for WeakVm {
    fn visit_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.strong.iter_mut().for_each(visitor)
    }

    fn visit_weak_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop) -> bool) {
        let dropped = &mut self.dropped;
        self.weak.retain_mut(|(tag, o)| {
            let alive = visitor(o);
            if !alive {
                dropped.push(*tag);
            }
            alive
        });
    }

    fn external_bytes(&self) -> usize {
        self.external
    }
}

/// Allocates a one-slot object holding `tag`, young or old.
fn tagged(
    heap: &mut cairn_gc::Heap,
    vm: &mut WeakVm,
    class: cairn_gc::ClassIndex,
    tag: i64,
    old: bool,
) -> Oop {
    let o = if old {
        heap.alloc_old(vm, class, Format::Fixed, 1, 0)
    } else {
        heap.alloc(vm, class, Format::Fixed, 1, 0)
    }
    .expect("room");
    heap.store(o, 0, Oop::small_int(tag));
    o
}

#[test]
fn weak_roots_are_dropped_when_their_object_dies_and_follow_it_when_it_moves() {
    let (mut heap, class) = boot(small_config());
    let mut vm = WeakVm::default();
    for tag in 0..200 {
        let o = tagged(&mut heap, &mut vm, class, tag, tag >= 100);
        vm.weak.push((tag, o));
        if tag % 2 == 0 {
            vm.strong.push(o);
        }
    }
    heap.scavenge(&mut vm);
    // Young odd tags died; old ones wait for a full collection.
    let young_dead: Vec<i64> = (0..100).filter(|t| t % 2 == 1).collect();
    assert_eq!(vm.dropped, young_dead);
    heap.full_collect(&mut vm, true);
    let all_dead: Vec<i64> = (0..200).filter(|t| t % 2 == 1).collect();
    assert_eq!(vm.dropped, all_dead);
    assert_eq!(vm.weak.len(), 100);
    for (i, &(tag, o)) in vm.weak.iter().enumerate() {
        assert_eq!(o, vm.strong[i], "weak root {tag} follows its object");
        assert_eq!(heap.fetch(o, 0), Oop::small_int(tag));
    }
    assert_verified(&mut heap, &mut vm);
}

#[test]
fn external_bytes_count_against_the_maximum() {
    let mut config = small_config();
    config.max_heap_bytes = 8 << 20;
    let (mut heap, class) = boot(config);
    let mut vm = WeakVm::default();
    let fill = |heap: &mut cairn_gc::Heap, vm: &mut WeakVm| {
        let mut n = 0usize;
        while let Ok(o) = heap.alloc(vm, class, Format::Indexable, 0, 500) {
            vm.strong.push(o);
            n += 1;
        }
        vm.strong.clear();
        heap.full_collect(vm, true);
        n
    };
    let without = fill(&mut heap, &mut vm);
    vm.external = 3 << 20;
    let with = fill(&mut heap, &mut vm);
    // 3 MiB of external tables leave room for about 780 fewer 4 KiB arrays.
    assert!(
        with + 600 < without,
        "{with} arrays with external bytes, {without} without"
    );
    assert!(heap.footprint() >= heap.heap_bytes() + (3 << 20));
}

#[test]
fn an_exhausted_heap_fails_promptly_and_lends_its_headroom_to_the_handler() {
    let mut config = small_config();
    config.max_heap_bytes = 16 << 20;
    config.headroom_bytes = 2 << 20;
    let (mut heap, class) = boot(config);
    let mut vm = WeakVm::default();
    let err = loop {
        match heap.alloc(&mut vm, class, Format::Indexable, 0, 30) {
            Ok(o) => vm.strong.push(o),
            Err(e) => break e,
        }
    };
    assert!(heap.in_headroom(), "{err}");
    let fulls = heap.stats().full_collections;
    assert!(
        fulls < 20,
        "{fulls} full collections before giving up: thrashing"
    );
    // The handler allocates (a trace, an exception) in the headroom.
    let mut handler = Vec::new();
    for _ in 0..1000 {
        handler.push(
            heap.alloc(&mut vm, class, Format::Indexable, 0, 30)
                .expect("headroom"),
        );
    }
    assert!(heap.footprint() <= 16 << 20);
    // Dropping the data ends the grace period at the next full collection.
    vm.strong.clear();
    heap.full_collect(&mut vm, false);
    assert!(!heap.in_headroom());
    assert_verified(&mut heap, &mut vm);
}

#[test]
fn marking_past_the_mark_stack_loses_nothing() {
    let (mut heap, class) = boot(small_config());
    let mut vm = WeakVm::default();
    // An old array of 50 000 old arrays of 3 old objects: far more than the stack holds
    // at once, both wide and nested.
    const WIDE: usize = 50_000;
    let outer = heap
        .alloc_old(&mut vm, class, Format::Indexable, 0, WIDE)
        .expect("room");
    vm.strong.push(outer);
    for i in 0..WIDE {
        let inner = heap
            .alloc_old(&mut vm, class, Format::Indexable, 0, 3)
            .expect("room");
        let outer = vm.strong[0];
        heap.store(outer, i, inner);
        for k in 0..3 {
            let leaf = tagged(&mut heap, &mut vm, class, (i * 3 + k) as i64, true);
            let inner = heap.fetch(vm.strong[0], i);
            heap.store(inner, k, leaf);
        }
    }
    heap.full_collect(&mut vm, false);
    heap.full_collect(&mut vm, true);
    let outer = vm.strong[0];
    for i in 0..WIDE {
        let inner = heap.fetch(outer, i);
        for k in 0..3 {
            let leaf = heap.fetch(inner, k);
            assert_eq!(heap.fetch(leaf, 0), Oop::small_int((i * 3 + k) as i64));
        }
    }
    assert_verified(&mut heap, &mut vm);
}
