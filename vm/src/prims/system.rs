//! System primitives: globals, class loading, output, time, exit, GC.

use std::io::Write;

use cairn_gc::Oop;

use super::{def, Fail, Kind, Prim, Table};
use crate::vm::{Vm, VmError, VmResult};

use Kind::{Any, SmallInt, String as Str, Symbol, System as Sys};

pub(super) const INSTANCE: Table = &[
    def("global:", Sys, &[Any], global),
    def("global:put:", Sys, &[Symbol, Any], global_put),
    def("hasGlobal:", Sys, &[Any], has_global),
    def("load:", Sys, &[Any], load),
    def("loadFile:", Sys, &[Any], load_file),
    def("exit:", Sys, &[Any], exit),
    def("printString:", Sys, &[Str], print_string),
    def("printNewline", Sys, &[], print_newline),
    def("flush", Sys, &[], flush),
    def("allClasses", Sys, &[], super::census::all_classes),
    def("pointersTo:", Sys, &[Any], super::census::pointers_to),
    def("globalNames", Sys, &[], super::census::global_names),
    def("errorPrint:", Sys, &[Str], error_print),
    def("errorPrintln:", Sys, &[Str], error_println),
    def("printStackTrace", Sys, &[], print_stack_trace),
    def("time", Sys, &[], time),
    def("ticks", Sys, &[], ticks),
    def("epochMicroseconds", Sys, &[], epoch_microseconds),
    def("environmentAt:", Sys, &[Str], environment_at),
    def(
        "senderDescriptionAt:",
        Sys,
        &[SmallInt],
        sender_description_at,
    ),
    def("fullGC", Sys, &[], full_gc),
    def("gcStats", Sys, &[], gc_stats),
    def(
        "finalizationSemaphore:",
        Sys,
        &[Any],
        finalization_semaphore,
    ),
];

fn global(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let name = vm.arg(argc, 0);
    if !vm.is_byte_string(name) {
        return Ok(Prim::Value(vm.nil()));
    }
    let name = vm.text_of(name);
    let v = vm.load_global(&name)?;
    Ok(Prim::Value(v.unwrap_or(vm.nil())))
}

fn global_put(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let (name, value) = (vm.arg(argc, 0), vm.arg(argc, 1));
    if !vm.is_symbol(name) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    // The classes the engine names are not rebindable, as they are not shadowable
    // (primitives.md): a failure path that sends to a rebound `Error` would recurse.
    if crate::loader::CORE_CLASSES.contains(&vm.text_of(name).as_str()) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let id = vm.symbol_id_of(name);
    vm.set_global(id, value);
    Ok(Prim::Value(value))
}

fn has_global(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let name = vm.arg(argc, 0);
    let found = vm.is_byte_string(name) && {
        let n = vm.text_of(name);
        vm.global_value(&n).is_some()
    };
    Ok(Prim::Value(vm.boolean(found)))
}

fn load(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let name = vm.arg(argc, 0);
    if !vm.is_byte_string(name) {
        return Ok(Prim::Value(vm.nil()));
    }
    let n = vm.text_of(name);
    match vm.load_global(&n) {
        Ok(v) => Ok(Prim::Value(v.unwrap_or(vm.nil()))),
        Err(VmError::Compile(m)) => {
            eprintln!("{m}");
            Ok(Prim::Value(vm.nil()))
        }
        Err(e) => Err(e),
    }
}

fn load_file(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let name = vm.arg(argc, 0);
    if !vm.is_byte_string(name) {
        return Ok(Prim::Value(vm.nil()));
    }
    match std::fs::read(vm.text_of(name)) {
        Ok(bytes) => Ok(Prim::Value(vm.new_string(&bytes)?)),
        Err(_) => Ok(Prim::Value(vm.nil())),
    }
}

fn exit(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let code = vm.arg(argc, 0);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    Err(VmError::Exit(if code.is_small_int() {
        code.as_small_int() as i32
    } else {
        1
    }))
}

fn write_out(vm: &mut Vm, argc: usize, err: bool, newline: bool) -> VmResult<Prim> {
    let s = vm.arg(argc, 0);
    if !vm.is_byte_string(s) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let bytes = vm.bytes_of(s);
    if err {
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(bytes);
        if newline {
            let _ = e.write_all(b"\n");
        }
    } else {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(bytes);
        if newline {
            let _ = o.write_all(b"\n");
        }
    }
    Ok(Prim::Value(vm.receiver(argc)))
}

fn print_string(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    write_out(vm, argc, false, false)
}

fn print_newline(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let _ = std::io::stdout().lock().write_all(b"\n");
    Ok(Prim::Value(vm.receiver(argc)))
}

/// Writes out what stdout and stderr hold (stdout is line-buffered: text without a
/// newline waits otherwise).
fn flush(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    Ok(Prim::Value(vm.receiver(argc)))
}

fn error_print(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    write_out(vm, argc, true, false)
}

fn error_println(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    write_out(vm, argc, true, true)
}

fn print_stack_trace(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    vm.print_stack_trace();
    Ok(Prim::Value(vm.receiver(argc)))
}

/// Milliseconds on the scheduler's clock (real, or virtual under `--virtual-time`).
fn time(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let _ = argc;
    Ok(Prim::Value(Oop::small_int(
        (vm.s.sched.clock.now_us() / 1000) as i64,
    )))
}

fn ticks(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let _ = argc;
    Ok(Prim::Value(Oop::small_int(
        vm.s.sched.clock.now_us() as i64 + 1,
    )))
}

/// Wall-clock microseconds since the Unix epoch (UTC), on the scheduler's clock.
fn epoch_microseconds(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    Ok(Prim::Value(Oop::small_int(vm.s.sched.clock.epoch_us())))
}

/// The value of an environment variable as a String, or nil when it is unset or not
/// UTF-8.
fn environment_at(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let name = vm.text_of(vm.arg(argc, 0));
    match std::env::var(&name) {
        Ok(value) => Ok(Prim::Value(vm.new_string(value.as_bytes())?)),
        Err(_) => Ok(Prim::Value(vm.nil())),
    }
}

/// `Class>>selector (file:line)` of the frame `depth` below the caller of this
/// primitive's method (1 is that method's sender), or nil past the bottom of the stack.
fn sender_description_at(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let depth = vm.arg(argc, 0).as_small_int();
    let frames = vm.s.frames.len();
    // The top frame is the method that sent this primitive; `depth` counts from there.
    let Some(index) = usize::try_from(depth)
        .ok()
        .and_then(|d| frames.checked_sub(1 + d))
    else {
        return Ok(Prim::Value(vm.nil()));
    };
    let text = vm.frame_description(&vm.s.frames, index);
    Ok(Prim::Value(vm.new_string(text.as_bytes())?))
}

/// A full collection. When it cleared weak references, the finalization Semaphore is
/// signalled before the answer (`sched/finalization.rs`): a finalization process that
/// outranks the caller runs its actions before `fullGC` returns.
fn full_gc(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    vm.heap.full_collect(&mut vm.s, false);
    vm.note_collections();
    let t = vm.s.specials.true_;
    vm.answer(argc, t);
    if vm.take_finalization_request() {
        vm.preempt_if_outranked()?;
    }
    Ok(Prim::Done)
}

/// `#(collections gcMilliseconds bytesInUse)`: bytes in use stand for the allocated
/// bytes (the collector counts occupancy, not a running allocation total).
fn gc_stats(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    let stats = vm.heap.stats();
    let collections = (stats.scavenges + stats.full_collections) as i64;
    let millis = stats.total_pause.as_millis() as i64;
    let o = vm.heap.occupancy();
    let bytes = (o.eden_used + o.survivor_used + o.old_used) as i64;
    let a = vm.new_array(3)?;
    for (i, v) in [collections, millis, bytes].into_iter().enumerate() {
        vm.heap.store(a, i, Oop::small_int(v));
    }
    Ok(Prim::Value(a))
}

/// `finalizationSemaphore: aSemaphoreOrNil`: the Semaphore the VM signals after a
/// collection that cleared weak references (`sched/finalization.rs`); nil unregisters.
/// Answers the receiver.
fn finalization_semaphore(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let sem = vm.arg(argc, 0);
    vm.s.sched.finalization.semaphore = if sem == vm.nil() {
        None
    } else if vm.is_kind(sem, Kind::Semaphore) {
        Some(sem)
    } else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(vm.receiver(argc)))
}
