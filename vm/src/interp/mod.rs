//! The bytecode interpreter: one dispatch loop over the managed process stack.
//!
//! [`Vm::run`] executes until the frame count drops back to a base depth. Sends never
//! recurse in Rust: a send pushes a [`frames::Frame`] and the loop continues in it; a
//! return pops it. The loop keeps the current method, `fp` and `pc` in locals and
//! reloads them from the top frame after anything that may change frames or move
//! objects (`continue 'frames`). Parts: [`frames`] (activation records), [`send`]
//! (lookup, inline caches, primitive calls), [`operands`] (unchecked bytecode reads),
//! [`unwind`] (non-local return, exceptions, ensure blocks), [`shape`] (what unchecked
//! field and temp-vector accesses rely on, and `become:`), [`trace`] (stack traces).

pub(crate) mod frame_stack;
pub(crate) mod frames;
mod operands;
pub(crate) mod send;
pub mod shape;
pub(crate) mod trace;
pub(crate) mod unwind;

use cairn_gc::{ClassIndex, Format, Oop};

use crate::bytecode::Opcode;
use crate::methods::MethodInfo;
use crate::state::UnwindAction;
use crate::vm::{Vm, VmError, VmResult};

use frames::flags;
use operands::{byte_at, opcode_at, u16_at};

impl Vm {
    // Stack access is unchecked: every frame push reserves room for the frame's slots,
    // its deepest operand stack (bounded by its code length) and 8 spare slots, and the
    // primitives that push more (argument spreading) call `reserve_stack` first.

    #[inline(always)]
    pub(crate) fn push(&mut self, v: Oop) {
        let sp = self.s.sp;
        debug_assert!(sp < self.s.stack.len());
        // SAFETY: see above: sp is below the reserved length.
        unsafe { *self.s.stack.get_unchecked_mut(sp) = v };
        self.s.sp = sp + 1;
    }

    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Oop {
        self.s.sp -= 1;
        debug_assert!(self.s.sp < self.s.stack.len());
        // SAFETY: sp was decremented from a valid top.
        unsafe { *self.s.stack.get_unchecked(self.s.sp) }
    }

    #[inline(always)]
    pub(crate) fn top(&self) -> Oop {
        self.peek(0)
    }

    #[inline(always)]
    pub(crate) fn peek(&self, depth: usize) -> Oop {
        let i = self.s.sp - 1 - depth;
        debug_assert!(i < self.s.stack.len());
        // SAFETY: i is below sp, which is within the stack.
        unsafe { *self.s.stack.get_unchecked(i) }
    }

    /// Slot `i` of the stack (a frame slot: below sp).
    #[inline(always)]
    pub(crate) fn slot(&self, i: usize) -> Oop {
        debug_assert!(i < self.s.stack.len());
        // SAFETY: frame slots are below the reserved length.
        unsafe { *self.s.stack.get_unchecked(i) }
    }

    /// Stores frame slot `i`.
    #[inline(always)]
    pub(crate) fn set_slot(&mut self, i: usize, v: Oop) {
        debug_assert!(i < self.s.stack.len());
        // SAFETY: as `slot`.
        unsafe { *self.s.stack.get_unchecked_mut(i) = v };
    }

    /// Makes room for `n` more slots above sp (primitives that spread arrays).
    pub(crate) fn reserve_stack(&mut self, n: usize) -> VmResult<()> {
        let need = self.s.sp + n + 8;
        if need >= self.limits.slots {
            return Err(crate::vm::VmError::Fatal(
                "too many arguments for the stack".into(),
            ));
        }
        if need >= self.s.stack.len() {
            self.grow_stack(need * 2);
        }
        Ok(())
    }

    /// Runs until only `base` frames remain; answers the value the last frame returned.
    ///
    /// An allocation the interpreter makes itself (a closure, a temp vector, a boxed
    /// Double, a `doesNotUnderstand:` message) that fails becomes `OutOfMemory signal`
    /// in the running frame, as a failing allocation primitive does; OutOfMemory is not
    /// resumable, so that frame never continues after the failed instruction. Only
    /// when signalling itself has no memory left does the error leave the VM.
    ///
    /// Scratch roots pushed by the operation that failed (Rust code whose `?` skipped
    /// its pops) are dropped first: those of callers outside this run lie below the
    /// depth it started with and stay.
    ///
    /// The run belongs to the active process (its owner): other processes may run
    /// meanwhile (`vm/src/sched/`), and the run ends when the owner's frames drop to
    /// `base` (`State::floor` while it is active).
    pub(crate) fn run(&mut self, base: usize) -> VmResult<Oop> {
        let scratch = self.s.scratch.len();
        let outer = self.enter_run(base);
        let result = loop {
            match self.run_frames() {
                Err(VmError::OutOfMemory) if self.s.frames.len() > self.s.floor => {
                    self.s.scratch.truncate(scratch);
                    if let Err(e) = self.signal_out_of_memory() {
                        break Err(e);
                    }
                }
                result => break result,
            }
        };
        self.leave_run(outer);
        result
    }

    /// Saves `pc` (the failing instruction, for the stack trace) and passes `e` on.
    #[cold]
    fn fail_at(&mut self, pc: usize, e: VmError) -> VmError {
        self.save_pc(pc);
        e
    }

    fn run_frames(&mut self) -> VmResult<Oop> {
        'frames: loop {
            if self.s.frames.len() <= self.s.floor {
                if self.s.sched.active == self.s.sched.owner {
                    return Ok(self.pop());
                }
                self.process_ended()?;
                continue 'frames;
            }
            let frame = *self.s.frames.last().expect("a frame is running");
            let method: *mut MethodInfo = frame.method;
            // SAFETY: MethodInfos are boxed and never freed while the VM runs.
            let m = unsafe { &mut *method };
            let code: &[u8] = &m.code;
            let fp = frame.fp as usize;
            let mut pc = frame.pc as usize;
            if pc == 0 && self.interrupt_pending() {
                // The safepoint may switch processes: reload the top frame.
                self.safepoint()?;
                continue 'frames;
            }
            if let Some(entry) = m.entry {
                // Native code for this method (docs/design/jit.md §4.2): it runs from
                // `pc` (entry or a resume point) until frames change.
                match self.enter_native(entry, fp, pc) {
                    crate::tier::status::INTERPRET => {}
                    crate::tier::status::ERROR => return Err(self.take_tier_error()),
                    _ => continue 'frames,
                }
            }
            loop {
                let op = opcode_at(code, pc);
                match op {
                    Opcode::PushLocal => {
                        let v = self.slot(fp + byte_at(code, pc + 1) as usize);
                        self.push(v);
                        pc += 2;
                    }
                    Opcode::PushField => {
                        let recv = self.slot(fp);
                        // SAFETY: the receiver has pointer format and more named slots than any
                        // field index this code uses (`shape::Needs::fields`): sends look up by
                        // its class, `invokeOn:with:` checks, `become:` refuses to break a
                        // running frame, closures are checked when activated (shape.rs).
                        let v = unsafe {
                            self.heap
                                .fetch_unchecked(recv, byte_at(code, pc + 1) as usize)
                        };
                        self.push(v);
                        pc += 2;
                    }
                    Opcode::PushTempVec => {
                        let vec = self.slot(fp + byte_at(code, pc + 1) as usize);
                        // SAFETY: temp vectors are made by MakeTempVec with the size the compiler
                        // computed for its indices; `become:` and closure activation keep a
                        // pointer object with at least that many slots there (shape.rs).
                        let v = unsafe {
                            self.heap
                                .fetch_unchecked(vec, byte_at(code, pc + 2) as usize)
                        };
                        self.push(v);
                        pc += 3;
                    }
                    Opcode::PushLiteral => {
                        let v = m.literals[u16_at(code, pc + 1)];
                        self.push(v);
                        pc += 3;
                    }
                    Opcode::PushGlobal => {
                        let sym = m.globals[u16_at(code, pc + 1)];
                        let slot = self.s.global_slot[sym as usize];
                        if slot != u32::MAX && self.s.global_bound[slot as usize] {
                            let v = self.s.global_values[slot as usize];
                            self.push(v);
                            pc += 3;
                        } else {
                            self.save_pc(pc + 3);
                            self.unbound_global(sym)?;
                            continue 'frames;
                        }
                    }
                    Opcode::PushSelf => {
                        let v = self.slot(fp);
                        self.push(v);
                        pc += 1;
                    }
                    Opcode::PushNil => {
                        let v = self.nil();
                        self.push(v);
                        pc += 1;
                    }
                    Opcode::PushTrue => {
                        let v = self.s.specials.true_;
                        self.push(v);
                        pc += 1;
                    }
                    Opcode::PushFalse => {
                        let v = self.s.specials.false_;
                        self.push(v);
                        pc += 1;
                    }
                    Opcode::PushSmall => {
                        self.push(Oop::small_int(byte_at(code, pc + 1) as i64));
                        pc += 2;
                    }
                    Opcode::StoreLocal => {
                        self.set_slot(fp + byte_at(code, pc + 1) as usize, self.top());
                        pc += 2;
                    }
                    Opcode::StoreField => {
                        let recv = self.slot(fp);
                        let v = self.top();
                        // SAFETY: as PushField.
                        unsafe {
                            self.heap
                                .store_unchecked(recv, byte_at(code, pc + 1) as usize, v)
                        };
                        pc += 2;
                    }
                    Opcode::StoreTempVec => {
                        let vec = self.slot(fp + byte_at(code, pc + 1) as usize);
                        let v = self.top();
                        // SAFETY: as PushTempVec.
                        unsafe {
                            self.heap
                                .store_unchecked(vec, byte_at(code, pc + 2) as usize, v)
                        };
                        pc += 3;
                    }
                    Opcode::PopLocal => {
                        let v = self.pop();
                        self.set_slot(fp + byte_at(code, pc + 1) as usize, v);
                        pc += 2;
                    }
                    Opcode::PopField => {
                        let recv = self.slot(fp);
                        let v = self.pop();
                        // SAFETY: as PushField.
                        unsafe {
                            self.heap
                                .store_unchecked(recv, byte_at(code, pc + 1) as usize, v)
                        };
                        pc += 2;
                    }
                    Opcode::PopTempVec => {
                        let vec = self.slot(fp + byte_at(code, pc + 1) as usize);
                        let v = self.pop();
                        // SAFETY: as PushTempVec.
                        unsafe {
                            self.heap
                                .store_unchecked(vec, byte_at(code, pc + 2) as usize, v)
                        };
                        pc += 3;
                    }
                    Opcode::MakeTempVec => {
                        let a = (self.new_array(byte_at(code, pc + 2) as usize))
                            .map_err(|e| self.fail_at(pc, e))?;
                        self.s.stack[fp + byte_at(code, pc + 1) as usize] = a;
                        pc += 3;
                    }
                    Opcode::MakeClosure => {
                        let block = m.blocks[u16_at(code, pc + 1)];
                        let copied = byte_at(code, pc + 3) as usize;
                        (self.make_closure(block, copied, fp, frame.home))
                            .map_err(|e| self.fail_at(pc, e))?;
                        pc += 4;
                    }
                    Opcode::Pop => {
                        self.s.sp -= 1;
                        pc += 1;
                    }
                    Opcode::Dup => {
                        let v = self.top();
                        self.push(v);
                        pc += 1;
                    }
                    Opcode::Send => {
                        let site = u16_at(code, pc + 1);
                        self.save_pc(pc + 3);
                        self.send_site(method, site, false)?;
                        if self.still_in(frame.serial, pc + 3) {
                            pc += 3;
                            continue;
                        }
                        continue 'frames;
                    }
                    Opcode::SuperSend => {
                        let site = u16_at(code, pc + 1);
                        self.save_pc(pc + 3);
                        self.send_site(method, site, true)?;
                        if self.still_in(frame.serial, pc + 3) {
                            pc += 3;
                            continue;
                        }
                        continue 'frames;
                    }
                    Opcode::Add
                    | Opcode::Sub
                    | Opcode::Mul
                    | Opcode::IntDiv
                    | Opcode::Mod
                    | Opcode::BitAnd
                    | Opcode::Quo => {
                        let (a, b) = (self.peek(1), self.peek(0));
                        if let Some(r) = arith_fast(op, a, b) {
                            self.s.sp -= 1;
                            self.set_slot(self.s.sp - 1, r);
                            pc += 3;
                        } else if let Some(r) =
                            (self.float_arith(op, a, b)).map_err(|e| self.fail_at(pc, e))?
                        {
                            self.s.sp -= 1;
                            self.set_slot(self.s.sp - 1, r);
                            pc += 3;
                        } else {
                            let site = u16_at(code, pc + 1);
                            self.save_pc(pc + 3);
                            self.send_site(method, site, false)?;
                            if self.still_in(frame.serial, pc + 3) {
                                pc += 3;
                                continue;
                            }
                            continue 'frames;
                        }
                    }
                    Opcode::Lt | Opcode::Gt | Opcode::Le | Opcode::Ge | Opcode::Eq | Opcode::Ne => {
                        let (a, b) = (self.peek(1), self.peek(0));
                        let r = match self.compare_fast(op, a, b) {
                            Some(r) => Some(r),
                            // `~=` is identity-based for Strings (Object>>~=): only `=`.
                            None if op == Opcode::Eq => self.string_equal(a, b),
                            None => None,
                        };
                        if let Some(r) = r {
                            self.s.sp -= 1;
                            self.set_slot(self.s.sp - 1, self.boolean(r));
                            pc += 3;
                        } else {
                            let site = u16_at(code, pc + 1);
                            self.save_pc(pc + 3);
                            self.send_site(method, site, false)?;
                            if self.still_in(frame.serial, pc + 3) {
                                pc += 3;
                                continue;
                            }
                            continue 'frames;
                        }
                    }
                    Opcode::At | Opcode::AtPut => {
                        let argc = if op == Opcode::At { 1 } else { 2 };
                        if self.array_access(argc) {
                            pc += 3;
                        } else {
                            let site = u16_at(code, pc + 1);
                            self.save_pc(pc + 3);
                            self.send_site(method, site, false)?;
                            if self.still_in(frame.serial, pc + 3) {
                                pc += 3;
                                continue;
                            }
                            continue 'frames;
                        }
                    }
                    Opcode::Identical => {
                        let b = self.pop();
                        let a = self.top();
                        let same =
                            a == b || (a.is_ptr() && b.is_ptr() && self.same_boxed_number(a, b));
                        self.set_slot(self.s.sp - 1, self.boolean(same));
                        pc += 1;
                    }
                    Opcode::ReturnTop => {
                        let v = self.pop();
                        self.return_value(v)?;
                        continue 'frames;
                    }
                    Opcode::ReturnSelf => {
                        let v = self.slot(fp);
                        self.return_value(v)?;
                        continue 'frames;
                    }
                    Opcode::ReturnNil => {
                        let v = self.nil();
                        self.return_value(v)?;
                        continue 'frames;
                    }
                    Opcode::ReturnNonLocal => {
                        self.save_pc(pc + 1);
                        self.non_local_return()?;
                        continue 'frames;
                    }
                    Opcode::Jump => {
                        pc += 3 + u16_at(code, pc + 1);
                    }
                    Opcode::JumpBack => {
                        pc = pc + 3 - u16_at(code, pc + 1);
                        m.loop_countdown = m.loop_countdown.wrapping_sub(1);
                        if m.loop_countdown == 0 && self.tier_up_loop(method) {
                            // On-stack replacement: the frame already has the compiled
                            // layout; native code resumes at the loop head.
                            self.save_pc(pc);
                            continue 'frames;
                        }
                        if self.interrupt_pending() {
                            self.save_pc(pc);
                            self.safepoint()?;
                            continue 'frames;
                        }
                    }
                    Opcode::JumpIfTrue | Opcode::JumpIfFalse => {
                        let v = self.pop();
                        let want = if op == Opcode::JumpIfTrue {
                            self.s.specials.true_
                        } else {
                            self.s.specials.false_
                        };
                        if v == want {
                            pc += 3 + u16_at(code, pc + 1);
                        } else if v == self.s.specials.true_ || v == self.s.specials.false_ {
                            pc += 3;
                        } else {
                            // The answer replaces the condition and the jump runs
                            // again (`Object>>mustBeBoolean` answers a Boolean).
                            self.push(v);
                            self.save_pc(pc);
                            self.not_a_boolean()?;
                            continue 'frames;
                        }
                    }
                    Opcode::JumpIfNil => {
                        let v = self.pop();
                        pc += 3;
                        if v == self.nil() {
                            pc += u16_at(code, pc - 2);
                        }
                    }
                    Opcode::JumpIfNotNil => {
                        let v = self.pop();
                        pc += 3;
                        if v != self.nil() {
                            pc += u16_at(code, pc - 2);
                        }
                    }
                    Opcode::IncLocal => {
                        let slot = fp + byte_at(code, pc + 1) as usize;
                        let v = self.slot(slot);
                        match if v.is_small_int() {
                            v.checked_add(Oop::small_int(1))
                        } else {
                            None
                        } {
                            Some(r) => {
                                self.set_slot(slot, r);
                                pc += 3 + byte_at(code, pc + 2) as usize;
                            }
                            None => pc += 3,
                        }
                    }
                }
            }
        }
    }

    /// True when the frame `serial` is still on top and about to resume at `pc`: a
    /// send answered without a frame (primitive or trivial method), so the loop can go
    /// on without reloading its state.
    #[inline(always)]
    pub(crate) fn still_in(&self, serial: u64, pc: usize) -> bool {
        match self.s.frames.last() {
            Some(f) => f.serial == serial && f.pc as usize == pc,
            None => false,
        }
    }

    /// Saves `pc` into the top frame (before anything that can push or pop frames).
    #[inline(always)]
    pub(crate) fn save_pc(&mut self, pc: usize) {
        if let Some(f) = self.s.frames.last_mut() {
            f.pc = pc as u32;
        }
    }

    /// Pops the top frame, leaving `value` in its receiver slot; handles flagged frames.
    #[inline(always)]
    pub(crate) fn return_value(&mut self, value: Oop) -> VmResult<()> {
        let frame = self.s.frames.pop().expect("returning frame");
        if frame.flags & !flags::BLOCK != 0 {
            return self.return_flagged(frame, value);
        }
        let fp = frame.fp as usize;
        self.set_slot(fp, value);
        self.s.sp = fp + 1;
        Ok(())
    }

    #[cold]
    fn return_flagged(&mut self, frame: frames::Frame, value: Oop) -> VmResult<()> {
        let fp = frame.fp as usize;
        if frame.flags & flags::UNWIND_CONT != 0 {
            // An ensure block run by an unwind finished: continue the unwind.
            self.s.sp = fp;
            return self.continue_unwind();
        }
        if frame.flags & flags::HANDLER_BLOCK != 0 {
            // A handler block answered normally: `exception return: value`.
            let exception = self.s.stack[fp - 1];
            self.s.sp = fp;
            return self.exception_unwind(exception, value, UnwindAction::Return);
        }
        self.s.stack[fp] = value;
        self.s.sp = fp + 1;
        Ok(())
    }

    /// Allocates a closure over block method `block`, popping `copied` values.
    pub(crate) fn make_closure(
        &mut self,
        block: u32,
        copied: usize,
        fp: usize,
        home: u64,
    ) -> VmResult<()> {
        // SAFETY: block method indices are valid.
        let argc = self.s.methods[block as usize].num_args;
        let class = ClassIndex(self.s.known.blocks[argc.min(3)]);
        let c = self.alloc(class, Format::Fixed, 3 + copied, 0)?;
        self.heap.store(c, 0, Oop::small_int(block as i64));
        let recv = self.slot(fp);
        self.heap.store(c, 1, recv);
        self.heap.store(c, 2, Oop::small_int(home as i64));
        let base = self.s.sp - copied;
        for k in 0..copied {
            let v = self.s.stack[base + k];
            self.heap.store(c, 3 + k, v);
        }
        self.s.sp = base;
        self.push(c);
        Ok(())
    }

    /// `at:` (argc 1) or `at:put:` (argc 2) on an Array with a SmallInteger index in
    /// range, done in place; false when the send must happen.
    #[inline(always)]
    pub(crate) fn array_access(&mut self, argc: usize) -> bool {
        let (recv, index) = (self.peek(argc), self.peek(argc - 1));
        if !(recv.is_ptr() && index.is_small_int() && self.class_of(recv).0 == self.s.known.array) {
            return false;
        }
        let i = index.as_small_int();
        if i < 1 || i as usize > self.heap.slot_count(recv) {
            return false;
        }
        let i = i as usize - 1;
        let result = if argc == 1 {
            // SAFETY: Arrays have no named slots; i is below the slot count.
            unsafe { self.heap.fetch_unchecked(recv, i) }
        } else {
            let v = self.peek(0);
            // SAFETY: as above.
            unsafe { self.heap.store_unchecked(recv, i, v) };
            v
        };
        self.s.sp -= argc;
        self.set_slot(self.s.sp - 1, result);
        true
    }

    /// `String = String-or-Symbol` without a send (String's `=` is a primitive and
    /// String cannot be shadowed); None for any other receiver.
    #[inline(never)]
    pub(crate) fn string_equal(&self, a: Oop, b: Oop) -> Option<bool> {
        if !(a.is_ptr() && b.is_ptr()) || self.class_of(a).0 != self.s.known.string {
            return None;
        }
        let cb = self.class_of(b).0;
        if cb != self.s.known.string && cb != self.s.known.symbol {
            return None;
        }
        let (x, y) = (self.heap.bytes(a), self.heap.bytes(b));
        Some(x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p == q))
    }

    /// Numbers are identical when equal (LargeIntegers and boxed Doubles are values).
    #[cold]
    #[inline(never)]
    pub(crate) fn same_boxed_number(&self, a: Oop, b: Oop) -> bool {
        let (ca, cb) = (self.class_of(a).0, self.class_of(b).0);
        ca == cb
            && (ca == self.s.known.integer || ca == self.s.known.double)
            && self.heap.bytes(a) == self.heap.bytes(b)
    }
}

/// SmallInteger (and immediate Double) fast paths for the arithmetic opcodes.
#[inline(always)]
pub(crate) fn arith_fast(op: Opcode, a: Oop, b: Oop) -> Option<Oop> {
    if !(a.is_small_int() && b.is_small_int()) {
        if a.is_immediate_float() && b.is_immediate_float() {
            let (x, y) = (a.as_f64(), b.as_f64());
            return Oop::try_from_f64(match op {
                Opcode::Add => x + y,
                Opcode::Sub => x - y,
                Opcode::Mul => x * y,
                _ => return None,
            });
        }
        return None;
    }
    match op {
        Opcode::Add => a.checked_add(b),
        Opcode::Sub => a.checked_sub(b),
        Opcode::Mul => a.checked_mul(b),
        Opcode::BitAnd => Some(Oop::small_int(a.as_small_int() & b.as_small_int())),
        Opcode::Quo => Oop::from_i64(a.as_small_int().checked_div(b.as_small_int())?),
        Opcode::Mod => {
            let (x, y) = (a.as_small_int(), b.as_small_int());
            if y == 0 {
                return None;
            }
            let r = x.wrapping_rem(y);
            Oop::from_i64(if r != 0 && (r < 0) != (y < 0) {
                r + y
            } else {
                r
            })
        }
        _ => None,
    }
}

impl Vm {
    /// Double fast paths (immediate or boxed doubles, or a double and an integer).
    #[inline(never)]
    pub(crate) fn float_arith(&mut self, op: Opcode, a: Oop, b: Oop) -> VmResult<Option<Oop>> {
        let Some(x) = self.double_value(a) else {
            return Ok(None);
        };
        let y = if b.is_small_int() {
            b.as_small_int() as f64
        } else {
            match self.double_value(b) {
                Some(y) => y,
                None => return Ok(None),
            }
        };
        let r = match op {
            Opcode::Add => x + y,
            Opcode::Sub => x - y,
            Opcode::Mul => x * y,
            Opcode::IntDiv => x / y,
            _ => return Ok(None),
        };
        self.new_double(r).map(Some)
    }

    /// SmallInteger and Double comparison fast paths.
    #[inline(always)]
    pub(crate) fn compare_fast(&self, op: Opcode, a: Oop, b: Oop) -> Option<bool> {
        if a.is_small_int() && b.is_small_int() {
            let (x, y) = (a.as_small_int(), b.as_small_int());
            return Some(match op {
                Opcode::Lt => x < y,
                Opcode::Gt => x > y,
                Opcode::Le => x <= y,
                Opcode::Ge => x >= y,
                Opcode::Eq => x == y,
                _ => x != y,
            });
        }
        let x = self.double_value(a)?;
        let y = if b.is_small_int() {
            b.as_small_int() as f64
        } else {
            self.double_value(b)?
        };
        Some(match op {
            Opcode::Lt => x < y,
            Opcode::Gt => x > y,
            Opcode::Le => x <= y,
            Opcode::Ge => x >= y,
            Opcode::Eq => x == y,
            _ => x != y,
        })
    }
}
