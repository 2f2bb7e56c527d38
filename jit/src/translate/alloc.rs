//! Inline allocation (docs/design/jit.md §8): bump eden's cursor, write the prefix and
//! header words `ObjectLayout` gives, fill the body, all without a call; when eden is
//! full (or GC stress holds the limit at the cursor) the runtime does the whole
//! operation instead. The new object is young, so its initialising stores need no
//! barrier, and nothing can collect between the bump and the last of them.
//!
//! Used for `Class>>new` and `Array class>>new:` at sites whose cache saw the class
//! (`prims::inline_by_class` in the VM binds the instance's class and shape), and for
//! closures (`MakeClosure`): slot 0 the block method's index, 1 the
//! receiver, 2 the home frame's serial, then the copied values, as `Vm::make_closure`
//! writes them.

use cairn_vm::tier::view::{ClosureFacts, InlinePrim};
use cairn_vm::tier::{ClassIndex, Format, ObjectLayout};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, Value};

use super::{mem, Translator, I64, SMALL_INT_TAG};

/// The largest `Array new:` done inline (one store per element).
const INLINE_ARRAY: i64 = 64;

impl Translator<'_, '_> {
    /// Claims `bytes` of eden (a multiple of 8) and writes `prefix` (a constant, if any)
    /// and the header word; answers the object (its body not yet written), or branches
    /// to `slow` when eden has no room.
    fn claim(&mut self, bytes: Value, prefix: Option<u64>, header: Value, slow: Block) -> Value {
        let cursor = self.iconst(self.layout.alloc_cursor as i64);
        let limit = self.iconst(self.layout.alloc_limit as i64);
        let start = self.b.ins().load(I64, mem(), cursor, 0);
        let end = self.b.ins().iadd(start, bytes);
        let limit = self.b.ins().load(I64, mem(), limit, 0);
        let fits = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, end, limit);
        self.guard(fits, slow);
        self.b.ins().store(mem(), end, cursor, 0);
        let mut header_at = 0;
        if let Some(prefix) = prefix {
            let p = self.iconst(prefix as i64);
            self.b.ins().store(mem(), p, start, 0);
            header_at = 8;
        }
        self.b.ins().store(mem(), header, start, header_at);
        self.b.ins().iadd_imm_s(start, header_at as i64)
    }

    /// [`Self::claim`] for a layout known when the method compiles.
    fn claim_layout(&mut self, layout: &ObjectLayout, class: u32, slow: Block) -> Value {
        let bytes = self.iconst(layout.total_bytes as i64);
        let header = self.iconst(layout.header_word(ClassIndex(class)) as i64);
        self.claim(bytes, layout.prefix_word(), header, slow)
    }

    /// `Class>>new` (`fixed` named slots, all nil) and `Array class>>new:` (up to
    /// `INLINE_ARRAY` elements, all nil) of the class bound at compile time, in a block
    /// where the receiver is that class; anything else branches to `slow` (the send).
    pub(super) fn inline_new(&mut self, prim: InlinePrim, ops: &[Value], slow: Block) -> Value {
        let first = self.layout.first_slot;
        match prim {
            InlinePrim::New { class, fixed } => {
                let format = if fixed == 0 {
                    Format::Zero
                } else {
                    Format::Fixed
                };
                let Some(layout) = ObjectLayout::new(format, fixed as usize, 0) else {
                    unreachable!("at most INLINE_NEW_SLOTS named slots");
                };
                let object = self.claim_layout(&layout, class, slow);
                let nil = self.vm_field(self.layout.nil);
                let zero = self.iconst(0);
                for k in 0..layout.body_words.max(1) {
                    let v = if k < layout.pointer_slots { nil } else { zero };
                    self.b.ins().store(mem(), v, object, first + 8 * k as i32);
                }
                object
            }
            InlinePrim::NewArray { class } => {
                let n = ops[1];
                let tag = self.b.ins().band_imm_u(n, 7);
                let is_int = self.b.ins().icmp_imm_s(IntCC::Equal, tag, SMALL_INT_TAG);
                self.guard(is_int, slow);
                let len = self.b.ins().sshr_imm_u(n, 3);
                // Unsigned: negative sizes (the primitive fails them) go to the send too.
                let small =
                    self.b
                        .ins()
                        .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, len, INLINE_ARRAY);
                self.guard(small, slow);
                let Some(empty) = ObjectLayout::new(Format::Indexable, 0, 0) else {
                    unreachable!("an empty Array has a layout");
                };
                // The size field is the element count (below 255: no prefix word); the
                // other header bits do not depend on it. An empty Array has one zero word.
                let base = empty.header_word(ClassIndex(class));
                let size = self.b.ins().ishl_imm_u(len, self.layout.size_shift as i64);
                let header = self.b.ins().bor_imm_u(size, base as i64);
                let is_empty = self.b.ins().icmp_imm_u(IntCC::Equal, len, 0);
                let one = self.iconst(1);
                let words = self.b.ins().select(is_empty, one, len);
                let body = self.b.ins().ishl_imm_u(words, 3);
                let bytes = self.b.ins().iadd_imm_s(body, 8);
                let object = self.claim(bytes, None, header, slow);
                let zero = self.iconst(0);
                self.b.ins().store(mem(), zero, object, first);
                self.fill_nil(object, len);
                object
            }
            _ => unreachable!("not an allocation: {prim:?}"),
        }
    }

    /// Stores nil into pointer slots `0..len` of `object` (a loop).
    fn fill_nil(&mut self, object: Value, len: Value) {
        let (head, body, done) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.append_block_param(head, I64);
        let nil = self.vm_field(self.layout.nil);
        let zero = self.iconst(0);
        self.b.ins().jump(head, &[zero.into()]);
        self.b.switch_to_block(head);
        let i = self.b.block_params(head)[0];
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, i, len);
        self.b.ins().brif(more, body, &[], done, &[]);
        self.b.switch_to_block(body);
        let offset = self.b.ins().ishl_imm_u(i, 3);
        let addr = self.b.ins().iadd(object, offset);
        self.b.ins().store(mem(), nil, addr, self.layout.first_slot);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.ins().jump(head, &[next.into()]);
        self.b.switch_to_block(done);
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
        let closure = self.claim_layout(&layout, facts.class, slow);
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
