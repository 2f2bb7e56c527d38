//! Inline allocation (docs/design/jit.md §8): bump eden's cursor, write the prefix and
//! header words `ObjectLayout` gives, fill the body, all without a call; when eden is
//! full (or GC stress holds the limit at the cursor) the runtime does the whole
//! operation instead. The new object is young, so its initialising stores need no
//! barrier, and nothing can collect between the bump and the last of them.
//!
//! Used for closures (`MakeClosure`): slot 0 the block method's index, 1 the
//! receiver, 2 the home frame's serial, then the copied values, as `Vm::make_closure`
//! writes them.

use cairn_vm::tier::view::ClosureFacts;
use cairn_vm::tier::{ClassIndex, Format, ObjectLayout};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, Value};

use super::{mem, Translator, I64, SMALL_INT_TAG};

impl Translator<'_, '_> {
    /// Claims `layout.total_bytes` of eden for an object of class `class` and writes
    /// its prefix and header words; answers the object (its body not yet written), or
    /// branches to `slow` when eden has no room.
    fn claim(&mut self, layout: &ObjectLayout, class: u32, slow: Block) -> Value {
        let cursor = self.iconst(self.layout.alloc_cursor as i64);
        let limit = self.iconst(self.layout.alloc_limit as i64);
        let start = self.b.ins().load(I64, mem(), cursor, 0);
        let end = self.b.ins().iadd_imm_s(start, layout.total_bytes as i64);
        let limit = self.b.ins().load(I64, mem(), limit, 0);
        let fits = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, end, limit);
        self.guard(fits, slow);
        self.b.ins().store(mem(), end, cursor, 0);
        let mut header_at = 0;
        if let Some(prefix) = layout.prefix_word() {
            let p = self.iconst(prefix as i64);
            self.b.ins().store(mem(), p, start, 0);
            header_at = 8;
        }
        let header = self.iconst(layout.header_word(ClassIndex(class)) as i64);
        self.b.ins().store(mem(), header, start, header_at);
        self.b.ins().iadd_imm_s(start, header_at as i64)
    }

    /// `MakeClosure` of nested block `block` over the `copied` values on top of the
    /// stack: allocated inline, or by `rt_make_closure` when eden is full. The closure
    /// is left in memory, in the operand slot of the first copied value.
    pub(super) fn inline_closure(
        &mut self,
        facts: ClosureFacts,
        (block, copied): (u16, usize),
        (next, depth): (usize, usize),
    ) {
        let mut values: Vec<Value> = (0..copied).map(|_| self.pop()).collect();
        values.reverse();
        self.flush();
        let base = self.slots + depth - copied;
        let Some(layout) = ObjectLayout::new(Format::Fixed, 3 + copied, 0) else {
            unreachable!("a closure has at most 3 + 255 slots");
        };
        let (slow, join) = (self.b.create_block(), self.b.create_block());
        let closure = self.claim(&layout, facts.class, slow);
        let tagged = |v: i64| (v << 3) | SMALL_INT_TAG;
        let method = self.iconst(tagged(facts.method as i64));
        let receiver = self.slot_load(0);
        let home = self.current_home();
        let home = self.b.ins().ishl_imm_u(home, 3);
        let home = self.b.ins().bor_imm_u(home, SMALL_INT_TAG);
        let first = self.layout.first_slot;
        let body = [method, receiver, home]
            .into_iter()
            .chain(values.iter().copied());
        for (k, v) in body.enumerate() {
            self.b.ins().store(mem(), v, closure, first + 8 * k as i32);
        }
        self.slot_store(base, closure);
        self.b.ins().jump(join, &[]);

        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        for (k, &v) in values.iter().enumerate() {
            self.slot_store(base + k, v);
        }
        let args = [
            self.iconst(block as i64),
            self.iconst(copied as i64),
            self.sp(depth),
            self.iconst(next as i64),
        ];
        let status = self.call(self.layout.runtime.make_closure, args);
        self.check(status);
        self.reload();
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
        self.mem = depth - copied + 1;
    }
}
