//! Proptest strategies for the model test: random operations (allocations of every
//! format, stores, root changes, byte writes, hashes, collections, become:, pinning,
//! finalization) over the selectors of `super::Sel`.

use cairn_gc::Format;
use proptest::prelude::*;

use super::{Op, Sel};

fn sel() -> impl Strategy<Value = Sel> {
    prop_oneof![
        1 => Just(Sel::Nil),
        1 => (-1000i64..1000).prop_map(Sel::Int),
        5 => any::<usize>().prop_map(Sel::Obj),
    ]
}

pub(crate) fn op() -> impl Strategy<Value = Op> {
    ops_with(
        prop_oneof![12 => 0usize..10, 2 => 250usize..300, 1 => 2100usize..2200].boxed(),
        8,
    )
}

/// Operations with `len` as the distribution of indexed sizes and `alloc_weight` as the
/// weight of allocations against the other operations.
pub(crate) fn ops_with(len: BoxedStrategy<usize>, alloc_weight: u32) -> impl Strategy<Value = Op> {
    let alloc = (
        prop::sample::select(Format::ALL.to_vec()),
        0usize..4,
        len,
        0usize..3,
        any::<usize>(),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(format, fixed, len, class, root, old)| Op::Alloc {
            format,
            fixed,
            len,
            class,
            root,
            old,
        });
    prop_oneof![
        alloc_weight => alloc,
        10 => (any::<usize>(), any::<usize>(), sel()).prop_map(|(target, slot, value)| Op::Store { target, slot, value }),
        2 => (any::<usize>(), sel()).prop_map(|(root, value)| Op::SetRoot { root, value }),
        2 => (any::<usize>(), any::<usize>(), any::<u8>()).prop_map(|(target, offset, byte)| Op::WriteByte { target, offset, byte }),
        2 => any::<usize>().prop_map(|target| Op::Hash { target }),
        3 => Just(Op::Scavenge),
        2 => any::<bool>().prop_map(|compact| Op::Full { compact }),
        1 => (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(|(a, b, swap)| Op::Become { a, b, swap }),
        2 => any::<usize>().prop_map(|target| Op::Pin { target }),
        1 => any::<usize>().prop_map(|target| Op::RegisterFinalizer { target }),
        1 => Just(Op::TakeFinalized),
    ]
}
