//! Eden's minimum budget (`budget.rs`): near the maximum heap size eden never runs below
//! an eighth of itself outside grace. Either a compacting collection gives the tenure
//! reserve back or the heap is judged exhausted and the allocation fails promptly,
//! instead of scavenging every few allocations (each one rescanning a large remembered
//! array) for minutes.

mod common;

use cairn_gc::{ClassIndex, Format, Heap, HeapConfig, Oop, OutOfMemory, RootSet};
use common::{assert_verified, boot};
use proptest::prelude::*;

/// A VM with strong roots and external bytes (symbol tables, stacks).
struct Vm {
    roots: Vec<Oop>,
    external: usize,
}

impl RootSet for Vm {
    fn visit_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.roots.iter_mut().for_each(visitor)
    }

    fn external_bytes(&self) -> usize {
        self.external
    }
}

/// What a fill cost before its first `OutOfMemory`.
#[derive(Debug)]
struct Fill {
    stored: usize,
    bytes: usize,
    scavenges: u64,
    fulls: u64,
}

/// A heap as `cairn --max-heap max` makes it, with a rooted old Array of `slots`.
fn heap_with_holder(max: usize, external: usize, slots: usize) -> (Heap, ClassIndex, Vm) {
    let config = HeapConfig {
        hash_seed: Some(7),
        ..HeapConfig::without_env().with_max_heap(max)
    };
    let (mut heap, class) = boot(config);
    let mut vm = Vm {
        roots: Vec::new(),
        external,
    };
    let holder = heap
        .alloc_old(&mut vm, class, Format::Indexable, 0, slots)
        .expect("room for the holder");
    vm.roots.push(holder);
    (heap, class, vm)
}

/// Allocates young objects of `len + 1` slots (cycling through `lens`) until the heap
/// refuses one; checks eden's budget after every allocation. Each object is stored in
/// the holder (slot `i` modulo its size: old-to-young stores, garbage once overwritten);
/// every `keep_every`-th is also linked into a list that keeps it alive.
fn fill_until_refused(
    heap: &mut Heap,
    vm: &mut Vm,
    class: ClassIndex,
    lens: &[usize],
    keep_every: usize,
) -> (Fill, OutOfMemory) {
    let (s0, f0) = (heap.stats().scavenges, heap.stats().full_collections);
    let slots = heap.indexable_len(vm.roots[0]);
    vm.roots.truncate(1);
    vm.roots.push(heap.nil());
    let mut bytes = 0;
    for i in 0.. {
        let len = lens[i % lens.len()] + 1;
        let o = match heap.alloc(vm, class, Format::Indexable, 0, len) {
            Ok(o) => o,
            Err(e) => {
                let fill = Fill {
                    stored: i,
                    bytes,
                    scavenges: heap.stats().scavenges - s0,
                    fulls: heap.stats().full_collections - f0,
                };
                return (fill, e);
            }
        };
        bytes += 8 * (len + 1);
        heap.store(vm.roots[0], i % slots, o);
        if i % keep_every == 0 {
            heap.store(o, 0, vm.roots[1]);
            vm.roots[1] = o;
        }
        assert!(
            heap.eden_budget() >= (heap.occupancy().eden_capacity / 8),
            "allocation {i}: eden's budget {} is below its minimum {}",
            heap.eden_budget(),
            (heap.occupancy().eden_capacity / 8)
        );
        assert!(!heap.in_headroom(), "grace began without an OutOfMemory");
    }
    unreachable!("the loop only ends by returning")
}

#[test]
fn a_heap_with_a_large_remembered_array_fails_promptly_near_its_maximum() {
    // `cairn eval --max-heap 8M`: `holder := Array new: 200000`, then
    // `holder at: n put: (Array new: 0)` until OutOfMemory. Before eden had a minimum
    // budget this took 31 000 scavenges and 98 full collections, each scavenge
    // rescanning the holder.
    let (mut heap, class, mut vm) = heap_with_holder(8 << 20, 1 << 20, 200_000);
    let (fill, err) = fill_until_refused(&mut heap, &mut vm, class, &[0], 1);
    assert!(fill.stored > 40_000, "{fill:?}: {err}");
    assert!(
        fill.scavenges < 50 && fill.fulls < 5,
        "{fill:?}: thrashing before {err}"
    );
    assert!(heap.in_headroom());
    assert_verified(&mut heap, &mut vm);
}

#[test]
fn the_handler_gets_the_headroom_and_dropping_the_data_restores_eden() {
    let (mut heap, class, mut vm) = heap_with_holder(8 << 20, 1 << 20, 200_000);
    let (fill, _) = fill_until_refused(&mut heap, &mut vm, class, &[0], 1);
    let fulls = heap.stats().full_collections;
    // The handler: an exception, a stack trace's strings.
    let mut handler = Vec::new();
    for i in 0..200 {
        let o = heap
            .alloc(&mut vm, class, Format::Indexable, 0, 4)
            .unwrap_or_else(|e| panic!("handler allocation {i} in the headroom: {e}"));
        handler.push(o);
    }
    vm.roots.extend(handler);
    assert!(
        heap.stats().full_collections - fulls <= 1,
        "the handler's allocations collect again and again"
    );
    assert!(heap.footprint() <= 8 << 20);
    // The program drops its data: the next full collection ends grace and gives eden
    // back in full.
    vm.roots.truncate(1);
    for i in 0..fill.stored.min(200_000) {
        heap.store(vm.roots[0], i, heap.nil());
    }
    heap.full_collect(&mut vm, false);
    assert!(!heap.in_headroom());
    assert!(heap.eden_budget() >= (heap.occupancy().eden_capacity / 8));
    let (again, _) = fill_until_refused(&mut heap, &mut vm, class, &[0], 1);
    assert!(again.stored > 40_000, "{again:?}");
    assert_verified(&mut heap, &mut vm);
}

#[test]
fn without_headroom_a_starved_eden_serves_from_old_space_without_scavenging() {
    // `headroom_bytes = 0` never judges the heap exhausted: allocation goes on in old
    // space while it fits, but no longer with a scavenge per allocation.
    let config = HeapConfig {
        headroom_bytes: 0,
        hash_seed: Some(7),
        ..HeapConfig::without_env().with_max_heap(8 << 20)
    };
    let (mut heap, class) = boot(config);
    let mut vm = Vm {
        roots: Vec::new(),
        external: 1 << 20,
    };
    let holder = heap
        .alloc_old(&mut vm, class, Format::Indexable, 0, 200_000)
        .expect("room");
    vm.roots.push(holder);
    let mut stored = 0;
    while stored < 199_999 {
        match heap.alloc(&mut vm, class, Format::Indexable, 0, 0) {
            Ok(o) => heap.store(vm.roots[0], stored, o),
            Err(_) => break,
        }
        stored += 1;
    }
    let s = heap.stats();
    assert!(stored > 100_000, "{stored} stored");
    assert!(
        s.scavenges < 100 && s.full_collections < 20,
        "{stored} stored with {} scavenges and {} full collections",
        s.scavenges,
        s.full_collections
    );
    assert!(heap.footprint() <= 8 << 20);
    assert_verified(&mut heap, &mut vm);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any budget, external load, holder size and mix of young objects: outside grace
    /// eden's budget never drops below its minimum, the fill ends in `OutOfMemory`
    /// within the maximum, and collections before it are paid for by eighths of eden.
    #[test]
    fn eden_never_runs_below_its_minimum_outside_grace(
        max_mib in 6usize..24,
        external_kib in 0usize..1536,
        slots in 20_000usize..120_000,
        lens in proptest::collection::vec(0usize..40, 1..4),
        keep_every in 1usize..4,
    ) {
        let (mut heap, class, mut vm) = heap_with_holder(max_mib << 20, external_kib << 10, slots);
        let (fill, err) = fill_until_refused(&mut heap, &mut vm, class, &lens, keep_every);
        prop_assert!(heap.in_headroom(), "{:?}: {}", fill, err);
        prop_assert!(heap.footprint() <= max_mib << 20);
        let eighths = (fill.bytes / (heap.occupancy().eden_capacity / 8)) as u64;
        prop_assert!(
            fill.scavenges + fill.fulls <= eighths + 12,
            "{:?}: {} collections for {} eighths of eden", fill, fill.scavenges + fill.fulls, eighths
        );
        assert_verified(&mut heap, &mut vm);
    }
}
