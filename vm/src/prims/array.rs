//! Array primitives.

use cairn_gc::Oop;

use super::{def, index_arg, Fail, Kind, Prim, Table};
use crate::vm::{Vm, VmResult};

pub(super) const INSTANCE: Table = &[
    def("at:", Kind::Array, &[Kind::SmallInt], at),
    def("at:put:", Kind::Array, &[Kind::SmallInt, Kind::Any], at_put),
    def("length", Kind::Array, &[], length),
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

pub(super) fn length(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
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
    // Reached on another class through reflection: only classes whose instances `new`
    // may make (not Integer, Symbol, Class, metaclasses...).
    if vm.s.class(c).shape == crate::classes::Shape::Special {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let (format, fixed, len) = vm.s.class(c).instance_format(n.as_small_int() as usize);
    Ok(Prim::Value(vm.alloc(c, format, fixed, len)?))
}
