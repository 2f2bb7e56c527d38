//! Block primitives: evaluation (`value`, `value:`, `value:with:`, `value:value:value:`,
//! `value:value:value:value:`, `valueWithArguments:`), the real arity (`numArgs`),
//! `restart`, and `newProcess` (in `process.rs`).
//! The marked methods `on:do:`, `ensure:` and `ifCurtailed:` are not primitives here:
//! the loader gives them VM-defined bodies (see `loader.rs`, `interp/unwind.rs`).

use super::{def, element, Fail, Kind, Prim, PrimDef, Table};
use crate::interp::frames::Pushed;
use crate::vm::{Vm, VmResult};

pub(super) const BLOCK: Table = &[
    def("value", Kind::Block, &[], value),
    def("restart", Kind::Block, &[], restart),
    def("numArgs", Kind::Block, &[], num_args),
    def("receiver", Kind::Block, &[], receiver),
    def(
        "valueWithArguments:",
        Kind::Block,
        &[Kind::Array],
        value_with_arguments,
    ),
    def("newProcess", Kind::Block, &[], super::process::new_process),
];
pub(super) const BLOCK1: Table = &[def("value", Kind::Block, &[], value)];
pub(super) const BLOCK2: Table = &[def("value:", Kind::Block, &[Kind::Any], value)];
pub(super) const BLOCK3: Table = &[
    def("value:with:", Kind::Block, &[Kind::Any, Kind::Any], value),
    def(
        "value:value:value:",
        Kind::Block,
        &[Kind::Any, Kind::Any, Kind::Any],
        value,
    ),
    def(
        "value:value:value:value:",
        Kind::Block,
        &[Kind::Any, Kind::Any, Kind::Any, Kind::Any],
        value,
    ),
];

/// Whether `def` is the block evaluation primitive above (`value`, `value:` ...), which
/// compiled code may replace by a direct activation (docs/design/jit.md).
pub(crate) fn is_block_value(def: &PrimDef) -> bool {
    std::ptr::fn_addr_eq(def.f, value as super::PrimFn)
}

fn value(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let closure = vm.receiver(argc);
    if vm.block_arity(closure) != Some(argc) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    match vm.push_block_frame(argc, 0)? {
        Pushed::Ok => Ok(Prim::Done),
        Pushed::Overflow => {
            vm.s.sp -= argc + 1;
            vm.signal_vm_error("StackOverflow")?;
            Ok(Prim::Done)
        }
    }
}

/// The number of parameters the block declares (Block3 holds every block of two or
/// more, so the class alone does not say).
fn num_args(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    match vm.block_arity(vm.receiver(argc)) {
        Some(n) => Ok(Prim::Value(cairn_gc::Oop::small_int(n as i64))),
        None => Ok(Prim::Fail(Fail::Primitive)),
    }
}

/// `self` of the method the block was created in (slot 1 of a closure).
fn receiver(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let block = vm.receiver(argc);
    if vm.block_arity(block).is_none() {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    Ok(Prim::Value(vm.heap.fetch(block, 1)))
}

/// Evaluates the block with the elements of an Array as its arguments (any arity).
fn value_with_arguments(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let (block, args) = (vm.receiver(argc), vm.arg(argc, 0));
    let n = vm.heap.indexable_len(args);
    if vm.block_arity(block) != Some(n) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    vm.reserve_stack(n)?;
    // [block args] -> [block a1 .. an]; nothing below allocates.
    vm.s.sp -= argc;
    for k in 0..n {
        let v = element(vm, args, k);
        vm.push(v);
    }
    value(vm, n)
}

fn restart(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    // `self restart` inside a method of Block: restart the sending frame (the top
    // frame, a method activation whose receiver is this block). Sent from anywhere
    // else (another receiver, a block activation, reflection) there is no loop to
    // restart: fail instead of restarting an unrelated frame forever.
    let block = vm.receiver(argc);
    let Some(f) = vm.s.frames.last() else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    if f.flags & crate::interp::frames::flags::BLOCK != 0 || vm.s.stack[f.fp as usize] != block {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    vm.s.sp -= argc + 1;
    let f = vm.s.frames.last_mut().expect("checked above");
    f.pc = 0;
    let (fp, method) = (f.fp as usize, f.method);
    // SAFETY: frames name live MethodInfos.
    vm.s.sp = fp + unsafe { (*method).frame_size() };
    Ok(Prim::Done)
}
