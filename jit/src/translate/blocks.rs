//! Closures activated by compiled code itself (docs/design/jit.md, "Direct block
//! calls"): a `value`, `value:` ... send whose receiver has the block class the guard
//! chain picked pushes the block's frame (what `Vm::push_block_frame` makes) and calls
//! the block's native entry, without the runtime's send and the `value` primitive.
//!
//! The closure's method is found at run time (a site such as `aBlock value: each`
//! meets many blocks): closure slot 0 indexes the method table. The one comparison
//! with the method's `closure_key` accepts exactly the closures `Vm::block_arity`
//! accepts for this argument count (slot count, a block method, the arity, and no
//! shape check due); anything else, a block without native code, or a failed frame
//! check (`frames.rs`) takes the generic send, which runs the primitive with every
//! check.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, Value};

use super::{mem, Translator, I64};

/// Closure slots before the copied values: method index, receiver, home serial.
const CLOSURE_HEADER: usize = 3;

impl Translator<'_, '_> {
    /// In a block where `ops[0]` (the closure, at operand slot `base`) is known to be
    /// a heap object of the block class for `ops.len() - 1` arguments: activates it
    /// directly, or branches to `slow` before writing anything but operand slots. On
    /// return the result is in slot `base`; a callee that did not return into this
    /// frame makes this function return its status.
    pub(super) fn block_call(&mut self, ops: &[Value], (base, next): (usize, usize), slow: Block) {
        let (bl, h) = (self.layout.blocks, self.layout.header);
        let argc = ops.len() - 1;
        for (k, &v) in ops.iter().enumerate() {
            self.slot_store(base + k, v);
        }
        let closure = ops[0];
        let header = self.b.ins().load(I64, mem(), closure, 0);
        let format = self.b.ins().ushr_imm_s(header, h.format_shift as i64);
        let format = self.b.ins().band_imm_u(format, h.format_mask as i64);
        let pointers =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedLessThan, format, h.pointer_formats as i64);
        self.guard(pointers, slow);
        let size = self
            .b
            .ins()
            .ushr_imm_s(header, self.layout.size_shift as i64);
        // Slot 0 (a SmallInteger) indexes the method table.
        let index = self.field_load(closure, 0);
        let tag = self.b.ins().band_imm_u(index, 7);
        let is_int = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, tag, super::SMALL_INT_TAG);
        self.guard(is_int, slow);
        let index = self.b.ins().sshr_imm_u(index, 3);
        let len = self.vm_load(bl.methods_len);
        let known = self.b.ins().icmp(IntCC::UnsignedLessThan, index, len);
        self.guard(known, slow);
        let table = self.vm_load(bl.methods_base);
        let offset = self.b.ins().ishl_imm_u(index, 3);
        let address = self.b.ins().iadd(table, offset);
        let method = self.b.ins().load(I64, mem(), address, 0);
        // The key, with the checked flag ignored while no `become:` has happened.
        let key = self.b.ins().load(I64, mem(), method, bl.closure_key);
        let swaps = self.vm_load(bl.swaps);
        let no_swaps = self.b.ins().icmp_imm_s(IntCC::Equal, swaps, 0);
        let checked = self.iconst(bl.checked as i64);
        let zero = self.iconst(0);
        let ignored = self.b.ins().select(no_swaps, checked, zero);
        let key = self.b.ins().band_not(key, ignored);
        let wanted = bl.block_bit | (argc as u64) << bl.args_shift;
        let wanted = self.b.ins().bor_imm_u(size, wanted as i64);
        let runnable = self.b.ins().icmp(IntCC::Equal, key, wanted);
        self.guard(runnable, slow);
        let entry = self
            .b
            .ins()
            .load(I64, mem(), method, self.layout.frames.entry);
        self.guard(entry, slow);
        let room = self.b.ins().load(I64, mem(), method, bl.room);
        let (callee_fp, frames) = self.frame_checks(base, room, slow);

        // The push, as `push_block_frame`: the receiver replaces the closure, the
        // copied values follow the arguments, nil temporaries, the closure last.
        let receiver = self.field_load(closure, 1);
        self.slot_store(base, receiver);
        let frame = self.b.use_var(self.frame);
        let first = self
            .b
            .ins()
            .iadd_imm_s(frame, (8 * (base + 1 + argc)) as i64);
        let source = self.b.ins().iadd_imm_s(
            closure,
            (self.layout.first_slot + 8 * CLOSURE_HEADER as i32) as i64,
        );
        let copied = self.b.ins().iadd_imm_s(size, -(CLOSURE_HEADER as i64));
        let temps = self.b.ins().ishl_imm_u(copied, 3);
        let temps = self.b.ins().iadd(first, temps);
        self.copy_words(source, first, temps);
        let slots = self.b.ins().load(I64, mem(), method, bl.slots);
        let last = self.b.ins().ishl_imm_u(slots, 3);
        let callee = self.b.ins().iadd_imm_s(frame, (8 * base) as i64);
        let last = self.b.ins().iadd(callee, last);
        let last = self.b.ins().iadd_imm_s(last, -8);
        let nil = self.vm_field(self.layout.nil);
        self.fill_words(temps, last, nil);
        self.b.ins().store(mem(), closure, last, 0);
        let home = self.field_load(closure, 2);
        let home = self.b.ins().sshr_imm_u(home, 3);
        self.push_record((method, callee_fp, frames), Some(home), next);
        self.call_native(entry, callee_fp);
        self.reload();
    }

    /// Copies words from `source` to `dest` up to (not including) address `end`.
    fn copy_words(&mut self, source: Value, dest: Value, end: Value) {
        self.word_loop(dest, end, |t, offset| {
            let from = t.b.ins().iadd(source, offset);
            t.b.ins().load(I64, mem(), from, 0)
        });
    }

    /// Stores `value` in every word from `dest` up to (not including) address `end`.
    fn fill_words(&mut self, dest: Value, end: Value, value: Value) {
        self.word_loop(dest, end, |_, _| value);
    }

    /// A loop over the words from `dest` to `end`: stores `word(byte offset)` at each.
    fn word_loop(&mut self, dest: Value, end: Value, word: impl Fn(&mut Self, Value) -> Value) {
        let (head, body, done) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.append_block_param(head, I64);
        let zero = self.iconst(0);
        self.b.ins().jump(head, &[zero.into()]);
        self.b.switch_to_block(head);
        let offset = self.b.block_params(head)[0];
        let at = self.b.ins().iadd(dest, offset);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, at, end);
        self.b.ins().brif(more, body, &[], done, &[]);
        self.b.switch_to_block(body);
        let v = word(self, offset);
        self.b.ins().store(mem(), v, at, 0);
        let step = self.b.ins().iadd_imm_s(offset, 8);
        self.b.ins().jump(head, &[step.into()]);
        self.b.switch_to_block(done);
    }
}
