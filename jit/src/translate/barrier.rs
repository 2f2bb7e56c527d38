//! Body-slot stores with the write barrier inline (docs/design/jit.md §9; the fast path
//! `gc/src/barrier.rs` documents): the store itself, then the remembered-set test, and
//! the runtime's barriered `store` (a leaf call, which stores again and remembers the
//! object) only when a young value lands in an old object not yet remembered.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value};

use super::{mem, Translator, I64};

impl Translator<'_, '_> {
    /// True (an I8 value) when `v` is a pointer into the nursery.
    fn is_young(&mut self, v: Value, check_tag: bool) -> Value {
        let info = self.layout.barrier;
        let offset = self.b.ins().iadd_imm_s(v, -(info.nursery_start as i64));
        let inside =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedLessThan, offset, info.nursery_size as i64);
        if !check_tag {
            return inside;
        }
        let tag = self.b.ins().band_imm_u(v, 7);
        let pointer = self.b.ins().icmp_imm_s(IntCC::Equal, tag, 0);
        self.b.ins().band(inside, pointer)
    }

    /// Stores `value` into body slot `index` (an I64 value) of heap object `object`, which
    /// has that slot (the same contract as the interpreter's unchecked stores), and
    /// applies the write barrier.
    pub(super) fn store_barriered(&mut self, object: Value, index: Value, value: Value) {
        let bytes = self.b.ins().ishl_imm_u(index, 3);
        let address = self.b.ins().iadd(object, bytes);
        self.b
            .ins()
            .store(mem(), value, address, self.layout.first_slot);
        let (old_target, unremembered, slow, done) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        let young_value = self.is_young(value, true);
        self.b.ins().brif(young_value, old_target, &[], done, &[]);
        self.b.switch_to_block(old_target);
        let young_target = self.is_young(object, false);
        self.b
            .ins()
            .brif(young_target, done, &[], unremembered, &[]);
        self.b.switch_to_block(unremembered);
        let header = self.b.ins().load(I64, mem(), object, 0);
        let remembered = self
            .b
            .ins()
            .band_imm_u(header, self.layout.barrier.remembered_bit as i64);
        self.b.ins().brif(remembered, done, &[], slow, &[]);
        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        let zero = self.iconst(0);
        let status = self.call(self.layout.runtime.store, [object, index, value, zero]);
        self.check(status);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }
}
