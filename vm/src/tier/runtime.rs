//! The runtime-call table: what compiled code calls for everything it does not do inline
//! (docs/design/jit.md §4.4).
//!
//! Every function has the one signature [`RuntimeFn`]: the VM pointer and four integer
//! arguments, answering a `u32` (a [`status`], or a Boolean for leaf helpers). One
//! signature keeps the translator's call sequence uniform. Values travel through the
//! managed stack, never through native results: before a call that may collect or
//! change frames, compiled code has written its operand stack to the frame's slots and
//! passes `sp` (the first free slot) and `pc` (the bytecode resume point), which the
//! call stores into `State::sp` and the top frame, so the frame is an exact interpreter
//! frame for the whole call.
//!
//! Each function shares the interpreter's routine for the job (`send_site`,
//! `return_value`, `non_local_return`, ...), catches Rust panics (a panic must never
//! unwind into native frames, which have no unwind tables) and turns a `VmError` into
//! `ERROR` with the error parked in `Vm::tier`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use cairn_gc::Oop;

use crate::bytecode::Opcode;
use crate::vm::{Vm, VmError, VmResult};

use super::status::{CONTINUE, ENTER, ERROR, LEAVE};

/// The signature of every runtime call.
pub type RuntimeFn = extern "C" fn(vm: *mut Vm, a: u64, b: u64, c: u64, d: u64) -> u32;

/// The addresses compiled code calls (constants in the code).
#[derive(Clone, Copy, Debug)]
pub struct RuntimeTable {
    /// `(site, pc, sp, is_super)`: a send through the method's send site.
    pub send: RuntimeFn,
    /// `(site, pc, sp, opcode)`: a special send's slow path (`Add`…`AtPut`): the
    /// interpreter's fast paths, then the send.
    pub special: RuntimeFn,
    /// `(global site, pc, sp, -)`: pushes a global's value; unbound: loads or sends.
    pub global: RuntimeFn,
    /// `(value, sp, -, -)`: returns `value` from the top frame: `CONTINUE` for a plain
    /// frame (the caller is on top with the value), `LEAVE` after an unwind.
    pub ret: RuntimeFn,
    /// `(pc, sp, -, -)`: `^value` from a block (the value at `sp - 1`).
    pub non_local_return: RuntimeFn,
    /// `(pc, sp, -, -)`: an inlined conditional met the non-Boolean at `sp - 1`.
    pub not_boolean: RuntimeFn,
    /// `(block, copied, sp, pc)`: pops `copied` values, pushes a closure.
    pub make_closure: RuntimeFn,
    /// `(slot, size, sp, pc)`: a temp vector of `size` nils into frame slot `slot`.
    pub make_temp_vec: RuntimeFn,
    /// `(object, index, value, -)`: body slot store with the write barrier. Leaf: never
    /// collects, never changes frames; answers `CONTINUE`.
    pub store: RuntimeFn,
    /// `(a, b, -, -)`: 1 when two distinct heap objects are equal boxed numbers. Leaf.
    pub same_boxed: RuntimeFn,
    /// `(pc, sp, -, -)`: the safepoint at a back-edge (answers `LEAVE`).
    pub safepoint: RuntimeFn,
}

impl RuntimeTable {
    /// The table.
    pub fn get() -> RuntimeTable {
        RuntimeTable {
            send: rt_send,
            special: rt_special,
            global: rt_global,
            ret: rt_return,
            non_local_return: rt_non_local_return,
            not_boolean: rt_not_boolean,
            make_closure: rt_make_closure,
            make_temp_vec: rt_make_temp_vec,
            store: rt_store,
            same_boxed: rt_same_boxed,
            safepoint: rt_safepoint,
        }
    }
}

/// Runs `f` on the VM behind `vm`, catching panics and parking errors.
fn guarded(vm: *mut Vm, f: impl FnOnce(&mut Vm) -> VmResult<u32>) -> u32 {
    // SAFETY: compiled code passes the pointer `Vm::enter_native` gave it, made from the
    // `&mut Vm` of the running dispatch loop, which does not touch the VM until the
    // native call returns; nothing else aliases it meanwhile.
    let vm = unsafe { &mut *vm };
    match catch_unwind(AssertUnwindSafe(|| f(vm))) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            vm.tier.error = Some(e);
            ERROR
        }
        Err(payload) => {
            let what = crate::vm::panic_message(payload.as_ref());
            vm.tier.error = Some(VmError::Fatal(format!(
                "internal error (a VM bug, in a runtime call): {what}"
            )));
            ERROR
        }
    }
}

impl Vm {
    /// Makes the top frame an exact interpreter frame stopped at `pc` with `sp`; answers
    /// the frame's serial (to tell afterwards whether it is still on top).
    fn call_out(&mut self, pc: u64, sp: u64) -> u64 {
        self.s.sp = sp as usize;
        self.save_pc(pc as usize);
        self.s.frames.last().map_or(0, |f| f.serial)
    }

    /// After a send from the frame `serial`: `CONTINUE` (answered without a frame),
    /// `ENTER` (one frame pushed right above it, at its entry, with native code, and
    /// native stack and no safepoint due: the caller calls it), else `LEAVE`.
    fn status_after_send(&mut self, serial: u64, pc: u64) -> u32 {
        if self.still_in(serial, pc as usize) {
            return CONTINUE;
        }
        let n = self.s.frames.len();
        if n < 2 || self.s.frames[n - 2].serial != serial {
            return LEAVE;
        }
        let top = self.s.frames[n - 1];
        // SAFETY: frames name boxed MethodInfos that are never freed.
        let entry = unsafe { (*top.method).entry };
        match entry {
            Some(e)
                if top.pc == 0
                    && !self.interrupt_pending()
                    && super::stack_address() > self.tier.native_limit =>
            {
                self.tier.enter_entry = e as usize;
                self.tier.enter_fp = top.fp as usize;
                self.tier.direct_calls += 1;
                ENTER
            }
            _ => LEAVE,
        }
    }

    /// The running method (the top frame's).
    fn top_method(&self) -> *mut crate::methods::MethodInfo {
        self.s.frames.last().expect("a running frame").method
    }

    /// A special send's slow path: what the interpreter does when the inline fast path
    /// of `op` does not apply.
    fn special_send(&mut self, op: Opcode, site: usize) -> VmResult<()> {
        let method = self.top_method();
        let (a, b) = (self.peek(1), self.peek(0));
        let fast = match op {
            Opcode::At | Opcode::AtPut => {
                let argc = if op == Opcode::At { 1 } else { 2 };
                if self.array_access(argc) {
                    return Ok(());
                }
                None
            }
            Opcode::Lt | Opcode::Gt | Opcode::Le | Opcode::Ge | Opcode::Eq | Opcode::Ne => {
                match self.compare_fast(op, a, b) {
                    Some(r) => Some(self.boolean(r)),
                    None if op == Opcode::Eq => self.string_equal(a, b).map(|r| self.boolean(r)),
                    None => None,
                }
            }
            _ => match crate::interp::arith_fast(op, a, b) {
                Some(r) => Some(r),
                None => self.float_arith(op, a, b)?,
            },
        };
        match fast {
            Some(r) => {
                self.s.sp -= 1;
                self.set_slot(self.s.sp - 1, r);
                Ok(())
            }
            None => self.send_site(method, site, false),
        }
    }
}

extern "C" fn rt_send(vm: *mut Vm, site: u64, pc: u64, sp: u64, is_super: u64) -> u32 {
    guarded(vm, |vm| {
        vm.tier.slow_sends += 1;
        let serial = vm.call_out(pc, sp);
        let method = vm.top_method();
        vm.send_site(method, site as usize, is_super != 0)?;
        let status = vm.status_after_send(serial, pc);
        Ok(vm.watch_slow_send(method, status))
    })
}

extern "C" fn rt_special(vm: *mut Vm, site: u64, pc: u64, sp: u64, op: u64) -> u32 {
    guarded(vm, |vm| {
        let serial = vm.call_out(pc, sp);
        let op = Opcode::from_byte(op as u8).expect("a special-send opcode");
        vm.special_send(op, site as usize)?;
        Ok(vm.status_after_send(serial, pc))
    })
}

extern "C" fn rt_global(vm: *mut Vm, site: u64, pc: u64, sp: u64, _: u64) -> u32 {
    guarded(vm, |vm| {
        vm.call_out(pc, sp);
        // SAFETY: frames name boxed MethodInfos that are never freed.
        let sym = unsafe { (&(*vm.top_method()).globals)[site as usize] };
        let slot = vm.s.global_slot[sym as usize];
        if slot != u32::MAX && vm.s.global_bound[slot as usize] {
            let v = vm.s.global_values[slot as usize];
            vm.push(v);
            return Ok(CONTINUE);
        }
        vm.unbound_global(sym)?;
        Ok(LEAVE)
    })
}

extern "C" fn rt_return(vm: *mut Vm, value: u64, sp: u64, _: u64, _: u64) -> u32 {
    guarded(vm, |vm| {
        vm.s.sp = sp as usize;
        let flags = vm.s.frames.last().expect("a returning frame").flags;
        vm.return_value(Oop::from_bits(value))?;
        // A plain frame returned into its caller (a native caller goes on, the loop
        // reloads); a flagged one continued an unwind or a handler's return.
        Ok(if flags & !crate::interp::frames::flags::BLOCK == 0 {
            CONTINUE
        } else {
            LEAVE
        })
    })
}

extern "C" fn rt_non_local_return(vm: *mut Vm, pc: u64, sp: u64, _: u64, _: u64) -> u32 {
    guarded(vm, |vm| {
        vm.call_out(pc, sp);
        vm.non_local_return()?;
        Ok(LEAVE)
    })
}

extern "C" fn rt_not_boolean(vm: *mut Vm, pc: u64, sp: u64, _: u64, _: u64) -> u32 {
    guarded(vm, |vm| {
        vm.call_out(pc, sp);
        vm.not_a_boolean()?;
        Ok(LEAVE)
    })
}

extern "C" fn rt_make_closure(vm: *mut Vm, block: u64, copied: u64, sp: u64, pc: u64) -> u32 {
    guarded(vm, |vm| {
        vm.call_out(pc, sp);
        let frame = *vm.s.frames.last().expect("a running frame");
        // SAFETY: frames name boxed MethodInfos that are never freed.
        let index = unsafe { (&(*frame.method).blocks)[block as usize] };
        vm.make_closure(index, copied as usize, frame.fp as usize, frame.home)?;
        Ok(CONTINUE)
    })
}

extern "C" fn rt_make_temp_vec(vm: *mut Vm, slot: u64, size: u64, sp: u64, pc: u64) -> u32 {
    guarded(vm, |vm| {
        vm.call_out(pc, sp);
        let a = vm.new_array(size as usize)?;
        let fp = vm.s.frames.last().expect("a running frame").fp as usize;
        vm.set_slot(fp + slot as usize, a);
        Ok(CONTINUE)
    })
}

extern "C" fn rt_store(vm: *mut Vm, object: u64, index: u64, value: u64, _: u64) -> u32 {
    guarded(vm, |vm| {
        // SAFETY: the same stores the interpreter makes unchecked (`PopField`,
        // `StoreTempVec`, ...): the object has the slot (shape.rs, docs/design/become.md).
        unsafe {
            vm.heap.store_unchecked(
                Oop::from_bits(object),
                index as usize,
                Oop::from_bits(value),
            )
        };
        Ok(CONTINUE)
    })
}

extern "C" fn rt_same_boxed(vm: *mut Vm, a: u64, b: u64, _: u64, _: u64) -> u32 {
    guarded(vm, |vm| {
        Ok(vm.same_boxed_number(Oop::from_bits(a), Oop::from_bits(b)) as u32)
    })
}

extern "C" fn rt_safepoint(vm: *mut Vm, pc: u64, sp: u64, _: u64, _: u64) -> u32 {
    guarded(vm, |vm| {
        vm.call_out(pc, sp);
        vm.safepoint()?;
        Ok(LEAVE)
    })
}
