//! Array primitives.

use cairn_gc::Oop;

use super::{index_arg, Fail, Prim, Table};
use crate::vm::{Vm, VmResult};

pub(super) const INSTANCE: Table = &[
    ("at:", at),
    ("at:put:", at_put),
    ("length", length),
    ("replaceFrom:to:with:startingAt:", replace),
];

pub(super) const CLASS: Table = &[("new:", new)];

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

fn length(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    Ok(Prim::Value(Oop::small_int(
        vm.heap.indexable_len(vm.receiver(argc)) as i64,
    )))
}

fn new(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let n = vm.arg(argc, 0);
    if !n.is_small_int() || n.as_small_int() < 0 {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let Some(c) = vm.class_index_of_class_object(vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let (format, fixed, len) = vm.s.class(c).instance_format(n.as_small_int() as usize);
    Ok(Prim::Value(vm.alloc(c, format, fixed, len)?))
}

fn replace(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let a = vm.receiver(argc);
    let (start, stop, src, from) = (
        vm.arg(argc, 0),
        vm.arg(argc, 1),
        vm.arg(argc, 2),
        vm.arg(argc, 3),
    );
    if !vm.is_array(src) || !start.is_small_int() || !stop.is_small_int() || !from.is_small_int() {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let (start, stop, from) = (
        start.as_small_int(),
        stop.as_small_int(),
        from.as_small_int(),
    );
    let n = stop - start + 1;
    if n < 0
        || start < 1
        || stop > vm.heap.indexable_len(a) as i64
        || from < 1
        || from + n - 1 > vm.heap.indexable_len(src) as i64
    {
        return Ok(Prim::Fail(Fail::Bounds));
    }
    let values: Vec<Oop> = (0..n as usize)
        .map(|k| vm.heap.fetch(src, first(vm, src) + from as usize - 1 + k))
        .collect();
    let base = first(vm, a) + start as usize - 1;
    for (k, v) in values.into_iter().enumerate() {
        vm.heap.store(a, base + k, v);
    }
    Ok(Prim::Value(a))
}
