//! Process primitives (primitives.md "Processes"): Process, `Processor` (class side),
//! Semaphore, and `Block>>newProcess`. Each decodes its receiver and arguments and
//! calls the scheduler (`vm/src/sched/`). A primitive that may switch processes puts
//! its answer in place first (`Vm::answer`) and answers [`Prim::Done`]: after a switch
//! the stack is the next process's.

use cairn_gc::Oop;

use super::{def, Fail, Kind, Prim, Table};
use crate::sched::process::Pid;
use crate::sched::semaphore::Timeout;
use crate::vm::{Vm, VmError, VmResult};

use Kind::{Any, Process as Proc, Semaphore as Sem};

pub(super) const PROCESS: Table = &[
    def("resume", Proc, &[], resume),
    def("suspend", Proc, &[], suspend),
    def("terminate", Proc, &[], terminate),
    def("isTerminated", Proc, &[], is_terminated),
    def("priority:", Proc, &[Any], priority),
    def("state", Proc, &[], state),
    def("waitingOn", Proc, &[], waiting_on),
    def("frames", Proc, &[], frames),
];

pub(super) const PROCESSOR_CLASS: Table = &[
    def("activeProcess", Any, &[], active_process),
    def("yield", Any, &[], yield_),
    def("allProcesses", Any, &[], all_processes),
    def(
        "terminateActiveOrExit:",
        Any,
        &[Any],
        terminate_active_or_exit,
    ),
];

pub(super) const SEMAPHORE: Table = &[
    def("signal", Sem, &[], signal),
    def("wait", Sem, &[], wait),
    def("waitTimeoutMSecs:", Sem, &[Any], wait),
    def("waitTimeoutMSecs:for:", Sem, &[Any, Any], wait),
];

/// `Block>>newProcess`: a suspended process for a block without parameters.
pub(super) fn new_process(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    if vm.block_arity(vm.receiver(argc)) != Some(0) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    Ok(Prim::Value(vm.new_process(argc)?))
}

fn resume(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(pid) = vm.pid_of(vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let recv = vm.receiver(argc);
    vm.answer(argc, recv);
    vm.resume(pid)?;
    Ok(Prim::Done)
}

fn suspend(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    on_live_process(vm, argc, Vm::suspend)
}

fn terminate(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    on_live_process(vm, argc, Vm::terminate)
}

/// Answers the receiver, then applies `action` to its process unless it has ended
/// (the action may switch processes).
fn on_live_process(
    vm: &mut Vm,
    argc: usize,
    action: fn(&mut Vm, Pid) -> VmResult<()>,
) -> VmResult<Prim> {
    let recv = vm.receiver(argc);
    let pid = vm.pid_of(recv);
    vm.answer(argc, recv);
    if let Some(pid) = pid {
        action(vm, pid)?;
    }
    Ok(Prim::Done)
}

fn is_terminated(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let ended = vm.pid_of(vm.receiver(argc)).is_none();
    Ok(Prim::Value(vm.boolean(ended)))
}

fn priority(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(priority) = Vm::valid_priority(vm.arg(argc, 0)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let recv = vm.receiver(argc);
    vm.answer(argc, recv);
    match vm.pid_of(recv) {
        Some(pid) => vm.set_priority(pid, priority)?,
        None => vm.heap.store(
            recv,
            crate::sched::control::PROC_PRIORITY,
            Oop::small_int(priority as i64),
        ),
    }
    Ok(Prim::Done)
}

/// `#running`, `#ready`, `#waiting`, `#suspended`, `#terminating` or `#terminated`.
fn state(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let name = match vm.pid_of(vm.receiver(argc)) {
        Some(pid) => vm.process_state(pid),
        None => "terminated",
    };
    Ok(Prim::Value(vm.symbol_for(name)?))
}

/// What the process waits for (the Mutex, SharedQueue, Delay or Semaphore), or nil.
fn waiting_on(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let waited = vm
        .pid_of(vm.receiver(argc))
        .and_then(|pid| vm.s.sched.table.get(pid))
        .and_then(|p| p.waiting_for.or(p.waiting_on));
    Ok(Prim::Value(waited.unwrap_or(vm.nil())))
}

/// The process's stack as Strings `Class>>selector (file:line)`, innermost first.
fn frames(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let lines: Vec<String> = match vm.pid_of(vm.receiver(argc)) {
        Some(pid) => vm
            .trace_of(vm.frames_of(pid), usize::MAX / 2, 0)
            .lines()
            .map(|l| l.trim_start().to_owned())
            .collect(),
        None => Vec::new(),
    };
    let base = vm.s.scratch.len();
    for line in lines {
        let s = vm.new_string(line.as_bytes())?;
        vm.s.scratch.push(s);
    }
    Ok(Prim::Value(vm.new_array_from_scratch(base)?))
}

fn active_process(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    let pid = vm.s.sched.active;
    Ok(Prim::Value(vm.process_object(pid)?))
}

fn yield_(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let recv = vm.receiver(argc);
    vm.answer(argc, recv);
    vm.yield_active()?;
    Ok(Prim::Done)
}

/// Every live process (the active one included), oldest slot first.
fn all_processes(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    let pids: Vec<_> =
        vm.s.sched
            .table
            .pids()
            .filter(|&pid| vm.process_state(pid) != "terminated")
            .collect();
    Ok(Prim::Value(
        vm.new_array_of(pids, |vm, pid| vm.process_object(pid))?,
    ))
}

/// What an unhandled error does last: the main process (or the process whose run this
/// is) ends the program with `status` (as `System>>exit:`); any other process ends
/// alone, its unwind blocks run.
fn terminate_active_or_exit(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let sched = &vm.s.sched;
    if sched.active == sched.main || sched.active == sched.owner {
        let code = vm.arg(argc, 0);
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        return Err(VmError::Exit(if code.is_small_int() {
            code.as_small_int() as i32
        } else {
            1
        }));
    }
    let recv = vm.receiver(argc);
    vm.answer(argc, recv);
    vm.unwind_active_to_end()?;
    Ok(Prim::Done)
}

fn signal(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let sem = vm.receiver(argc);
    vm.answer(argc, sem);
    vm.semaphore_signal(sem)?;
    Ok(Prim::Done)
}

/// `wait`, `waitTimeoutMSecs: ms` and `waitTimeoutMSecs: ms for: anObject` (what the
/// audit says the process waits for). `ms` is a SmallInteger ≥ 0, or nil for no
/// timeout.
fn wait(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let timeout = if argc == 0 {
        Timeout::Never
    } else {
        let ms = vm.arg(argc, 0);
        if ms == vm.nil() {
            Timeout::Never
        } else if ms.is_small_int() && ms.as_small_int() >= 0 {
            Timeout::Millis(ms.as_small_int() as u64)
        } else {
            return Ok(Prim::Fail(Fail::Primitive));
        }
    };
    let waiting_for = if argc == 2 {
        vm.arg(argc, 1)
    } else {
        vm.receiver(argc)
    };
    vm.semaphore_wait(argc, timeout, waiting_for)?;
    Ok(Prim::Done)
}
