//! I/O that never stalls the image (docs/design/io.md): files, standard input and
//! output, TCP sockets, subprocesses with pipes, and OS signals, done off the VM thread
//! or without blocking it, while the calling Smalltalk process waits on a Semaphore and
//! every other process runs.
//!
//! A primitive (`prims/io.rs`) starts a request and answers its id; the request either
//! runs on a worker thread (files: [`files`]) or is tried without blocking on the VM
//! thread and retried at each readiness event of its handle ([`net`]). News from the I/O
//! threads ([`runtime`]: the reactor, the workers, and [`signals`]) reaches the VM thread
//! as [`runtime::Event`]s, with [`crate::interrupt::bits::IO`] set in the interrupt word
//! and the idle VM thread woken; the next safepoint delivers them ([`deliver`]): the
//! request is done and its Semaphore signalled. The process then takes the outcome
//! (`Io>>take:`, [`convert`]): a value, or an `IOError` carrying the OS reason
//! ([`fault`]). Open resources live in the [`handles`] table, which owns their file
//! descriptors; requests in flight in [`requests`].

pub(crate) mod child;
pub(crate) mod convert;
pub(crate) mod deliver;
pub(crate) mod fault;
pub(crate) mod files;
pub(crate) mod handles;
pub(crate) mod net;
pub(crate) mod requests;
pub(crate) mod runtime;
pub(crate) mod signals;

use cairn_gc::Oop;

use crate::vm::Vm;
use fault::Fault;
use handles::{Handles, Hid, Resource};
use requests::{Requests, State};
use runtime::{Job, Notifier, Reactor, Workers};
use signals::{Registrations, SignalThread};

/// Everything the VM keeps for I/O (in `State`, so the collector reaches the
/// Semaphores of requests in flight and of signal registrations).
#[derive(Default)]
pub(crate) struct Io {
    pub(crate) handles: Handles,
    pub(crate) requests: Requests,
    pub(crate) signals: Registrations,
    /// The buffer socket and pipe reads go through (kept, so that a read that would
    /// block allocates nothing).
    scratch: Vec<u8>,
    /// The threads, started at the first operation that needs them.
    threads: Option<Threads>,
}

/// The I/O threads of one VM.
struct Threads {
    notifier: Notifier,
    reactor: Option<Reactor>,
    workers: Option<Workers>,
    signals: Option<SignalThread>,
}

impl Io {
    /// True when a process waiting for I/O may still be woken: a request is in flight,
    /// or a program waits for a signal. The deadlock audit does not fire then.
    pub(crate) fn can_wake(&self) -> bool {
        self.requests.any() || self.signals.any()
    }

    /// The Semaphores held for waiting processes, for the collector.
    pub(crate) fn visit(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.requests.visit(visitor);
        self.signals.visit(visitor);
    }

    /// Bytes outside the heap.
    pub(crate) fn external_bytes(&self) -> usize {
        self.requests.external_bytes() + self.handles.external_bytes() + self.scratch.capacity()
    }

    /// Forgets every request (`Vm::abandon_run` dropped the processes waiting for them).
    pub(crate) fn forget_requests(&mut self) {
        self.requests.clear();
    }
}

impl Vm {
    /// The I/O threads' shared part (made on first use).
    fn io_threads(&mut self) -> &mut Threads {
        let (word, waker) = (&self.interrupt, &self.waker);
        self.s.io.threads.get_or_insert_with(|| Threads {
            notifier: Notifier::new(std::sync::Arc::clone(word), std::sync::Arc::clone(waker)),
            reactor: None,
            workers: None,
            signals: None,
        })
    }

    /// Starts the reactor unless it runs.
    fn io_start_reactor(&mut self) -> Result<(), Fault> {
        let t = self.io_threads();
        if t.reactor.is_none() {
            t.reactor = Some(Reactor::start(t.notifier.clone())?);
        }
        Ok(())
    }

    /// The reactor, if started.
    fn io_reactor(&self) -> Option<&Reactor> {
        self.s.io.threads.as_ref().and_then(|t| t.reactor.as_ref())
    }

    /// The signal thread (started on first use).
    pub(crate) fn io_signal_thread(&mut self) -> Result<&mut SignalThread, Fault> {
        let t = self.io_threads();
        if t.signals.is_none() {
            t.signals = Some(SignalThread::start(t.notifier.clone())?);
        }
        t.signals.as_mut().ok_or_else(Fault::closed)
    }

    /// Puts `res` in the handle table; a socket or pipe is registered with the reactor.
    pub(crate) fn io_adopt(&mut self, mut res: Resource) -> Result<Hid, Fault> {
        let pollable = res.source().is_some();
        if pollable {
            self.io_start_reactor()?;
        }
        let hid = self.s.io.handles.add(res);
        if !pollable {
            return Ok(hid);
        }
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        let registered = match (self.s.io.threads.as_ref(), self.s.io.handles.get(hid)) {
            (
                Some(Threads {
                    reactor: Some(r), ..
                }),
                Some(h),
            ) => match h.res.source() {
                Some(source) => r
                    .registry()
                    .register(source, mio::Token(hid as usize), interest),
                None => Ok(()),
            },
            _ => Ok(()),
        };
        if let Err(e) = registered {
            self.s.io.handles.remove(hid);
            return Err(e.into());
        }
        Ok(hid)
    }

    /// Starts `job` on a worker for a new request that signals `sem` when done.
    pub(crate) fn io_submit(&mut self, sem: Oop, job: Job) -> Result<u64, Fault> {
        let t = self.io_threads();
        if t.workers.is_none() {
            t.workers = Some(Workers::start(&t.notifier)?);
        }
        let id = self.s.io.requests.add(sem, State::Running);
        let submitted = self
            .s
            .io
            .threads
            .as_ref()
            .and_then(|t| t.workers.as_ref())
            .is_some_and(|w| w.submit(id, job));
        if !submitted {
            self.s.io.requests.remove(id);
            return Err(Fault::vm("other", "the I/O worker threads are gone"));
        }
        Ok(id)
    }

    /// Closes handle `hid`: its requests fail with `#closed`, the reactor forgets it,
    /// and its resource is dropped (a subprocess is not killed). False when it was not
    /// open.
    pub(crate) fn io_close(&mut self, hid: Hid) -> crate::vm::VmResult<bool> {
        let Some(mut h) = self.s.io.handles.remove(hid) else {
            return Ok(false);
        };
        if let (Some(source), Some(reactor)) = (h.res.source(), self.io_reactor()) {
            let _ = reactor.registry().deregister(source);
        }
        for id in [h.reader, h.writer].into_iter().flatten() {
            self.io_finish(id, Fault::closed().into())?;
        }
        Ok(true)
    }
}
