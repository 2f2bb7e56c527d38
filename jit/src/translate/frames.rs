//! Frames pushed and popped by compiled code itself (docs/design/jit.md §3, §4.3): a send
//! whose guard picked a bytecode method with native code pushes that method's `Frame`
//! (the same record `Vm::push_method_frame` makes) and calls its entry; a return from a
//! plain frame pops it and leaves the value where `Vm::return_value` would. Whatever the
//! inline path does not cover (no native code yet, a safepoint due, the native stack
//! budget, the frame or slot limit, a flagged frame) takes the runtime call, which does
//! the same with every check.

use cairn_vm::tier::status;
use cairn_vm::tier::view::CallTarget;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, Value};

use super::{mem, Translator, I32, I64};

impl Translator<'_, '_> {
    pub(super) fn vm_load(&mut self, offset: i32) -> Value {
        self.b.ins().load(I64, mem(), self.vm, offset)
    }

    pub(super) fn vm_store(&mut self, v: Value, offset: i32) {
        self.b.ins().store(mem(), v, self.vm, offset);
    }

    /// Address of frame record `index` (an I64 value).
    fn frame_record(&mut self, ptr: Value, index: Value) -> Value {
        let size = self.layout.frames.size as i64;
        let bytes = self.b.ins().imul_imm_s(index, size);
        self.b.ins().iadd(ptr, bytes)
    }

    /// In a block where the receiver is known to have `target`'s class: calls `target`
    /// directly with the operands `ops` (receiver first, at operand slot `base`), or
    /// branches to `slow` (before anything but operand slots was written). On return
    /// the result is in slot `base` and the current block goes on; a callee that did not
    /// return into this frame makes this function return its status.
    pub(super) fn direct_call(
        &mut self,
        target: CallTarget,
        ops: &[Value],
        (base, next): (usize, usize),
        slow: Block,
    ) {
        for (k, &v) in ops.iter().enumerate() {
            self.slot_store(base + k, v);
        }
        let method = self.iconst(target.method as i64);
        let entry = self
            .b
            .ins()
            .load(I64, mem(), method, self.layout.frames.entry);
        self.guard(entry, slow);
        let room = self.iconst(target.room as i64);
        let (callee_fp, len) = self.frame_checks(base, room, slow);

        // The push: temporaries nil, then the record.
        let nil = self.vm_field(self.layout.nil);
        for s in target.num_args + 1..target.slots {
            self.slot_store(base + s, nil);
        }
        self.push_record((method, callee_fp, len), None, next);
        self.call_native(entry, callee_fp);
        self.reload();
    }

    /// The checks every inline push makes, branching to `slow` when one fails: no
    /// safepoint due, native stack left, room for one more frame record, and `room`
    /// slots free above the callee's `fp` (the operand slot `base`). Answers the
    /// callee's `fp` and the frame stack's length.
    pub(super) fn frame_checks(&mut self, base: usize, room: Value, slow: Block) -> (Value, Value) {
        let f = self.layout.frames;
        let word = self.iconst(self.layout.interrupt as i64);
        let pending = self.b.ins().load(I32, mem(), word, 0);
        let calm = self.b.ins().icmp_imm_s(IntCC::Equal, pending, 0);
        self.guard(calm, slow);
        let native_sp = self.b.ins().get_stack_pointer(I64);
        let native_limit = self.vm_load(f.native_limit);
        let deep_enough = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, native_sp, native_limit);
        self.guard(deep_enough, slow);
        let len = self.vm_load(f.len);
        let cap = self.vm_load(f.cap);
        let limit = self.vm_load(f.limit);
        let under_cap = self.b.ins().icmp(IntCC::UnsignedLessThan, len, cap);
        self.guard(under_cap, slow);
        let under_limit = self.b.ins().icmp(IntCC::UnsignedLessThan, len, limit);
        self.guard(under_limit, slow);
        let callee_fp = self.b.ins().iadd_imm_s(self.fp, base as i64);
        let need = self.b.ins().iadd(callee_fp, room);
        let slots = self.vm_load(f.stack_slots);
        let fits = self.b.ins().icmp(IntCC::UnsignedLessThan, need, slots);
        self.guard(fits, slow);
        (callee_fp, len)
    }

    /// Writes the caller's resume pc `next` and the callee's `Frame` record (method,
    /// pc 0, `fp`, a new serial, `home` or the serial itself for a method, the block
    /// flag with a home), as `Vm::record_frame` does, and counts the call. `len` is
    /// the frame stack's length before the push.
    pub(super) fn push_record(
        &mut self,
        (method, callee_fp, len): (Value, Value, Value),
        home: Option<Value>,
        next: usize,
    ) {
        let f = self.layout.frames;
        let ptr = self.vm_load(f.ptr);
        let last = self.b.ins().iadd_imm_s(len, -1);
        let caller = self.frame_record(ptr, last);
        let pc = self.b.ins().iconst(I32, next as i64);
        self.b.ins().store(mem(), pc, caller, f.pc);
        let record = self.frame_record(ptr, len);
        let serial = self.vm_load(f.next_serial);
        let following = self.b.ins().iadd_imm_s(serial, 1);
        self.vm_store(following, f.next_serial);
        let zero32 = self.b.ins().iconst(I32, 0);
        let fp32 = self.b.ins().ireduce(I32, callee_fp);
        let flags = if home.is_some() { f.block_flag } else { 0 };
        let flags = self.b.ins().iconst(I32, flags as i64);
        self.b.ins().store(mem(), method, record, f.method);
        self.b.ins().store(mem(), zero32, record, f.pc);
        self.b.ins().store(mem(), fp32, record, f.fp);
        self.b.ins().store(mem(), serial, record, f.serial);
        self.b
            .ins()
            .store(mem(), home.unwrap_or(serial), record, f.home);
        self.b.ins().store(mem(), flags, record, f.flags);
        let pushed = self.b.ins().iadd_imm_s(len, 1);
        self.vm_store(pushed, f.len);
        let counter = if home.is_some() {
            self.layout.blocks.block_calls
        } else {
            f.direct_calls
        };
        self.bump(counter);
    }

    /// The running frame's home serial (its own serial for a method activation), as
    /// `Vm::make_closure` takes it from the top `Frame` record.
    pub(super) fn current_home(&mut self) -> Value {
        let f = self.layout.frames;
        let ptr = self.vm_load(f.ptr);
        let len = self.vm_load(f.len);
        let last = self.b.ins().iadd_imm_s(len, -1);
        let record = self.frame_record(ptr, last);
        self.b.ins().load(I64, mem(), record, f.home)
    }

    /// Adds 1 to the u64 counter at `offset` in the VM.
    pub(super) fn bump(&mut self, offset: i32) {
        let n = self.vm_load(offset);
        let n = self.b.ins().iadd_imm_s(n, 1);
        self.vm_store(n, offset);
    }

    /// Returns `v` from this activation: inline when its frame is plain (only the block
    /// flag, if any), else through the runtime's return (`sp_depth`: operand depth for
    /// `State::sp`). Ends the block.
    pub(super) fn return_value(&mut self, v: Value, sp_depth: usize) {
        let f = self.layout.frames;
        let (plain, flagged) = (self.b.create_block(), self.b.create_block());
        let len = self.vm_load(f.len);
        let ptr = self.vm_load(f.ptr);
        let last = self.b.ins().iadd_imm_s(len, -1);
        let record = self.frame_record(ptr, last);
        let flags = self.b.ins().load(I32, mem(), record, f.flags);
        let others = self.b.ins().band_imm_u(flags, !f.block_flag as i64);
        self.b.ins().brif(others, flagged, &[], plain, &[]);

        self.b.switch_to_block(plain);
        self.vm_store(last, f.len);
        self.slot_store(0, v);
        let sp = self.b.ins().iadd_imm_s(self.fp, 1);
        self.vm_store(sp, f.sp);
        let go_on = self.b.ins().iconst(I32, status::CONTINUE as i64);
        self.b.ins().jump(self.exit, &[go_on.into()]);

        self.b.switch_to_block(flagged);
        self.b.set_cold_block(flagged);
        let sp = self.sp(sp_depth);
        let zero = self.iconst(0);
        let s = self.call(self.layout.runtime.ret, [v, sp, zero, zero]);
        self.b.ins().jump(self.exit, &[s.into()]);
    }
}
