//! Primitives done inline after the guard chain's class check (docs/design/jit.md,
//! "Inline primitives"): `length` of an Array or a String read from the header (and
//! the prefix word of a large one), `charAt:` of a String or Symbol (the shared
//! one-character Strings, read from the VM's table), `max:`/`min:` of two SmallIntegers,
//! and the allocations of `alloc.rs`. Each case checks what the primitive's own
//! checks need (the format, a size field below 255, a SmallInteger argument) and
//! branches to the generic send otherwise, which runs the primitive itself.

use cairn_vm::tier::view::InlinePrim;
use cairn_vm::tier::PREFIX_SIZE_MASK;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, Value};

use super::{mem, Translator, I64, SMALL_INT_TAG};

impl Translator<'_, '_> {
    /// The result of primitive `prim` on the operands `ops` (receiver first), in a block
    /// where the receiver has a class whose method is `prim`; or a branch to `slow`.
    pub(super) fn inline_prim(&mut self, prim: InlinePrim, ops: &[Value], slow: Block) -> Value {
        let h = self.layout.header;
        match prim {
            InlinePrim::ArrayLength => {
                let header = self.b.ins().load(I64, mem(), ops[0], 0);
                let format = self.b.ins().ushr_imm_s(header, h.format_shift as i64);
                let format = self.b.ins().band_imm_u(format, h.format_mask as i64);
                // Indexed pointer slots only: the body words are the length.
                let plain =
                    self.b
                        .ins()
                        .icmp_imm_s(IntCC::Equal, format, h.indexable_format as i64);
                self.guard(plain, slow);
                let length = self.body_words(ops[0], header);
                let tagged = self.b.ins().ishl_imm_u(length, 3);
                self.b.ins().bor_imm_u(tagged, SMALL_INT_TAG)
            }
            InlinePrim::ByteLength => {
                let length = self.byte_length(ops[0], slow);
                let tagged = self.b.ins().ishl_imm_u(length, 3);
                self.b.ins().bor_imm_u(tagged, SMALL_INT_TAG)
            }
            InlinePrim::CharAt => {
                let (r, index) = (ops[0], ops[1]);
                let tag = self.b.ins().band_imm_u(index, 7);
                let is_int = self.b.ins().icmp_imm_s(IntCC::Equal, tag, SMALL_INT_TAG);
                self.guard(is_int, slow);
                let length = self.byte_length(r, slow);
                let i = self.b.ins().sshr_imm_u(index, 3);
                let zero_based = self.b.ins().iadd_imm_s(i, -1);
                // Unsigned: indices below 1 wrap above any length.
                let inside = self
                    .b
                    .ins()
                    .icmp(IntCC::UnsignedLessThan, zero_based, length);
                self.guard(inside, slow);
                let at = self.b.ins().iadd(r, zero_based);
                let byte = self.b.ins().uload8(I64, mem(), at, self.layout.first_slot);
                let table = self.vm_load(self.layout.char_strings);
                let offset = self.b.ins().ishl_imm_u(byte, 3);
                let entry = self.b.ins().iadd(table, offset);
                self.b.ins().load(I64, mem(), entry, 0)
            }
            InlinePrim::New { .. } | InlinePrim::NewArray { .. } => {
                self.inline_new(prim, ops, slow)
            }
            InlinePrim::Max | InlinePrim::Min => {
                let (r, a) = (ops[0], ops[1]);
                let tag = self.b.ins().band_imm_u(a, 7);
                let is_int = self.b.ins().icmp_imm_s(IntCC::Equal, tag, SMALL_INT_TAG);
                self.guard(is_int, slow);
                // Tagged SmallIntegers compare like their values.
                let arg_bigger = self.b.ins().icmp(IntCC::SignedGreaterThan, a, r);
                if prim == InlinePrim::Max {
                    self.b.ins().select(arg_bigger, a, r)
                } else {
                    self.b.ins().select(arg_bigger, r, a)
                }
            }
        }
    }

    /// The length in bytes of heap object `object` when it has a byte format (else a
    /// branch to `slow`): its body bytes less the unused bytes of the last word, which
    /// the format code counts from the first byte code.
    fn byte_length(&mut self, object: Value, slow: Block) -> Value {
        let h = self.layout.header;
        let header = self.b.ins().load(I64, mem(), object, 0);
        let format = self.b.ins().ushr_imm_s(header, h.format_shift as i64);
        let format = self.b.ins().band_imm_u(format, h.format_mask as i64);
        let unused = self.b.ins().iadd_imm_s(format, -(h.bytes_format as i64));
        let bytes = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, unused, 8);
        self.guard(bytes, slow);
        let words = self.body_words(object, header);
        let all = self.b.ins().ishl_imm_u(words, 3);
        self.b.ins().isub(all, unused)
    }

    /// The body words of heap object `object` whose header word is `header`: the size
    /// field, or the prefix word's count when the field says 255 (a prefixed object).
    fn body_words(&mut self, object: Value, header: Value) -> Value {
        let field = self
            .b
            .ins()
            .ushr_imm_s(header, self.layout.size_shift as i64);
        let (prefixed, done) = (self.b.create_block(), self.b.create_block());
        self.b.append_block_param(done, I64);
        let small = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, field, 255);
        self.b
            .ins()
            .brif(small, done, &[field.into()], prefixed, &[]);
        self.b.switch_to_block(prefixed);
        let prefix = self.b.ins().load(I64, mem(), object, -8);
        let words = self.b.ins().band_imm_u(prefix, PREFIX_SIZE_MASK as i64);
        self.b.ins().jump(done, &[words.into()]);
        self.b.switch_to_block(done);
        self.b.block_params(done)[0]
    }
}
