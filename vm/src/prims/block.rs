//! Block primitives: evaluation (`value`, `value:`, `value:with:`) and `restart`.
//! The marked methods `on:do:`, `ensure:` and `ifCurtailed:` are not primitives here:
//! the loader gives them VM-defined bodies (see `loader.rs`, `interp/unwind.rs`).

use super::{Fail, Prim, Table};
use crate::interp::frames::Pushed;
use crate::vm::{Vm, VmResult};

pub(super) const BLOCK: Table = &[("value", value), ("restart", restart)];
pub(super) const BLOCK1: Table = &[("value", value)];
pub(super) const BLOCK2: Table = &[("value:", value)];
pub(super) const BLOCK3: Table = &[("value:with:", value)];

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

fn restart(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    // `self restart` inside a block method: restart the sending frame (the block
    // method's frame is the top frame; its receiver is the block).
    let f = vm.s.frames.last_mut().expect("restart from a frame");
    f.pc = 0;
    let (fp, method) = (f.fp as usize, f.method);
    // SAFETY: frames name live MethodInfos.
    vm.s.sp = fp + unsafe { (*method).frame_size() };
    Ok(Prim::Done)
}
