//! Character primitives: Characters are immediates (tag `010`) holding a code point.

use cairn_gc::Oop;

use super::{def, Fail, Kind, Prim, Table};
use crate::vm::{Vm, VmResult};

pub(super) const INSTANCE: Table = &[def("value", Kind::Character, &[], value)];

pub(super) const CLASS: Table = &[def("value:", Kind::Any, &[Kind::SmallInt], with_value)];

fn value(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let c = vm.receiver(argc);
    if !c.is_char() {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    Ok(Prim::Value(Oop::small_int(c.as_char() as i64)))
}

fn with_value(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let n = vm.arg(argc, 0);
    if !n.is_small_int() || !(0..=0x10_FFFF).contains(&n.as_small_int()) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    Ok(Prim::Value(Oop::from_char(n.as_small_int() as u32)))
}
