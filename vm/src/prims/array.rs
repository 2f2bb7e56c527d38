//! Array primitives.

use cairn_gc::Oop;

use super::{def, index_arg, Fail, Kind, Prim, Table};
use crate::vm::{Vm, VmResult};

pub(super) const INSTANCE: Table = &[
    def("at:", Kind::Array, &[Kind::SmallInt], at),
    def("at:put:", Kind::Array, &[Kind::SmallInt, Kind::Any], at_put),
    def("length", Kind::Array, &[], length),
    def(
        "primReplaceFrom:to:with:startingAt:",
        Kind::Array,
        &[Kind::SmallInt, Kind::SmallInt, Kind::Array, Kind::SmallInt],
        replace_from,
    ),
];

pub(super) const CLASS: Table = &[def("new:", Kind::Class, &[Kind::SmallInt], new)];

/// First indexed slot (after named fields, for Array subclasses with fields).
fn first(vm: &Vm, a: Oop) -> usize {
    vm.heap.fixed_slot_count(a)
}

fn at(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let a = vm.receiver(argc);
    match index_arg(vm.arg(argc, 0), vm.heap.indexable_len(a)) {
        Ok(i) => Ok(Prim::Value(vm.heap.fetch(a, first(vm, a) + i))),
        Err(f) => Ok(Prim::Fail(f)),
    }
}

fn at_put(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let a = vm.receiver(argc);
    let v = vm.arg(argc, 1);
    match index_arg(vm.arg(argc, 0), vm.heap.indexable_len(a)) {
        Ok(i) => {
            let at = first(vm, a) + i;
            vm.heap.store(a, at, v);
            Ok(Prim::Value(v))
        }
        Err(f) => Ok(Prim::Fail(f)),
    }
}

/// `primReplaceFrom: start to: stop with: source startingAt: from`: elements
/// `from..from+stop-start` of `source` stored into `start..stop`, as by `at:put:` in
/// order (overlapping ranges of one Array copy as if through a buffer). `stop = start -
/// 1` copies nothing; any range outside either Array fails with SubscriptOutOfBounds.
fn replace_from(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let (a, src) = (vm.receiver(argc), vm.arg(argc, 2));
    let [start, stop, from] = [0, 1, 3].map(|i| vm.arg(argc, i).as_small_int());
    let count = stop - start + 1;
    let (dst_len, src_len) = (
        vm.heap.indexable_len(a) as i64,
        vm.heap.indexable_len(src) as i64,
    );
    if count < 0 || start < 1 || from < 1 || stop > dst_len || from - 1 + count > src_len {
        return Ok(Prim::Fail(Fail::Bounds));
    }
    let (dst_at, src_at) = (
        first(vm, a) + start as usize - 1,
        first(vm, src) + from as usize - 1,
    );
    // Copying downwards when the ranges overlap with the destination after the source.
    let backwards = a == src && dst_at > src_at;
    for k in 0..count as usize {
        let k = if backwards { count as usize - 1 - k } else { k };
        let v = vm.heap.fetch(src, src_at + k);
        vm.heap.store(a, dst_at + k, v);
    }
    Ok(Prim::Value(a))
}

pub(super) fn length(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    Ok(Prim::Value(Oop::small_int(
        vm.heap.indexable_len(vm.receiver(argc)) as i64,
    )))
}

/// Compiled code may do it inline (`prims::inline_by_class`).
pub(super) fn new(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let n = vm.arg(argc, 0);
    if !n.is_small_int() || n.as_small_int() < 0 {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let Some(c) = vm.class_index_of_class_object(vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    // Reached on another class through reflection: only classes whose instances `new`
    // may make (not Integer, Symbol, Class, metaclasses...).
    if vm.s.class(c).shape == crate::classes::Shape::Special {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let (format, fixed, len) = vm.s.class(c).instance_format(n.as_small_int() as usize);
    Ok(Prim::Value(vm.alloc(c, format, fixed, len)?))
}
