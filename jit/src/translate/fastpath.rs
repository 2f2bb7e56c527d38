//! Inline fast paths of the special sends, each falling back to the runtime's special
//! send (docs/design/jit.md §7): SmallInteger `+ - * & < > <= >= = ~=` (and the
//! immediate-Double ones of `floats`), Array `at:` and `at:put:`, and `==`. They answer
//! what the interpreter's fast paths answer; anything else goes through `rt_special`,
//! which runs the interpreter's remaining fast paths and then the send, so both tiers
//! agree by construction.

use cairn_vm::bytecode::Instr;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, Value};

use super::{mem, Translator, I32, SMALL_INT_TAG};

impl Translator<'_, '_> {
    /// The shape every special send with a fast path shares: its `n` operands are
    /// popped, `fast` emits the inline path (branching to `slow` when it does not apply)
    /// and answers the result, which goes to the result slot; `slow` writes the operands
    /// back and calls `rt_special` (which may send: `check_send`). The result is left in
    /// memory: the next pc is a resume point, hence a label, anyway.
    fn fast_or_special(
        &mut self,
        (instr, site, next, depth): (Instr, u16, usize, usize),
        n: usize,
        fast: impl FnOnce(&mut Self, &[Value], Block) -> Value,
    ) {
        let mut ops: Vec<Value> = (0..n).map(|_| self.pop()).collect();
        ops.reverse();
        self.flush();
        let base = self.slots + depth - n;
        let (slow, join) = (self.b.create_block(), self.b.create_block());
        let r = fast(self, &ops, slow);
        self.slot_store(base, r);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        let special = self.layout.runtime.special;
        let op = instr.opcode() as i64;
        self.slow_send(special, &ops, (base, site, next, depth), op, join);
        self.b.switch_to_block(join);
        self.mem = depth - n + 1;
    }

    /// true when `c` (a comparison's or a runtime call's result) is non-zero, else false.
    pub(super) fn boolean(&mut self, c: Value) -> Value {
        let yes = self.vm_field(self.layout.true_);
        let no = self.vm_field(self.layout.false_);
        self.b.ins().select(c, yes, no)
    }

    /// Goes on in a new block when `cond` holds, else to `slow`.
    pub(super) fn guard(&mut self, cond: Value, slow: Block) {
        let ok = self.b.create_block();
        self.b.ins().brif(cond, ok, &[], slow, &[]);
        self.b.switch_to_block(ok);
    }

    /// `+ - * & < > <= >= = ~=` on two SmallIntegers: the tagged words add, subtract,
    /// mask and compare like the values, and overflow exactly when the 61-bit values do.
    /// Any other receiver tries the immediate-Double path (`floats`); `//` has only that.
    pub(super) fn small_int_binary(&mut self, instr: Instr, site: u16, next: usize, depth: usize) {
        self.fast_or_special((instr, site, next, depth), 2, |t, ops, slow| {
            let (a, b) = (ops[0], ops[1]);
            let done = t.b.create_block();
            t.b.append_block_param(done, super::I64);
            let (ints, other) = (t.b.create_block(), t.b.create_block());
            let both = t.b.ins().band(a, b);
            let tag = t.b.ins().band_imm_u(both, SMALL_INT_TAG);
            let int_path = !matches!(instr, Instr::IntDiv { .. });
            if int_path {
                t.b.ins().brif(tag, ints, &[], other, &[]);
                t.b.switch_to_block(ints);
                let r = t.small_int_op(instr, a, b, slow);
                t.b.ins().jump(done, &[r.into()]);
            } else {
                t.b.ins().jump(other, &[]);
            }
            t.b.switch_to_block(other);
            if super::floats::has_float_path(instr) {
                let r = t.float_binary(instr, a, b, slow);
                t.b.ins().jump(done, &[r.into()]);
            } else {
                t.b.ins().jump(slow, &[]);
            }
            t.b.switch_to_block(done);
            t.b.block_params(done)[0]
        });
    }

    /// The SmallInteger result of `instr` on the tagged words `a` and `b`, both
    /// SmallIntegers; branches to `slow` on overflow.
    fn small_int_op(&mut self, instr: Instr, a: Value, b: Value, slow: Block) -> Value {
        let cond = match instr {
            Instr::Lt { .. } => Some(IntCC::SignedLessThan),
            Instr::Gt { .. } => Some(IntCC::SignedGreaterThan),
            Instr::Le { .. } => Some(IntCC::SignedLessThanOrEqual),
            Instr::Ge { .. } => Some(IntCC::SignedGreaterThanOrEqual),
            Instr::Eq { .. } => Some(IntCC::Equal),
            Instr::Ne { .. } => Some(IntCC::NotEqual),
            _ => None,
        };
        if matches!(instr, Instr::BitAnd { .. }) {
            // Tagged words: (8x+1) & (8y+1) = 8(x & y) + 1.
            return self.b.ins().band(a, b);
        }
        if let Some(cc) = cond {
            let c = self.b.ins().icmp(cc, a, b);
            return self.boolean(c);
        }
        let untagged = self.b.ins().iadd_imm_s(b, -SMALL_INT_TAG);
        let (r, overflow) = match instr {
            Instr::Add { .. } => self.b.ins().sadd_overflow(a, untagged),
            Instr::Sub { .. } => self.b.ins().ssub_overflow(a, untagged),
            // x * 8y = 8xy fits in 64 bits exactly when xy fits in 61.
            _ => {
                let x = self.b.ins().sshr_imm_u(a, 3);
                self.b.ins().smul_overflow(x, untagged)
            }
        };
        let fine = self.b.ins().bxor_imm_u(overflow, 1);
        self.guard(fine, slow);
        if matches!(instr, Instr::Mul { .. }) {
            self.b.ins().bor_imm_u(r, SMALL_INT_TAG)
        } else {
            r
        }
    }

    /// `at:`/`at:put:` on an Array (exact class) with a SmallInteger index in
    /// `1..=size`: the header's size field, or 255 = "at least 255" for a prefixed
    /// object, so indices below 256 need no prefix read. The store goes through the
    /// runtime's barriered store (a leaf call).
    pub(super) fn array_access(&mut self, instr: Instr, site: u16, next: usize, depth: usize) {
        let n = if matches!(instr, Instr::At { .. }) {
            2
        } else {
            3
        };
        self.fast_or_special((instr, site, next, depth), n, |t, ops, slow| {
            let (recv, index) = (ops[0], ops[1]);
            let tag = t.b.ins().band_imm_u(recv, 7);
            let is_ptr = t.b.ins().icmp_imm_s(IntCC::Equal, tag, 0);
            t.guard(is_ptr, slow);
            let itag = t.b.ins().band_imm_u(index, 7);
            let is_int = t.b.ins().icmp_imm_s(IntCC::Equal, itag, SMALL_INT_TAG);
            t.guard(is_int, slow);
            let header = t.b.ins().load(super::I64, mem(), recv, 0);
            let class = t.b.ins().band_imm_s(header, t.layout.class_mask as i64);
            let is_array =
                t.b.ins()
                    .icmp_imm_s(IntCC::Equal, class, t.layout.array_class as i64);
            t.guard(is_array, slow);
            let size = t.b.ins().ushr_imm_s(header, t.layout.size_shift as i64);
            let value = t.b.ins().sshr_imm_u(index, 3);
            let zero_based = t.b.ins().iadd_imm_s(value, -1);
            let in_bounds = t.b.ins().icmp(IntCC::UnsignedLessThan, zero_based, size);
            t.guard(in_bounds, slow);
            if n == 2 {
                // Body word i - 1 is at recv + 8 + 8 * (i - 1) = recv + (index - 1).
                let offset = t.b.ins().iadd_imm_s(index, -SMALL_INT_TAG);
                let addr = t.b.ins().iadd(recv, offset);
                t.b.ins().load(super::I64, mem(), addr, 0)
            } else {
                let v = ops[2];
                t.store_barriered(recv, zero_based, v);
                v
            }
        });
    }

    /// `==`: identical words, or two heap objects that are equal boxed numbers.
    pub(super) fn identical(&mut self) {
        let b = self.pop();
        let a = self.pop();
        let join = self.b.create_block();
        self.b.append_block_param(join, I32);
        let differ = self.b.create_block();
        let boxed = self.b.create_block();
        let same = self.b.ins().icmp(IntCC::Equal, a, b);
        let one = self.b.ins().iconst(I32, 1);
        let zero = self.b.ins().iconst(I32, 0);
        self.b.ins().brif(same, join, &[one.into()], differ, &[]);
        self.b.switch_to_block(differ);
        let either = self.b.ins().bor(a, b);
        let tags = self.b.ins().band_imm_u(either, 7);
        self.b.ins().brif(tags, join, &[zero.into()], boxed, &[]);
        self.b.switch_to_block(boxed);
        self.b.set_cold_block(boxed);
        let z = self.iconst(0);
        let r = self.call(self.layout.runtime.same_boxed, [a, b, z, z]);
        self.b.ins().jump(join, &[r.into()]);
        self.b.switch_to_block(join);
        let r = self.b.block_params(join)[0];
        let v = self.boolean(r);
        self.push(v);
    }
}
