//! I/O primitives (primitives.md "I/O"), all on the class side of `Io`: the kernel's
//! File, Socket, ServerSocket, Subprocess and OSSignal classes are Smalltalk over them
//! (docs/design/io.md). A primitive that starts an operation answers a request id (a
//! SmallInteger) and signals the given Semaphore when the request is done; `take:`
//! then answers its outcome. An operation refused at once (a closed handle, a bad
//! address or mode) answers an `IOError` instead of an id. No primitive here blocks the
//! VM thread.

use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use cairn_gc::Oop;

use super::{def, Fail, Kind, Prim, Table};
use crate::io::fault::Fault;
use crate::io::files::{self, Target};
use crate::io::handles::{Hid, Resource};
use crate::io::requests::Wait;
use crate::io::runtime::Job;
use crate::io::{child, net, signals};
use crate::vm::{Vm, VmResult};

use Kind::{Any, Array, Semaphore as Sem, SmallInt as Int, String as Str};

pub(super) const IO_CLASS: Table = &[
    def("open:mode:signal:", Any, &[Str, Str, Sem], open),
    def("read:count:signal:", Any, &[Int, Int, Sem], read),
    def("write:bytes:signal:", Any, &[Int, Str, Sem], write),
    def("seek:to:signal:", Any, &[Int, Int, Sem], seek),
    def("size:signal:", Any, &[Int, Sem], size),
    def("sync:signal:", Any, &[Int, Sem], sync),
    def("rename:to:signal:", Any, &[Str, Str, Sem], rename),
    def("delete:signal:", Any, &[Str, Sem], delete),
    def("exists:signal:", Any, &[Str, Sem], exists),
    def("entriesIn:signal:", Any, &[Str, Sem], entries_in),
    def("listen:port:", Any, &[Str, Int], listen),
    def("localPort:", Any, &[Int], local_port),
    def("accept:signal:", Any, &[Int, Sem], accept),
    def("connect:port:signal:", Any, &[Str, Int, Sem], connect),
    def("spawn:arguments:", Any, &[Str, Array], spawn),
    def("exitStatus:signal:", Any, &[Int, Sem], exit_status),
    def("kill:", Any, &[Int], kill),
    def("close:", Any, &[Int], close),
    def("take:", Any, &[Int], take),
    def("cancel:", Any, &[Int], cancel),
    def("onSignal:signal:", Any, &[Str, Sem], on_signal),
    def("openCount", Any, &[], open_count),
    def("inFlight", Any, &[], in_flight),
    def("lineEndIn:from:", Any, &[Str, Int], line_end_in),
];

/// The most bytes one read asks for.
const MAX_READ: i64 = 1 << 24;

/// A handle argument (any SmallInteger ≥ 0; a stale one is refused later as closed).
fn hid_arg(vm: &Vm, argc: usize, i: usize) -> Option<Hid> {
    let v = vm.arg(argc, i);
    (v.as_small_int() >= 0).then(|| v.as_small_int() as Hid)
}

/// A path argument.
fn path_arg(vm: &Vm, argc: usize, i: usize) -> PathBuf {
    std::ffi::OsStr::from_bytes(vm.bytes_of(vm.arg(argc, i))).into()
}

/// The answer of a primitive that started a request (or was refused at once).
fn started(vm: &mut Vm, r: Result<u64, Fault>) -> VmResult<Prim> {
    match r {
        Ok(id) => Ok(Prim::Value(Oop::small_int(id as i64))),
        Err(f) => refused(vm, &f),
    }
}

/// An operation refused at once: its IOError is the answer.
fn refused(vm: &mut Vm, f: &Fault) -> VmResult<Prim> {
    Ok(match vm.io_error(f)? {
        Some(e) => Prim::Value(e),
        None => Prim::Fail(Fail::Primitive),
    })
}

/// Starts `job` on a worker; the last argument is the Semaphore.
fn submit(vm: &mut Vm, argc: usize, job: Result<Job, Fault>) -> VmResult<Prim> {
    let sem = vm.arg(argc, argc - 1);
    let r = job.and_then(|job| vm.io_submit(sem, job));
    started(vm, r)
}

/// Starts `op` on handle argument 0, waiting for readiness; the last argument is the
/// Semaphore.
fn wait_on(vm: &mut Vm, argc: usize, op: Wait) -> VmResult<Prim> {
    let sem = vm.arg(argc, argc - 1);
    let Some(hid) = hid_arg(vm, argc, 0) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let r = vm.io_wait(sem, hid, op)?;
    started(vm, r)
}

/// What a file job works on: the open file (or standard stream) handle argument 0
/// names; `None` for a socket, pipe or subprocess.
fn file_target(vm: &mut Vm, argc: usize) -> Result<Option<Target>, Fault> {
    let hid = hid_arg(vm, argc, 0).ok_or_else(Fault::closed)?;
    match vm.s.io.handles.get(hid).map(|h| &h.res) {
        None => Err(Fault::closed()),
        Some(Resource::File(f)) => Ok(Some(Target::File(f.clone()))),
        Some(Resource::Std(n)) => Ok(Some(Target::Std(*n))),
        Some(_) => Ok(None),
    }
}

/// The open file handle argument 0 names (seek, size, sync).
fn file_arg(vm: &mut Vm, argc: usize, what: &str) -> Result<std::sync::Arc<std::fs::File>, Fault> {
    match file_target(vm, argc)? {
        Some(Target::File(f)) => Ok(f),
        _ => Err(Fault::unsupported(what)),
    }
}

fn open(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let path = path_arg(vm, argc, 0);
    let mode = vm.text_of(vm.arg(argc, 1));
    let job = files::open_options(&mode).map(|o| files::open(path, o));
    submit(vm, argc, job)
}

fn read(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let n = vm.arg(argc, 1).as_small_int();
    if !(1..=MAX_READ).contains(&n) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    match file_target(vm, argc) {
        Ok(Some(t)) => submit(vm, argc, Ok(files::read(t, n as usize))),
        Ok(None) => wait_on(vm, argc, Wait::Read(n as usize)),
        Err(f) => refused(vm, &f),
    }
}

fn write(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let bytes = vm.bytes_of(vm.arg(argc, 1)).to_vec();
    match file_target(vm, argc) {
        Ok(Some(t)) => submit(vm, argc, Ok(files::write(t, bytes))),
        Ok(None) => wait_on(vm, argc, Wait::Write(bytes, 0)),
        Err(f) => refused(vm, &f),
    }
}

fn seek(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let pos = vm.arg(argc, 1).as_small_int();
    if pos < 0 {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let job = file_arg(vm, argc, "seeking").map(|f| files::seek(f, pos as u64));
    submit(vm, argc, job)
}

fn size(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let job = file_arg(vm, argc, "size").map(files::size);
    submit(vm, argc, job)
}

fn sync(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let job = file_arg(vm, argc, "sync").map(files::sync);
    submit(vm, argc, job)
}

fn rename(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let (from, to) = (path_arg(vm, argc, 0), path_arg(vm, argc, 1));
    submit(vm, argc, Ok(files::rename(from, to)))
}

fn delete(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let path = path_arg(vm, argc, 0);
    submit(vm, argc, Ok(files::delete(path)))
}

fn exists(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let path = path_arg(vm, argc, 0);
    submit(vm, argc, Ok(files::exists(path)))
}

fn entries_in(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let path = path_arg(vm, argc, 0);
    submit(vm, argc, Ok(files::entries(path)))
}

/// A listening socket on `host`:`port` (port 0: any free port): its handle.
fn listen(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let host = vm.text_of(vm.arg(argc, 0));
    let port = vm.arg(argc, 1).as_small_int();
    let r = net::address(&host, port)
        .and_then(net::listen)
        .and_then(|res| vm.io_adopt(res));
    match r {
        Ok(hid) => Ok(Prim::Value(Oop::small_int(hid as i64))),
        Err(f) => refused(vm, &f),
    }
}

fn local_port(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let port = hid_arg(vm, argc, 0)
        .and_then(|hid| vm.s.io.handles.get(hid))
        .and_then(|h| net::local_port(&h.res));
    Ok(Prim::Value(
        port.map_or(vm.nil(), |p| Oop::small_int(i64::from(p))),
    ))
}

fn accept(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    wait_on(vm, argc, Wait::Accept)
}

/// Starts connecting to `host`:`port`; the request answers the new socket's handle.
fn connect(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let host = vm.text_of(vm.arg(argc, 0));
    let port = vm.arg(argc, 1).as_small_int();
    let sem = vm.arg(argc, 2);
    let hid = net::address(&host, port)
        .and_then(net::connect)
        .and_then(|res| vm.io_adopt(res));
    let r = match hid {
        Ok(hid) => vm.io_wait(sem, hid, Wait::Connect)?,
        Err(f) => Err(f),
    };
    started(vm, r)
}

/// Starts a program: an Array of four handles (the subprocess, its stdin, stdout and
/// stderr), or an IOError (no such program).
fn spawn(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let program = vm.text_of(vm.arg(argc, 0));
    let list = vm.arg(argc, 1);
    let mut args = Vec::new();
    for k in 0..vm.heap.indexable_len(list) {
        let a = super::element(vm, list, k);
        if !vm.is_byte_string(a) {
            return Ok(Prim::Fail(Fail::Primitive));
        }
        args.push(vm.text_of(a));
    }
    let r = vm
        .io_signal_thread()
        .and_then(|t| Ok(t.add(signals::CHILD)?))
        .and_then(|()| Ok(child::spawn(&program, &args)?));
    let started = match r {
        Ok(s) => s,
        Err(f) => return refused(vm, &f),
    };
    let mut hids = Vec::with_capacity(4);
    for res in std::iter::once(started.child).chain(started.pipes) {
        match vm.io_adopt(res) {
            Ok(h) => hids.push(h),
            Err(f) => {
                for h in hids {
                    vm.io_close(h)?;
                }
                return refused(vm, &f);
            }
        }
    }
    let a = vm.new_array(4)?;
    for (i, h) in hids.into_iter().enumerate() {
        vm.heap.store(a, i, Oop::small_int(h as i64));
    }
    Ok(Prim::Value(a))
}

/// The subprocess's exit status when it ends: its exit code, or minus the signal
/// that ended it.
fn exit_status(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    wait_on(vm, argc, Wait::Exit)
}

/// Kills a subprocess (SIGKILL): true, or false when it had already ended.
fn kill(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let killed = match hid_arg(vm, argc, 0).and_then(|h| vm.s.io.handles.get(h)) {
        Some(h) => match &mut h.res {
            Resource::Child(c) => c.try_wait().ok().flatten().is_none() && c.kill().is_ok(),
            _ => return Ok(Prim::Fail(Fail::Primitive)),
        },
        None => false,
    };
    Ok(Prim::Value(vm.boolean(killed)))
}

/// Closes a handle: true, or false when it was not open.
fn close(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let closed = match hid_arg(vm, argc, 0) {
        Some(hid) => vm.io_close(hid)?,
        None => false,
    };
    Ok(Prim::Value(vm.boolean(closed)))
}

/// A finished request's outcome (its value or an IOError), or nil while it runs.
fn take(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let id = vm.arg(argc, 0).as_small_int();
    let taken = if id > 0 { vm.io_take(id as u64)? } else { None };
    Ok(match taken {
        None => Prim::Value(vm.nil()),
        Some(Some(v)) => Prim::Value(v),
        Some(None) => Prim::Fail(Fail::Primitive),
    })
}

fn cancel(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let id = vm.arg(argc, 0).as_small_int();
    if id > 0 {
        vm.io_cancel(id as u64)?;
    }
    Ok(Prim::Value(vm.receiver(argc)))
}

/// From now on, each `name` signal (#SIGTERM, #SIGINT, #SIGQUIT, #SIGHUP, #SIGUSR1,
/// #SIGUSR2) signals the Semaphore instead of its default action.
fn on_signal(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let name = vm.text_of(vm.arg(argc, 0));
    let sem = vm.arg(argc, 1);
    let Some(sig) = signals::number(&name) else {
        let f = Fault::vm(
            "invalidArgument",
            format!("'{name}' is not a signal Cairn handles"),
        );
        return refused(vm, &f);
    };
    match vm.io_signal_thread().and_then(|t| Ok(t.add(sig)?)) {
        Ok(()) => {
            vm.s.io.signals.add(sig, sem);
            Ok(Prim::Value(vm.s.specials.true_))
        }
        Err(f) => refused(vm, &f),
    }
}

fn open_count(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    Ok(Prim::Value(Oop::small_int(
        vm.s.io.handles.open_count() as i64
    )))
}

fn in_flight(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    Ok(Prim::Value(Oop::small_int(
        vm.s.io.requests.in_flight() as i64
    )))
}

/// The index (1-based) of the first line feed in the String at or after `start`, or 0.
fn line_end_in(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let bytes = vm.bytes_of(vm.arg(argc, 0));
    let start = vm.arg(argc, 1).as_small_int().max(1) as usize;
    let found = bytes
        .get(start - 1..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(0, |i| (start + i) as i64);
    Ok(Prim::Value(Oop::small_int(found)))
}
