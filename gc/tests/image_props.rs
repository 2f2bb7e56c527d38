//! Property tests of image files: random object graphs (every format, sharing, cycles,
//! young and old, large, hashed, pinned, immutable objects) round-trip to the same graph
//! and save again to the same bytes; a flipped bit or a truncation anywhere is refused
//! with the error its position calls for; and random corruptions with a recomputed
//! checksum never panic: either the loader refuses them or the heap it hands out passes
//! the verifier and survives a full collection.

mod common;
#[path = "image/graph.rs"]
mod graph;

use cairn_gc::image::{self, ImageError};
use cairn_gc::{ClassIndex, Format, Heap, Oop};
use common::{assert_verified, boot, small_config, valid_shape, MockVm};
use graph::{assert_same_graph, save};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Node {
    format: Format,
    fixed: usize,
    len: usize,
    class: usize,
    old: bool,
    hash: bool,
    pin: bool,
    immutable: bool,
    fill: u8,
}

#[derive(Clone, Copy, Debug)]
enum Val {
    Nil,
    Int(i64),
    Char(u32),
    Obj(usize),
}

#[derive(Clone, Debug)]
struct Graph {
    nodes: Vec<Node>,
    stores: Vec<(usize, usize, Val)>,
    roots: Vec<usize>,
}

fn node() -> impl Strategy<Value = Node> {
    let len = prop_oneof![12 => 0usize..10, 2 => 250usize..300, 1 => 2100usize..2200];
    (
        prop::sample::select(Format::ALL.to_vec()),
        0usize..4,
        len,
        0usize..3,
        prop::bool::weighted(0.3),
        any::<bool>(),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.1),
        any::<u8>(),
    )
        .prop_map(
            |(format, fixed, len, class, old, hash, pin, immutable, fill)| {
                let (fixed, len) = valid_shape(format, fixed, len);
                Node {
                    format,
                    fixed,
                    len,
                    class,
                    old,
                    hash,
                    pin,
                    immutable,
                    fill,
                }
            },
        )
}

fn val() -> impl Strategy<Value = Val> {
    prop_oneof![
        1 => Just(Val::Nil),
        1 => (-1000i64..1000).prop_map(Val::Int),
        1 => (0u32..0x11_0000).prop_map(Val::Char),
        6 => any::<usize>().prop_map(Val::Obj),
    ]
}

fn graph() -> impl Strategy<Value = Graph> {
    (
        prop::collection::vec(node(), 1..40),
        prop::collection::vec((any::<usize>(), any::<usize>(), val()), 0..120),
        prop::collection::vec(any::<usize>(), 1..6),
    )
        .prop_map(|(nodes, stores, roots)| Graph {
            nodes,
            stores,
            roots,
        })
}

/// The heap the graph describes and the image roots it names.
fn build(g: &Graph) -> (Heap, Vec<Oop>) {
    let (mut heap, first) = boot(small_config());
    let classes = [
        first,
        heap.register_class(Oop::small_int(2001)).unwrap(),
        heap.register_class(Oop::small_int(2002)).unwrap(),
    ];
    let mut vm = MockVm::default();
    for n in &g.nodes {
        let class: ClassIndex = classes[n.class];
        let o = if n.old {
            heap.alloc_old(&mut vm, class, n.format, n.fixed, n.len)
        } else {
            heap.alloc(&mut vm, class, n.format, n.fixed, n.len)
        }
        .expect("a small graph fits");
        for (k, b) in heap.bytes_mut(o).iter_mut().enumerate() {
            *b = n.fill.wrapping_add(k as u8);
        }
        if n.hash {
            heap.identity_hash(o);
        }
        if n.pin {
            heap.pin(o);
        }
        vm.roots.push(o);
    }
    let objs = vm.roots.clone();
    for &(target, slot, v) in &g.stores {
        let t = objs[target % objs.len()];
        let count = heap.slot_count(t);
        if count == 0 {
            continue;
        }
        let value = match v {
            Val::Nil => heap.nil(),
            Val::Int(i) => Oop::small_int(i),
            Val::Char(c) => Oop::from_char(c),
            Val::Obj(i) => objs[i % objs.len()],
        };
        heap.store(t, slot % count, value);
    }
    for (n, &o) in g.nodes.iter().zip(&objs) {
        if n.immutable {
            heap.set_immutable(o, true);
        }
    }
    let roots = g.roots.iter().map(|&i| objs[i % objs.len()]).collect();
    (heap, roots)
}

fn saved(g: &Graph) -> Vec<u8> {
    let (mut heap, mut roots) = build(g);
    save(&mut heap, &mut roots, b"{\"props\":true}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_graphs_round_trip(g in graph()) {
        let (mut heap, mut roots) = build(&g);
        let bytes = save(&mut heap, &mut roots, b"m");
        let mut loaded = image::load(&bytes, small_config()).expect("a saved image loads");
        assert_same_graph(&heap, &roots, &loaded.heap, &loaded.roots);
        let again = save(&mut loaded.heap, &mut loaded.roots, b"m");
        prop_assert!(again == bytes, "the loaded heap saves to the same bytes");
    }

    #[test]
    fn flipped_bits_are_refused(g in graph(), flips in prop::collection::vec((any::<usize>(), 0u8..8), 1..12)) {
        let bytes = saved(&g);
        for (at, bit) in flips {
            let at = at % bytes.len();
            let mut bad = bytes.clone();
            bad[at] ^= 1 << bit;
            let e = image::load(&bad, small_config()).err();
            let expected = match at {
                0..=7 => matches!(e, Some(ImageError::NotAnImage)),
                8..=11 => matches!(e, Some(ImageError::Version { .. })),
                12..=15 => matches!(e, Some(ImageError::WordSize { .. })),
                16..=23 => matches!(e, Some(ImageError::Truncated { .. } | ImageError::Inconsistent(_))),
                _ => matches!(e, Some(ImageError::Checksum)),
            };
            prop_assert!(expected, "flip of bit {} at {}: {:?}", bit, at, e);
        }
    }

    #[test]
    fn truncations_are_refused(g in graph(), cuts in prop::collection::vec(any::<usize>(), 1..12)) {
        let bytes = saved(&g);
        for cut in cuts {
            let len = cut % bytes.len();
            let e = image::load(&bytes[..len], small_config()).err();
            prop_assert!(matches!(e, Some(ImageError::Truncated { found, .. }) if found == len as u64), "cut to {}: {:?}", len, e);
        }
    }

    #[test]
    fn resealed_corruptions_never_panic(g in graph(), edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut bytes = saved(&g);
        for (at, x) in edits {
            // Past the fixed fields, so the loader gets beyond the header checks.
            let at = 24 + at % (bytes.len() - 24);
            bytes[at] ^= x.max(1);
        }
        image::reseal(&mut bytes);
        if let Ok(mut loaded) = image::load(&bytes, small_config()) {
            let mut vm = MockVm { roots: loaded.roots.clone() };
            loaded.heap.full_collect(&mut vm, true);
            assert_verified(&mut loaded.heap, &mut vm);
        }
    }
}
