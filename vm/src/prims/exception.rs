//! Exception primitives (docs/design/exceptions.md): signal, return:, retry,
//! retryUsing:, resumeUnchecked:, pass, outer. The machinery is in `interp/unwind.rs`.

use super::{def, Kind, Prim, Table};
use crate::state::UnwindAction;
use crate::vm::{Vm, VmResult};

pub(super) const INSTANCE: Table = &[
    def("signal", Kind::Exception, &[], signal),
    def("return:", Kind::Exception, &[Kind::Any], return_),
    def("retry", Kind::Exception, &[], retry),
    def("retryUsing:", Kind::Exception, &[Kind::Any], retry_using),
    def(
        "resumeUnchecked:",
        Kind::Exception,
        &[Kind::Any],
        resume_unchecked,
    ),
    def("pass", Kind::Exception, &[], pass),
    def("outer", Kind::Exception, &[], outer),
];

const HANDLER_FRAME: usize = 2;

fn signal(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    let start = vm.s.frames.len();
    vm.signal_exception(start, true)?;
    Ok(Prim::Done)
}

fn unwind(vm: &mut Vm, argc: usize, value_arg: bool, action: UnwindAction) -> VmResult<Prim> {
    let exception = vm.receiver(argc);
    let value = if value_arg { vm.arg(argc, 0) } else { vm.nil() };
    vm.s.sp -= argc + 1;
    vm.exception_unwind(exception, value, action)?;
    Ok(Prim::Done)
}

fn return_(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unwind(vm, argc, true, UnwindAction::Return)
}

fn retry(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unwind(vm, argc, false, UnwindAction::Restart)
}

fn retry_using(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let exception = vm.receiver(argc);
    let block = vm.arg(argc, 0);
    let h = vm.heap.fetch(exception, HANDLER_FRAME);
    if h.is_small_int() {
        if let Some(i) = vm.frame_index_of(h.as_small_int() as u64) {
            let fp = vm.s.frames[i].fp as usize;
            vm.s.stack[fp] = block;
        }
    }
    unwind(vm, argc, false, UnwindAction::Restart)
}

fn resume_unchecked(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unwind(vm, argc, true, UnwindAction::Resume)
}

/// `pass`/`outer`: search below the handler frame. Outside a live handler of this
/// exception (never signalled, or its handler has returned) there is nothing to
/// continue: `IllegalResumeAttempt`, as for `return:` (primitives.md).
fn search_below_handler(vm: &mut Vm, argc: usize, record_signal: bool) -> VmResult<Prim> {
    let exception = vm.receiver(argc);
    let h = vm.heap.fetch(exception, HANDLER_FRAME);
    let start = if h.is_small_int() {
        vm.frame_index_of(h.as_small_int() as u64)
    } else {
        None
    };
    let Some(start) = start else {
        // The signal's answer takes the receiver's place, as a primitive result.
        vm.s.sp -= argc + 1;
        vm.signal_vm_error("IllegalResumeAttempt")?;
        return Ok(Prim::Done);
    };
    vm.signal_exception(start, record_signal)?;
    Ok(Prim::Done)
}

fn pass(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    search_below_handler(vm, argc, false)
}

fn outer(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    search_below_handler(vm, argc, true)
}
