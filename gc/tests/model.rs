//! Model-based property tests: random object graphs (every format, cycles, old→young
//! stores through the barrier, weak slots, ephemerons, become:) under random sequences of
//! allocations, scavenges and full collections with and without compaction. After every
//! step the heap must match a model kept in plain Rust: same reachable shape, same field
//! values, same identity hashes; unreachable objects reclaimed (the heap walk yields
//! exactly the model's objects); weak slots and ephemerons of dead referents nil; and the
//! verifier passes.
//!
//! The model knows the collectors' liveness rules and nothing else:
//! * a full collection keeps what is strongly reachable from the roots (weak slots do
//!   not count; an ephemeron's slots count only once its key is reachable otherwise);
//! * a scavenge keeps every old object, and young objects strongly reachable from the
//!   roots or from old objects.
//!
//! Collections the heap runs on its own inside `alloc` (stress mode, eden full, old
//! space over its threshold) are detected through the statistics and applied to the
//! model the same way.

mod common;
#[path = "model/strategies.rs"]
mod strategies;

use std::collections::{HashMap, HashSet};

use cairn_gc::{ClassIndex, Format, Heap, HeapConfig, Oop};
use common::{assert_verified, boot, small_config, valid_shape, MockVm};
use proptest::prelude::*;
use strategies::{op, ops_with};

/// Root slots of the mock VM in the ordinary runs.
const ROOTS: usize = 6;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Val {
    Nil,
    Int(i64),
    Ref(usize),
}

#[derive(Clone, Debug)]
struct MObj {
    class: ClassIndex,
    format: Format,
    fixed: usize,
    slots: Vec<Val>,
    bytes: Vec<u8>,
    hash: u32,
    oop: Oop,
    pinned: bool,
}

#[derive(Clone, Copy, Debug)]
enum Sel {
    Nil,
    Int(i64),
    Obj(usize),
}

#[derive(Clone, Debug)]
enum Op {
    Alloc {
        format: Format,
        fixed: usize,
        len: usize,
        class: usize,
        root: usize,
        old: bool,
    },
    Store {
        target: usize,
        slot: usize,
        value: Sel,
    },
    SetRoot {
        root: usize,
        value: Sel,
    },
    WriteByte {
        target: usize,
        offset: usize,
        byte: u8,
    },
    Hash {
        target: usize,
    },
    Scavenge,
    Full {
        compact: bool,
    },
    Become {
        a: usize,
        b: usize,
        swap: bool,
    },
    Pin {
        target: usize,
    },
    RegisterFinalizer {
        target: usize,
    },
    TakeFinalized,
}

struct World {
    heap: Heap,
    vm: MockVm,
    classes: Vec<ClassIndex>,
    objs: HashMap<usize, MObj>,
    roots: Vec<Val>,
    next_id: usize,
    /// Objects registered for finalization, in registration order.
    registry: Vec<usize>,
    /// Objects in the heap's finalization queue, in queue order.
    finalized: Vec<usize>,
    /// Whether an allocation may fail with `OutOfMemory` (heaps near their maximum).
    allow_oom: bool,
}

impl World {
    fn new(config: HeapConfig, roots: usize) -> World {
        let (mut heap, class) = boot(config);
        let mut classes = vec![class];
        for i in 0..2 {
            classes.push(heap.register_class(Oop::small_int(2000 + i)).unwrap());
        }
        World {
            heap,
            vm: MockVm {
                roots: vec![Oop::small_int(0); roots],
            },
            classes,
            objs: HashMap::new(),
            roots: vec![Val::Int(0); roots],
            next_id: 0,
            registry: Vec::new(),
            finalized: Vec::new(),
            allow_oom: false,
        }
    }

    fn oop_of(&self, v: Val) -> Oop {
        match v {
            Val::Nil => self.heap.nil(),
            Val::Int(i) => Oop::small_int(i),
            Val::Ref(id) => self.objs[&id].oop,
        }
    }

    /// Objects reachable from the roots through any slot (weak included), by id.
    fn reachable(&self) -> Vec<usize> {
        let mut seen = HashSet::new();
        let mut stack: Vec<usize> = self
            .roots
            .iter()
            .filter_map(|v| {
                if let Val::Ref(id) = v {
                    Some(*id)
                } else {
                    None
                }
            })
            .collect();
        stack.extend(&self.finalized);
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                for v in &self.objs[&id].slots {
                    if let Val::Ref(r) = v {
                        stack.push(*r);
                    }
                }
            }
        }
        let mut v: Vec<usize> = seen.into_iter().collect();
        v.sort();
        v
    }

    /// The `selector`-th (modulo) reachable object that satisfies `filter`, if any.
    fn pick_target(&self, selector: usize, filter: impl Fn(&MObj) -> bool) -> Option<usize> {
        let r: Vec<usize> = self
            .reachable()
            .into_iter()
            .filter(|id| filter(&self.objs[id]))
            .collect();
        (!r.is_empty()).then(|| r[selector % r.len()])
    }

    fn pick(&self, sel: Sel) -> Val {
        match sel {
            Sel::Nil => Val::Nil,
            Sel::Int(i) => Val::Int(i),
            Sel::Obj(i) => {
                let r = self.reachable();
                if r.is_empty() {
                    Val::Nil
                } else {
                    Val::Ref(r[i % r.len()])
                }
            }
        }
    }

    fn counters(&self) -> (u64, u64) {
        (
            self.heap.stats().scavenges,
            self.heap.stats().full_collections,
        )
    }

    /// Applies to the model the collections the heap ran since `before`.
    fn account_for_collections(&mut self, before: (u64, u64)) {
        // A full collection starts with a scavenge of its own (tenuring everything), so
        // it is modelled as a scavenge followed by a whole-heap mark.
        let after = self.counters();
        let fulls = after.1 - before.1;
        for _ in 0..(after.0 - before.0 - fulls) {
            self.model_collect(false);
        }
        for _ in 0..fulls {
            self.model_collect(false);
            self.model_collect(true);
        }
    }

    /// The model's collection: marks what survives, clears weak and ephemeron slots of
    /// dead referents, drops the dead. Youngness comes from the objects' addresses
    /// before the collection.
    fn model_collect(&mut self, full: bool) {
        let mut marked: HashSet<usize> = HashSet::new();
        let mut stack: Vec<usize> = Vec::new();
        for v in &self.roots {
            if let Val::Ref(id) = v {
                stack.push(*id);
            }
        }
        stack.extend(&self.finalized);
        let young = |w: &World, id: usize| w.heap.is_young(w.objs[&id].oop);
        if !full {
            for id in self.objs.keys() {
                if !young(self, *id) {
                    stack.push(*id);
                }
            }
        }
        let mut deferred: Vec<usize> = Vec::new();
        self.mark(&mut marked, &mut stack, &mut deferred);
        // Unreachable registered objects are resurrected and queued in registry order.
        // An object registered twice is queued once and stays registered once: the
        // heap marks each queued object before looking at the next entry.
        let mut queued: Vec<usize> = Vec::new();
        self.registry.retain(|id| {
            if marked.contains(id) || queued.contains(id) {
                true
            } else {
                queued.push(*id);
                false
            }
        });
        stack.extend(&queued);
        self.finalized.extend(&queued);
        self.mark(&mut marked, &mut stack, &mut deferred);
        for e in deferred {
            self.objs
                .get_mut(&e)
                .unwrap()
                .slots
                .iter_mut()
                .for_each(|s| *s = Val::Nil);
        }
        self.objs.retain(|id, _| marked.contains(id));
        let live: HashSet<usize> = marked;
        for o in self.objs.values_mut() {
            if o.format == Format::Weak {
                for s in &mut o.slots[o.fixed..] {
                    if let Val::Ref(r) = s {
                        if !live.contains(r) {
                            *s = Val::Nil;
                        }
                    }
                }
            }
        }
    }

    /// Marks from `stack`, holding back ephemerons whose key is unmarked until no more
    /// keys turn up; `deferred` keeps the ephemerons still waiting.
    fn mark(&self, marked: &mut HashSet<usize>, stack: &mut Vec<usize>, deferred: &mut Vec<usize>) {
        loop {
            while let Some(id) = stack.pop() {
                if !marked.insert(id) {
                    continue;
                }
                let o = &self.objs[&id];
                let strong = match o.format {
                    Format::Weak => o.fixed,
                    Format::Ephemeron => match o.slots[0] {
                        Val::Ref(k) if !marked.contains(&k) => {
                            deferred.push(id);
                            0
                        }
                        _ => o.slots.len(),
                    },
                    _ => o.slots.len(),
                };
                for v in &o.slots[..strong] {
                    if let Val::Ref(r) = v {
                        stack.push(*r);
                    }
                }
            }
            let mut progress = false;
            for e in std::mem::take(deferred) {
                match self.objs[&e].slots[0] {
                    Val::Ref(k) if !marked.contains(&k) => deferred.push(e),
                    _ => {
                        progress = true;
                        for v in &self.objs[&e].slots {
                            if let Val::Ref(r) = v {
                                stack.push(*r);
                            }
                        }
                    }
                }
            }
            if !progress {
                return;
            }
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Alloc {
                format,
                fixed,
                len,
                class,
                root,
                old,
            } => {
                let (fixed, len) = valid_shape(format, fixed, len);
                let class = self.classes[class % self.classes.len()];
                let before = self.counters();
                let result = if old {
                    self.heap.alloc_old(&mut self.vm, class, format, fixed, len)
                } else {
                    self.heap.alloc(&mut self.vm, class, format, fixed, len)
                };
                self.account_for_collections(before);
                self.resync_after_collection(before);
                let oop = match result {
                    Ok(oop) => oop,
                    Err(e) => {
                        assert!(self.allow_oom, "the test heap has room: {e}");
                        assert!(e.heap_bytes <= e.max_heap_bytes, "{e}");
                        return;
                    }
                };
                let pointer_slots = if format.is_pointers() {
                    fixed + len
                } else if format == Format::CompiledCode {
                    fixed
                } else {
                    0
                };
                let raw = len * format.element_bytes();
                let id = self.next_id;
                self.next_id += 1;
                self.objs.insert(
                    id,
                    MObj {
                        class,
                        format,
                        fixed,
                        slots: vec![Val::Nil; pointer_slots],
                        bytes: vec![0; raw],
                        hash: 0,
                        oop,
                        pinned: false,
                    },
                );
                let root = root % self.roots.len();
                self.roots[root] = Val::Ref(id);
                self.vm.roots[root] = oop;
            }
            Op::Store {
                target,
                slot,
                value,
            } => {
                let value = self.pick(value);
                let Some(t) = self.pick_target(target, |o| !o.slots.is_empty()) else {
                    return;
                };
                let slot = slot % self.objs[&t].slots.len();
                let (toop, voop) = (self.objs[&t].oop, self.oop_of(value));
                self.heap.store(toop, slot, voop);
                self.objs.get_mut(&t).unwrap().slots[slot] = value;
            }
            Op::SetRoot { root, value } => {
                let value = self.pick(value);
                let root = root % self.roots.len();
                self.roots[root] = value;
                self.vm.roots[root] = self.oop_of(value);
            }
            Op::WriteByte {
                target,
                offset,
                byte,
            } => {
                let Some(t) = self.pick_target(target, |o| !o.bytes.is_empty()) else {
                    return;
                };
                let o = self.objs.get_mut(&t).unwrap();
                let offset = offset % o.bytes.len();
                o.bytes[offset] = byte;
                self.heap.bytes_mut(o.oop)[offset] = byte;
            }
            Op::Hash { target } => {
                let Some(id) = self.pick_target(target, |_| true) else {
                    return;
                };
                let h = self.heap.identity_hash(self.objs[&id].oop);
                let o = self.objs.get_mut(&id).unwrap();
                assert!(h != 0 && h < 1 << 22);
                if o.hash != 0 {
                    assert_eq!(o.hash, h, "identity hash changed");
                }
                o.hash = h;
            }
            Op::Scavenge => {
                let before = self.counters();
                self.heap.scavenge(&mut self.vm);
                self.account_for_collections(before);
                self.resync_after_collection(before);
            }
            Op::Full { compact } => {
                let before = self.counters();
                self.heap.full_collect(&mut self.vm, compact);
                self.account_for_collections(before);
                self.resync_after_collection(before);
            }
            Op::Pin { target } => {
                let Some(id) = self.pick_target(target, |_| true) else {
                    return;
                };
                let oop = self.objs[&id].oop;
                let pinned = self.heap.pin(oop);
                assert_eq!(
                    pinned,
                    !self.heap.is_young(oop),
                    "only old objects can be pinned"
                );
                self.objs.get_mut(&id).unwrap().pinned |= pinned;
            }
            Op::RegisterFinalizer { target } => {
                let Some(id) = self.pick_target(target, |_| true) else {
                    return;
                };
                if !self.registry.contains(&id) && !self.finalized.contains(&id) {
                    self.heap.register_finalizer(self.objs[&id].oop);
                    self.registry.push(id);
                }
            }
            Op::TakeFinalized => {
                let got = self.heap.take_finalized();
                let want: Vec<Oop> = self
                    .finalized
                    .drain(..)
                    .map(|id| self.objs[&id].oop)
                    .collect();
                assert_eq!(got, want, "finalization queue");
            }
            Op::Become { a, b, swap } => {
                let (Some(a), Some(b)) =
                    (self.pick_target(a, |_| true), self.pick_target(b, |_| true))
                else {
                    return;
                };
                let (aoop, boop) = (self.objs[&a].oop, self.objs[&b].oop);
                let map = |v: &mut Val| match *v {
                    Val::Ref(x) if x == a => *v = Val::Ref(b),
                    Val::Ref(x) if x == b && swap => *v = Val::Ref(a),
                    _ => {}
                };
                self.roots.iter_mut().for_each(map);
                self.objs
                    .values_mut()
                    .for_each(|o| o.slots.iter_mut().for_each(map));
                for list in [&mut self.registry, &mut self.finalized] {
                    for id in list.iter_mut() {
                        let mut v = Val::Ref(*id);
                        map(&mut v);
                        if let Val::Ref(n) = v {
                            *id = n;
                        }
                    }
                }
                if swap {
                    self.heap.become_swap(aoop, boop, &mut self.vm).unwrap();
                } else {
                    self.heap.become_forward(aoop, boop, &mut self.vm).unwrap();
                }
            }
        }
    }

    /// Re-learns the Oops of the model's objects after a collection moved them.
    fn resync_after_collection(&mut self, before: (u64, u64)) {
        if self.counters() == before {
            return;
        }
        // Objects the roots do not reach survive only as old objects (scavenges), whose
        // addresses did not change: they seed the walk with their known Oops.
        let reach: HashSet<usize> = self.reachable().into_iter().collect();
        let seeds: Vec<(usize, Oop)> = self
            .objs
            .iter()
            .filter(|(id, o)| !reach.contains(id) && !self.heap.is_young(o.oop))
            .map(|(id, o)| (*id, o.oop))
            .collect();
        self.pair_walk(seeds, true);
    }

    /// Walks heap and model side by side from the roots and `seeds`, checking every
    /// object's shape, fields and hash; with `learn`, records the Oops met.
    fn pair_walk(&mut self, seeds: Vec<(usize, Oop)>, learn: bool) {
        let mut seen: HashMap<usize, Oop> = HashMap::new();
        let mut by_oop: HashMap<Oop, usize> = HashMap::new();
        let mut stack: Vec<(usize, Oop)> = seeds;
        for (i, v) in self.roots.iter().enumerate() {
            let got = self.vm.roots[i];
            match *v {
                Val::Ref(id) => stack.push((id, got)),
                Val::Nil => assert_eq!(got, self.heap.nil(), "root {i}"),
                Val::Int(n) => assert_eq!(got, Oop::small_int(n), "root {i}"),
            }
        }
        let queue = self.heap.finalization_queue();
        assert_eq!(
            queue.len(),
            self.finalized.len(),
            "finalization queue length"
        );
        stack.extend(self.finalized.iter().copied().zip(queue.iter().copied()));
        assert_eq!(
            self.heap.finalizable_count(),
            self.registry.len(),
            "finalization registry length"
        );
        while let Some((id, oop)) = stack.pop() {
            if let Some(prev) = seen.get(&id) {
                assert_eq!(*prev, oop, "object {id} found at two addresses");
                continue;
            }
            if let Some(other) = by_oop.insert(oop, id) {
                panic!("objects {other} and {id} share {oop:?}");
            }
            seen.insert(id, oop);
            let o = self
                .objs
                .get(&id)
                .unwrap_or_else(|| panic!("object {id} is dead in the model but reachable"));
            let h = &self.heap;
            assert!(oop.is_ptr() && h.contains(oop), "object {id}: {oop:?}");
            assert_eq!(h.class_index(oop), o.class, "object {id}");
            assert_eq!(h.format(oop), o.format, "object {id}");
            assert_eq!(h.slot_count(oop), o.slots.len(), "object {id}");
            assert_eq!(h.peek_identity_hash(oop), o.hash, "object {id}");
            assert_eq!(h.is_pinned(oop), o.pinned, "object {id}");
            if o.pinned {
                assert_eq!(oop, o.oop, "pinned object {id} moved");
            }
            if matches!(
                o.format,
                Format::FixedIndexable
                    | Format::Weak
                    | Format::CompiledCode
                    | Format::Fixed
                    | Format::Ephemeron
            ) {
                assert_eq!(
                    h.fixed_slot_count(oop),
                    o.fixed
                        .max(if o.format == Format::Ephemeron { 1 } else { 0 })
                        .min(o.slots.len().max(o.fixed)),
                    "object {id}"
                );
            }
            if o.format.element_bytes() > 0 {
                assert_eq!(h.bytes(oop), &o.bytes[..], "object {id}");
                assert_eq!(
                    h.indexable_len(oop) * o.format.element_bytes(),
                    o.bytes.len(),
                    "object {id}"
                );
            }
            for (i, v) in o.slots.iter().enumerate() {
                let got = h.fetch(oop, i);
                match *v {
                    Val::Nil => assert_eq!(got, h.nil(), "object {id} slot {i}"),
                    Val::Int(n) => assert_eq!(got, Oop::small_int(n), "object {id} slot {i}"),
                    Val::Ref(r) => stack.push((r, got)),
                }
            }
        }
        let missing: Vec<&usize> = self
            .objs
            .keys()
            .filter(|id| !seen.contains_key(id))
            .collect();
        assert!(
            missing.is_empty(),
            "model objects not found in the heap: {missing:?}"
        );
        if learn {
            for (id, oop) in seen {
                self.objs.get_mut(&id).unwrap().oop = oop;
            }
        }
    }

    fn check(&mut self) {
        let seeds: Vec<(usize, Oop)> = self.objs.iter().map(|(id, o)| (*id, o.oop)).collect();
        self.pair_walk(seeds, false);
        // Unreachable objects were reclaimed: the heap holds exactly the model's objects
        // (plus nil).
        let mut walked = HashSet::new();
        self.heap.walk(|_, o| {
            walked.insert(o);
        });
        let nil = self.heap.nil();
        let expected: HashSet<Oop> = self.objs.values().map(|o| o.oop).chain([nil]).collect();
        assert_eq!(walked, expected, "heap objects differ from the model's");
        assert_verified(&mut self.heap, &mut self.vm);
        assert!(
            self.heap.heap_bytes() <= self.heap.config().max_heap_bytes,
            "heap of {} bytes over its maximum of {}",
            self.heap.heap_bytes(),
            self.heap.config().max_heap_bytes
        );
    }
}

fn run(config: HeapConfig, roots: usize, ops: &[Op]) {
    run_with(config, roots, ops, |_| ())
}

/// [`run`], with `prepare` applied to the world after boot.
fn run_with(config: HeapConfig, roots: usize, ops: &[Op], prepare: impl FnOnce(&mut World)) {
    // Proptest reports the failing case and its message; the default hook would also
    // print every panic met while shrinking.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .unwrap_or("");
            if msg.contains("minimal failing input") {
                default(info);
            }
        }))
    });
    let mut w = World::new(config, roots);
    prepare(&mut w);
    w.check();
    for op in ops {
        w.apply(op);
        w.check();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn heap_matches_model(ops in prop::collection::vec(op(), 1..200), tenure_age in 1u8..=3) {
        let mut config = small_config();
        config.tenure_age = tenure_age;
        config.stress_interval = 0;
        run(config, ROOTS, &ops);
    }

    #[test]
    fn heap_matches_model_in_a_tiny_heap(
        ops in prop::collection::vec(
            ops_with(prop_oneof![3 => 0usize..10, 6 => 200usize..700, 1 => 700usize..1100].boxed(), 16),
            1..400,
        ),
    ) {
        // Eden fills within a few dozen allocations, survivors overflow into old space,
        // and old space spans several segments: the collectors' own triggers and
        // multi-segment compaction get exercised.
        let config = HeapConfig {
            nursery_bytes: 64 << 10,
            old_segment_bytes: 64 << 10,
            large_object_bytes: 8 << 10,
            tenure_age: 1,
            ..small_config()
        };
        // Many roots keep enough data alive to fill several segments.
        run(config, 64, &ops);
    }

    #[test]
    fn heap_matches_model_near_the_maximum_heap_size(
        ops in prop::collection::vec(
            ops_with(prop_oneof![3 => 0usize..10, 6 => 100usize..700, 1 => 700usize..1100].boxed(), 24),
            1..300,
        ),
        segments in 1usize..10,
        refuse_after in prop::option::weighted(0.3, 0usize..6),
        tenure_age in 1u8..=3,
        stress in prop_oneof![3 => Just(0u32), 1 => 1u32..4],
    ) {
        // A tiny heap whose maximum leaves a few segments beyond the nursery (the tenure
        // reserve among them), sometimes with the "operating system" refusing further
        // mappings: scavenges must tenure more than old space has left. Allocations may
        // fail with OutOfMemory but nothing panics, the heap never passes its maximum,
        // and the model and the verifier hold after every step.
        let config = HeapConfig {
            nursery_bytes: 64 << 10,
            old_segment_bytes: 64 << 10,
            large_object_bytes: 8 << 10,
            max_heap_bytes: (64 << 10) * (1 + segments),
            tenure_age,
            stress_interval: stress,
            ..small_config()
        };
        run_with(config, 64, &ops, |w| {
            w.allow_oom = true;
            w.heap.refuse_mappings_after_for_tests(refuse_after);
        });
    }

    #[test]
    fn heap_matches_model_under_gc_stress(ops in prop::collection::vec(op(), 1..120), interval in 1u32..4) {
        let mut config = small_config();
        config.stress_interval = interval;
        config.verify_collections = true;
        run(config, ROOTS, &ops);
    }
}
