//! Sends answered inline from the site's profile (docs/design/jit.md §6.2): a chain of
//! class guards, one per class the interpreter's inline cache recorded whose method
//! is trivial (a getter, a setter, `^literal`, `^self`: done inline), a bytecode method
//! (called directly: `frames.rs`), a block's `value` primitive (`blocks.rs`) or one of
//! the primitives done inline (`prims.rs`). SmallInteger receivers are guarded by their
//! tag, heap receivers by the header's class index. A receiver of any other class,
//! another immediate, or a site whose cache went megamorphic takes the generic send
//! (`rt_send`, which probes the same cache). The code binds (class, method) pairs read
//! at compile time: sound while installed methods are never replaced (§6.3 says what
//! redefinition must invalidate when it arrives).

use cairn_vm::tier::view::{SiteProfile, Target};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, Value};

use super::{mem, Translator, I64, SMALL_INT_TAG};

/// True when the interpreter would run `target` for a send of `argc` arguments without
/// a frame (`Vm::invoke_with`): getters take none, setters one.
fn fits(target: Target, argc: usize) -> bool {
    match target {
        Target::Getter(_) => argc == 0,
        Target::Setter(_) => argc == 1,
        Target::Literal(_) | Target::ReturnSelf => true,
        Target::Call(c) => c.num_args == argc,
        // The closure's own arity is checked at run time (`blocks.rs`).
        Target::BlockValue => true,
        Target::Prim(p) => p.argc() == argc,
        Target::Other => false,
    }
}

impl Translator<'_, '_> {
    /// Emits send `site` (`argc` arguments, resuming at `next`) as a guarded chain of
    /// inline cases when its profile has any; answers false, having emitted nothing,
    /// otherwise. The result is left in memory (the next pc is a label).
    pub(super) fn inline_send(
        &mut self,
        profile: &SiteProfile,
        (site, argc, next, depth): (u16, usize, usize, usize),
    ) -> bool {
        if profile.megamorphic {
            return false;
        }
        let small_int = self.layout.small_integer_class;
        let cases: Vec<(u32, Target)> = profile
            .entries
            .iter()
            .copied()
            .filter(|&(_, t)| fits(t, argc))
            .collect();
        if cases.is_empty() {
            return false;
        }
        let mut ops: Vec<Value> = (0..=argc).map(|_| self.pop()).collect();
        ops.reverse();
        self.flush();
        let base = self.slots + depth - argc - 1;
        let (slow, join) = (self.b.create_block(), self.b.create_block());
        let recv = ops[0];
        let tag = self.b.ins().band_imm_u(recv, 7);
        if let Some(&(_, target)) = cases.iter().find(|&&(c, _)| c == small_int) {
            let (int, other) = (self.b.create_block(), self.b.create_block());
            let is_int = self.b.ins().icmp_imm_s(IntCC::Equal, tag, SMALL_INT_TAG);
            self.b.ins().brif(is_int, int, &[], other, &[]);
            self.b.switch_to_block(int);
            self.inline_case(target, &ops, (base, next), (slow, join));
            self.b.switch_to_block(other);
        }
        let heap: Vec<(u32, Target)> = cases.into_iter().filter(|&(c, _)| c != small_int).collect();
        if !heap.is_empty() {
            let is_ptr = self.b.ins().icmp_imm_s(IntCC::Equal, tag, 0);
            self.guard(is_ptr, slow);
            let header = self.b.ins().load(I64, mem(), recv, 0);
            let class = self
                .b
                .ins()
                .band_imm_s(header, self.layout.class_mask as i64);
            for (class_index, target) in heap {
                let (hit, miss) = (self.b.create_block(), self.b.create_block());
                let same = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, class, class_index as i64);
                self.b.ins().brif(same, hit, &[], miss, &[]);
                self.b.switch_to_block(hit);
                self.inline_case(target, &ops, (base, next), (slow, join));
                self.b.switch_to_block(miss);
            }
        }
        self.b.ins().jump(slow, &[]);
        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        let send = self.layout.runtime.send;
        self.slow_send(send, &ops, (base, site, next, depth), 0, join);
        self.b.switch_to_block(join);
        self.mem = depth - argc;
        self.inlined_sites += 1;
        true
    }

    /// One case of the chain, in a block where the receiver `ops[0]` has the case's
    /// class: its result goes to operand slot `base`, then to `join`; what the case
    /// does not cover branches to `slow`.
    fn inline_case(
        &mut self,
        target: Target,
        ops: &[Value],
        (base, next): (usize, usize),
        (slow, join): (Block, Block),
    ) {
        let recv = ops[0];
        let result = match target {
            Target::Call(callee) => {
                self.direct_call(callee, ops, (base, next), slow);
                self.b.ins().jump(join, &[]);
                return;
            }
            Target::BlockValue => {
                self.block_call(ops, (base, next), slow);
                self.b.ins().jump(join, &[]);
                return;
            }
            Target::Prim(prim) => self.inline_prim(prim, ops, slow),
            Target::Getter(n) => self.field_load(recv, n),
            Target::Setter(n) => {
                self.store_slot_of(recv, n, ops[1]);
                recv
            }
            Target::Literal(slot) => {
                let address = self.iconst(slot as i64);
                self.b.ins().load(I64, mem(), address, 0)
            }
            Target::ReturnSelf | Target::Other => recv,
        };
        self.slot_store(base, result);
        self.b.ins().jump(join, &[]);
    }
}
