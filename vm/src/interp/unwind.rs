//! Unwinding: non-local return, and the exception machinery of
//! docs/design/exceptions.md (handler search, return/retry/resume/pass/outer), with
//! `ensure:`/`ifCurtailed:` blocks run on the way.
//!
//! An unwind is a pending [`Unwind`] record (frames to keep, final action) plus its value
//! in `State::unwind_values` (a root). [`Vm::continue_unwind`] pops frames until only
//! `keep` remain; when it meets an ensure/curtail frame whose protected block was
//! running, it runs that frame's argument block as a new frame flagged `UNWIND_CONT`
//! and returns to the interpreter; that frame's return resumes the unwind. Nothing
//! recurses in Rust.

use cairn_gc::{ClassIndex, Oop};

use crate::methods::{mark, PROTECTED_PC};
use crate::state::{Unwind, UnwindAction};
use crate::vm::{Vm, VmError, VmResult};

use super::frames::{flags, Pushed};

/// Field indices of Exception (primitives.md "Object layouts").
const EXC_SIGNAL_FRAME: usize = 1;
const EXC_HANDLER_FRAME: usize = 2;

impl Vm {
    /// `^value` from a block: return from the home method frame if it is live, else
    /// send `escapedBlock:` to the block's receiver.
    pub(crate) fn non_local_return(&mut self) -> VmResult<()> {
        let frame = *self.s.frames.last().expect("block frame");
        match self.frame_index_of(frame.home) {
            Some(h) if h + 1 < self.s.frames.len() => {
                let v = self.pop();
                self.start_unwind(h + 1, UnwindAction::Return, v)
            }
            _ => {
                // The returned value is dropped: the block answers escapedBlock:'s value.
                self.s.sp -= 1;
                let closure = self.frame_closure(&frame);
                let recv = self.s.stack[frame.fp as usize];
                self.push(recv);
                self.push(closure);
                let sel = self.intern("escapedBlock:");
                self.send_selector(sel, 1)
            }
        }
    }

    /// Starts an unwind to `keep` frames.
    pub(crate) fn start_unwind(
        &mut self,
        keep: usize,
        action: UnwindAction,
        value: Oop,
    ) -> VmResult<()> {
        self.s.unwinds.push(Unwind { keep, action });
        self.s.unwind_values.push(value);
        self.continue_unwind()
    }

    /// Pops frames of the innermost pending unwind, running ensure blocks.
    pub(crate) fn continue_unwind(&mut self) -> VmResult<()> {
        let rec = *self.s.unwinds.last().expect("pending unwind");
        while self.s.frames.len() > rec.keep {
            let top = *self.s.frames.last().expect("frames above keep");
            // SAFETY: frames name live MethodInfos.
            let marks = unsafe { (*top.method).marks };
            if marks & (mark::ENSURE | mark::CURTAIL) != 0
                && top.pc == PROTECTED_PC
                && top.flags & flags::UNWIND_SEEN == 0
            {
                self.s.frames.last_mut().expect("top").flags |= flags::UNWIND_SEEN;
                // Drop the protected block's leftovers, then run the argument block.
                let fp = top.fp as usize;
                // SAFETY: as above.
                let size = unsafe { (*top.method).frame_size() };
                self.s.sp = fp + size;
                let block = self.s.stack[fp + 1];
                if self.block_arity(block) != Some(0) {
                    // Not a zero-argument block: nothing the unwind can run.
                    continue;
                }
                self.push(block);
                // An overflow here has just granted a reserve zone: run the block in it.
                return match self.push_block_frame(0, flags::UNWIND_CONT)? {
                    Pushed::Ok => Ok(()),
                    Pushed::Overflow => match self.push_block_frame(0, flags::UNWIND_CONT)? {
                        Pushed::Ok => Ok(()),
                        Pushed::Overflow => {
                            Err(VmError::Fatal("stack overflow while unwinding".into()))
                        }
                    },
                };
            }
            if top.flags & flags::UNWIND_CONT != 0 {
                // An unwind started inside an ensure block abandons the outer unwind.
                let n = self.s.unwinds.len();
                if n >= 2 {
                    self.s.unwinds.remove(n - 2);
                    self.s.unwind_values.remove(n - 2);
                }
            }
            self.s.frames.pop();
            self.s.sp = top.fp as usize;
        }
        let rec = self.s.unwinds.pop().expect("pending unwind");
        let value = self.s.unwind_values.pop().expect("unwind value");
        self.limits.settle(self.s.frames.len());
        match rec.action {
            UnwindAction::Return => self.return_value(value),
            UnwindAction::Resume => {
                let sp = self.s.sp;
                self.s.stack[sp - 1] = value;
                Ok(())
            }
            UnwindAction::Finish => {
                self.push(value);
                Ok(())
            }
            UnwindAction::Restart => {
                let f = self.s.frames.last_mut().expect("handler frame");
                f.pc = 0;
                f.flags &= !flags::HANDLER_DISABLED;
                let (fp, method) = (f.fp as usize, f.method);
                // SAFETY: as above.
                self.s.sp = fp + unsafe { (*method).frame_size() };
                Ok(())
            }
        }
    }

    /// Unwinds for `exception` to its handler frame (return/retry) or to its signal
    /// frame (resume).
    pub(crate) fn exception_unwind(
        &mut self,
        exception: Oop,
        value: Oop,
        action: UnwindAction,
    ) -> VmResult<()> {
        // Resumption keeps the signalling frame; return and retry keep the handler's.
        let field = match action {
            UnwindAction::Resume => EXC_SIGNAL_FRAME,
            _ => EXC_HANDLER_FRAME,
        };
        let serial = self.heap.fetch(exception, field);
        let index = if serial.is_small_int() {
            self.frame_index_of(serial.as_small_int() as u64)
        } else {
            None
        };
        let Some(index) = index else {
            self.push(exception);
            return self.signal_vm_error("IllegalResumeAttempt");
        };
        if action == UnwindAction::Resume {
            // The handler frame stays: it may handle again.
            let h = self.heap.fetch(exception, EXC_HANDLER_FRAME);
            if h.is_small_int() {
                if let Some(hi) = self.frame_index_of(h.as_small_int() as u64) {
                    self.s.frames[hi].flags &= !flags::HANDLER_DISABLED;
                }
            }
        }
        self.start_unwind(index + 1, action, value)
    }

    /// `Exception>>signal` (and pass/outer): search handler frames below `start`
    /// (exclusive) for one that handles the exception on top of the stack.
    pub(crate) fn signal_exception(&mut self, start: usize, record_signal: bool) -> VmResult<()> {
        let exception = self.top();
        let exc_class = self.class_of(exception);
        let mut found = None;
        for i in (0..start).rev() {
            let f = self.s.frames[i];
            // SAFETY: frames name live MethodInfos.
            let marks = unsafe { (*f.method).marks };
            if marks & mark::HANDLER == 0
                || f.pc != PROTECTED_PC
                || f.flags & flags::HANDLER_DISABLED != 0
            {
                continue;
            }
            let selector = self.s.stack[f.fp as usize + 1];
            if self.handles(selector, exc_class) {
                found = Some(i);
                break;
            }
        }
        let Some(h) = found else {
            let sel = self.intern("defaultAction");
            return self.send_selector(sel, 0);
        };
        let top_serial = self.s.frames.last().expect("signalling frame").serial;
        let h_serial = self.s.frames[h].serial;
        if record_signal {
            self.heap.store(
                exception,
                EXC_SIGNAL_FRAME,
                Oop::small_int(top_serial as i64),
            );
        }
        self.heap.store(
            exception,
            EXC_HANDLER_FRAME,
            Oop::small_int(h_serial as i64),
        );
        self.s.frames[h].flags |= flags::HANDLER_DISABLED;
        // Run the handler block above the signal: [exception][handler (exception)].
        let handler = self.s.stack[self.s.frames[h].fp as usize + 2];
        self.push(handler);
        let argc = match self.block_arity(handler) {
            Some(0) => 0,
            Some(1) => {
                self.push(exception);
                1
            }
            _ => {
                // Not a zero- or one-argument block: send it `value:` (the kernel's
                // failure for a wrong handler), without the return-on-completion mark.
                self.push(exception);
                let sel = self.intern("value:");
                return self.send_selector(sel, 1);
            }
        };
        // An overflow here has just granted a reserve zone: run the handler in it.
        match self.push_block_frame(argc, flags::HANDLER_BLOCK)? {
            Pushed::Ok => Ok(()),
            Pushed::Overflow => match self.push_block_frame(argc, flags::HANDLER_BLOCK)? {
                Pushed::Ok => Ok(()),
                Pushed::Overflow => Err(VmError::Fatal("stack overflow while signalling".into())),
            },
        }
    }

    /// Whether an `on:` argument (a class or an ExceptionSet) handles `exc_class`.
    fn handles(&self, selector: Oop, exc_class: ClassIndex) -> bool {
        if let Some(ci) = self.class_index_of_class_object(selector) {
            return self.inherits(exc_class, ci);
        }
        if selector.is_ptr() && self.heap.slot_count(selector) > 0 {
            let set = self.heap.fetch(selector, 0);
            if self.is_array(set) {
                let n = self.heap.indexable_len(set);
                return (0..n).any(|i| self.handles(self.heap.fetch(set, i), exc_class));
            }
        }
        false
    }

    /// The class index a class object stands for, if `oop` is a class or metaclass.
    pub(crate) fn class_index_of_class_object(&self, oop: Oop) -> Option<ClassIndex> {
        if !oop.is_ptr() {
            return None;
        }
        // A class is the only instance of its metaclass.
        let meta = self.class_of(oop);
        if let Some(Some(info)) = self.s.classes.get(meta.index()) {
            if let Some(ci) = info.instance {
                return (self.heap.class_at(ci) == oop).then_some(ci);
            }
        }
        // Metaclasses (instances of Metaclass) are found by identity hash.
        let h = self.heap.peek_identity_hash(oop);
        let candidates = self.class_by_hash.get(&h)?;
        candidates
            .iter()
            .map(|&c| ClassIndex(c))
            .find(|&c| self.heap.class_at(c) == oop)
    }

    /// True when an `OutOfMemory` signalled earlier in the active process is still being
    /// signalled, handled or reported (the first frame its signal pushed is still on the
    /// stack): this one ends the run with [`VmError::OutOfMemory`] instead. Signalling
    /// it would need memory too, each attempt a full collection, and an unhandled one's
    /// report (which allocates) would recurse until `StackOverflow`. A handler that
    /// returns, retries or is unwound drops its record.
    fn out_of_memory_again(&mut self) -> bool {
        let pid = self.s.sched.active;
        let frames = &self.s.frames;
        self.oom_signals.retain(|&(p, depth, serial)| {
            p != pid || frames.get(depth).is_some_and(|f| f.serial == serial)
        });
        self.oom_signals.iter().any(|&(p, ..)| p == pid)
    }

    /// `OutOfMemory signal` in the running frame, recorded for
    /// [`Vm::out_of_memory_again`]; [`VmError::OutOfMemory`] when that says so.
    #[cold]
    pub(crate) fn signal_out_of_memory(&mut self) -> VmResult<()> {
        if self.out_of_memory_again() {
            return Err(VmError::OutOfMemory);
        }
        let depth = self.s.frames.len();
        self.signal_vm_error("OutOfMemory")?;
        if let Some(f) = self.s.frames.get(depth) {
            // Records of ended processes go when the list is long.
            if self.oom_signals.len() >= 64 {
                self.oom_signals.remove(0);
            }
            self.oom_signals
                .push((self.s.sched.active, depth, f.serial));
        }
        Ok(())
    }
}
