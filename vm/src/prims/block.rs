//! Block primitives: evaluation (`value`, `value:`, `value:with:`) and `restart`.
//! The marked methods `on:do:`, `ensure:` and `ifCurtailed:` are not primitives here:
//! the loader gives them VM-defined bodies (see `loader.rs`, `interp/unwind.rs`).

use super::{def, Fail, Kind, Prim, Table};
use crate::interp::frames::Pushed;
use crate::vm::{Vm, VmResult};

pub(super) const BLOCK: Table = &[
    def("value", Kind::Block, &[], value),
    def("restart", Kind::Block, &[], restart),
];
pub(super) const BLOCK1: Table = &[def("value", Kind::Block, &[], value)];
pub(super) const BLOCK2: Table = &[def("value:", Kind::Block, &[Kind::Any], value)];
pub(super) const BLOCK3: Table = &[def(
    "value:with:",
    Kind::Block,
    &[Kind::Any, Kind::Any],
    value,
)];

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
