//! The VM thread's side of I/O: starting a request that waits for its handle
//! ([`Vm::io_wait`]), delivering what the I/O threads posted at a safepoint or while
//! the VM idles ([`Vm::deliver_io`]), finishing a request (its outcome kept, its
//! Semaphore signalled), cancelling one, and acting on OS signals.

use std::io::Write;
use std::sync::atomic::Ordering;

use cairn_gc::Oop;

use super::fault::Fault;
use super::handles::Hid;
use super::net;
use super::requests::{Outcome, State, Wait};
use super::runtime::Event;
use super::signals;
use crate::interrupt::bits;
use crate::vm::{Vm, VmError, VmResult};

impl Vm {
    /// Starts `op` on handle `hid` for a new request that signals `sem`: tried at once,
    /// then at each readiness event of the handle until it finishes. One reader and one
    /// writer at a time per handle.
    pub(crate) fn io_wait(&mut self, sem: Oop, hid: Hid, op: Wait) -> VmResult<Result<u64, Fault>> {
        let writes = op.writes();
        let Some(h) = self.s.io.handles.get(hid) else {
            return Ok(Err(Fault::closed()));
        };
        let slot = if writes { h.writer } else { h.reader };
        if slot.is_some() {
            let what = if writes { "writes" } else { "reads" };
            return Ok(Err(Fault::vm(
                "busy",
                format!("another process already {what} on this handle"),
            )));
        }
        let may = if writes { h.may_write } else { h.may_read } || matches!(op, Wait::Exit);
        let id = self.s.io.requests.add(sem, State::Waiting(hid, op));
        if let Some(h) = self.s.io.handles.get(hid) {
            *(if writes { &mut h.writer } else { &mut h.reader }) = Some(id);
        }
        if may {
            self.io_attempt(id)?;
        }
        Ok(Ok(id))
    }

    /// Tries waiting request `id` again; finishes it unless it would still block.
    fn io_attempt(&mut self, id: u64) -> VmResult<()> {
        let io = &mut self.s.io;
        let Some(req) = io.requests.get_mut(id) else {
            return Ok(());
        };
        let State::Waiting(hid, op) = &mut req.state else {
            return Ok(());
        };
        let hid = *hid;
        let outcome = match io.handles.get(hid) {
            None => Some(Fault::closed().into()),
            Some(h) => {
                let writes = op.writes();
                let o = net::try_op(&mut h.res, op, &mut io.scratch);
                if o.is_none() {
                    *(if writes {
                        &mut h.may_write
                    } else {
                        &mut h.may_read
                    }) = false;
                }
                o
            }
        };
        match outcome {
            Some(o) => self.io_finish(id, o),
            None => Ok(()),
        }
    }

    /// Request `id` is done with `outcome`: a resource it opened becomes a handle, the
    /// outcome waits for `Io>>take:`, and its Semaphore is signalled. A request that
    /// was cancelled is gone: the outcome is dropped (closing what it opened).
    pub(crate) fn io_finish(&mut self, id: u64, outcome: Outcome) -> VmResult<()> {
        let Some(req) = self.s.io.requests.get_mut(id) else {
            return Ok(());
        };
        let connecting = match &req.state {
            State::Waiting(hid, op) => {
                let hid = *hid;
                let connect = matches!(op, Wait::Connect);
                if let Some(h) = self.s.io.handles.get(hid) {
                    for slot in [&mut h.reader, &mut h.writer] {
                        if *slot == Some(id) {
                            *slot = None;
                        }
                    }
                }
                connect.then_some(hid)
            }
            _ => None,
        };
        let outcome = match (outcome, connecting) {
            (Outcome::Opened(res), _) => match self.io_adopt(res) {
                Ok(hid) => Outcome::Handle(hid),
                Err(f) => Outcome::Fault(f),
            },
            (Outcome::Fault(f), Some(hid)) => {
                self.io_close(hid)?;
                Outcome::Fault(f)
            }
            (_, Some(hid)) => Outcome::Handle(hid),
            (o, None) => o,
        };
        let Some(req) = self.s.io.requests.get_mut(id) else {
            return Ok(());
        };
        req.state = State::Done(outcome);
        let sem = req.sem;
        self.io_signal(sem);
        Ok(())
    }

    /// Signals `sem` for I/O without switching processes here: this may run inside a
    /// primitive whose answer is not in place yet. A woken waiter is ready; the `IO`
    /// bit makes the next safepoint run it if it outranks the active process (at a
    /// safepoint or in the idle loop, the scheduler does that right after).
    fn io_signal(&mut self, sem: Oop) {
        if self.semaphore_signal_ready(sem) {
            self.interrupt.fetch_or(bits::IO, Ordering::Relaxed);
        }
    }

    /// Forgets request `id` (its process gave up: a timeout, or it was terminated). A
    /// connection still being made, or a handle the request opened but nobody took, is
    /// closed; a worker's late outcome is dropped.
    pub(crate) fn io_cancel(&mut self, id: u64) -> VmResult<()> {
        let Some(req) = self.s.io.requests.remove(id) else {
            return Ok(());
        };
        match req.state {
            State::Waiting(hid, Wait::Connect) | State::Done(Outcome::Handle(hid)) => {
                self.io_close(hid)?;
            }
            State::Waiting(hid, _) => {
                if let Some(h) = self.s.io.handles.get(hid) {
                    for slot in [&mut h.reader, &mut h.writer] {
                        if *slot == Some(id) {
                            *slot = None;
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Delivers what the I/O threads posted (the interrupt word had [`bits::IO`]).
    ///
    /// [`bits::IO`]: crate::interrupt::bits::IO
    #[cold]
    pub(crate) fn deliver_io(&mut self) -> VmResult<()> {
        let Some(events) = self.s.io.threads.as_ref().map(|t| t.notifier.take()) else {
            return Ok(());
        };
        for event in events {
            match event {
                Event::Done(id, outcome) => self.io_finish(id, outcome)?,
                Event::Ready(token) => {
                    let hid = token as Hid;
                    if let Some(h) = self.s.io.handles.get(hid) {
                        h.may_read = true;
                        h.may_write = true;
                        let (r, w) = (h.reader, h.writer);
                        for id in [r, w].into_iter().flatten() {
                            self.io_attempt(id)?;
                        }
                    }
                }
                Event::Signal(sig) => self.os_signal(sig)?,
            }
        }
        Ok(())
    }

    /// A signal arrived: retry subprocess exits (SIGCHLD), signal the Semaphores a
    /// program registered for it, or else apply its default (module `signals`).
    fn os_signal(&mut self, sig: i32) -> VmResult<()> {
        if sig == signals::CHILD {
            for hid in self.s.io.handles.children() {
                if let Some(id) = self.s.io.handles.get(hid).and_then(|h| h.reader) {
                    self.io_attempt(id)?;
                }
            }
            return Ok(());
        }
        let sems = self.s.io.signals.for_signal(sig);
        if sems.is_empty() {
            if sig == signals::QUIT {
                eprintln!("{}", self.process_audit());
                return Ok(());
            }
            let _ = std::io::stdout().flush();
            return Err(VmError::Exit(128 + sig));
        }
        // No allocation below: the Oops stay valid (the list is rooted anyway).
        for sem in sems {
            self.io_signal(sem);
        }
        Ok(())
    }

    /// `cairn run`: SIGTERM and SIGINT end the program cleanly (status 128 + signal)
    /// unless it waits for them (`OSSignal`); SIGQUIT prints the process audit.
    pub fn install_signal_handlers(&mut self) {
        if let Ok(t) = self.io_signal_thread() {
            for sig in signals::DEFAULTS {
                let _ = t.add(sig);
            }
        }
    }
}
