//! The baseline translator: one Cranelift function per bytecode method or block, one
//! fixed IR sequence per instruction (docs/design/jit.md §5).
//!
//! The function is `fn(vm, fp, resume) -> status`. It starts with a switch on `resume`
//! over the plan's resume points (anything else answers `INTERPRET`) and then follows the
//! bytecode. The frame is the interpreter's: locals are memory (`PushLocal` is a load
//! from the slot, `StoreLocal` a store); the operand stack is a *virtual stack* of SSA
//! values above a part that is in memory. The virtual stack is written to the frame's
//! slots (*flushed*) at every label and before every runtime call that may collect or
//! change frames; after such a call nothing Oop-valued from before it is used again
//! (the stack base is reloaded, operands are re-read from slots). Leaf runtime calls
//! (`store`, `same_boxed`) neither collect nor change frames and need no flush.
//!
//! Stage 2 of the design: every send and every special send is a runtime call (which
//! runs the interpreter's fast paths and send path, sharing the `SendSite` cache);
//! returns, non-local returns, globals, closures and temp vectors are runtime calls too.
//! Native code does control flow, locals, fields, literals, `==`, `IncLocal` and the
//! safepoint check at back-edges (method entry's is the dispatch loop's).

use std::collections::BTreeMap;

use cairn_vm::bytecode::Instr;
use cairn_vm::tier::runtime::RuntimeFn;
use cairn_vm::tier::view::{ClosureFacts, SiteProfile};
use cairn_vm::tier::{status, Bailout, MethodRef, TierLayout};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, InstBuilder, MemFlagsData, SigRef, Value};
use cranelift_frontend::{FunctionBuilder, Switch, Variable};

use crate::plan::Plan;

mod alloc;
mod barrier;
mod blocks;
mod fastpath;
mod floats;
mod frames;
mod inline;
mod prims;

const I64: types::Type = types::I64;
const I32: types::Type = types::I32;
/// Tag of a SmallInteger; its tagged 1 is 8 (`(1 << 3) | 1` minus the tag).
const SMALL_INT_TAG: i64 = 1;

/// What the interpreter observed and knows about the method, read when it compiles.
#[derive(Clone, Copy)]
pub struct Feedback<'a> {
    /// The send sites' profiles, by site index (empty: nothing is inlined).
    pub profiles: &'a [SiteProfile],
    /// The nested blocks' closure facts, by `MakeClosure` operand (`None`: allocated by
    /// the runtime).
    pub closures: &'a [Option<ClosureFacts>],
}

/// Per-function translation state.
pub struct Translator<'a, 'f> {
    b: &'a mut FunctionBuilder<'f>,
    layout: &'a TierLayout,
    /// The runtime-call signature `(vm, a, b, c, d) -> u32`.
    sig: SigRef,
    /// The native-entry signature `(vm, fp, resume) -> u32` (calls after `ENTER`).
    entry_sig: SigRef,
    vm: Value,
    fp: Value,
    /// Address of the frame's slot 0 (`stack_base + 8 * fp`), redefined after calls.
    frame: Variable,
    /// Frame slots (operands start at slot `slots`).
    slots: usize,
    /// Operands above the `mem` that are in memory.
    vstack: Vec<Value>,
    mem: usize,
    /// Returns its parameter (a status).
    exit: Block,
    blocks: BTreeMap<usize, Block>,
    literals: usize,
    /// The send sites' profiles, by site index (empty: nothing is inlined).
    profiles: &'a [SiteProfile],
    /// See `Feedback::closures`.
    closures: &'a [Option<ClosureFacts>],
    /// Sends emitted as inline guarded cases.
    pub inlined_sites: usize,
}

fn plan_profile(profiles: &[SiteProfile], site: u16) -> Option<&SiteProfile> {
    profiles.get(site as usize)
}

pub(super) fn mem() -> MemFlagsData {
    // Frame slots, object bodies and VM fields: aligned, and never trapping (the
    // verifier sized the frame, the holder/shape invariants of the interpreter hold).
    MemFlagsData::trusted()
}

impl<'a, 'f> Translator<'a, 'f> {
    /// Translates `method` as planned into `b` (whose function has the entry signature
    /// and `sig` imported as the runtime-call signature).
    pub fn translate(
        b: &'a mut FunctionBuilder<'f>,
        (sig, entry_sig): (SigRef, SigRef),
        layout: &'a TierLayout,
        method: &MethodRef,
        plan: &Plan,
        feedback: Feedback<'a>,
    ) -> Result<usize, Bailout> {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        let exit = b.create_block();
        b.append_block_param(exit, I32);
        let blocks: BTreeMap<usize, Block> = plan
            .labels
            .iter()
            .map(|&pc| (pc, b.create_block()))
            .collect();
        let frame = b.declare_var(I64);
        b.switch_to_block(entry);
        let params = b.block_params(entry).to_vec();
        let mut t = Translator {
            b,
            layout,
            sig,
            entry_sig,
            vm: params[0],
            fp: params[1],
            frame,
            slots: method.slots(),
            vstack: Vec::new(),
            mem: 0,
            exit,
            blocks,
            literals: method.literals().1 as usize,
            profiles: feedback.profiles,
            closures: feedback.closures,
            inlined_sites: 0,
        };
        t.reload();
        let interpret = t.b.create_block();
        let mut switch = Switch::new();
        for &pc in &plan.resumes {
            switch.set_entry(pc as u128, t.blocks[&pc]);
        }
        switch.emit(t.b, params[2], interpret);
        t.b.switch_to_block(interpret);
        t.b.set_cold_block(interpret);
        let s = t.b.ins().iconst(I32, status::INTERPRET as i64);
        t.b.ins().return_(&[s]);

        let mut live = false;
        for &(pc, instr) in &plan.instrs {
            if let Some(&block) = t.blocks.get(&pc) {
                if live {
                    t.flush();
                    t.b.ins().jump(block, &[]);
                }
                t.b.switch_to_block(block);
                t.vstack.clear();
                t.mem = plan.depth[pc].ok_or(Bailout::Unsupported("unreachable-label"))?;
            } else if !live {
                continue;
            }
            let depth = plan.depth[pc].ok_or(Bailout::Unsupported("unknown-depth"))?;
            debug_assert_eq!(t.mem + t.vstack.len(), depth, "depth at pc {pc}");
            live = t.instr(pc, instr, depth, method)?;
        }
        if live {
            return Err(Bailout::Unsupported("falls-off-the-end"));
        }
        t.b.switch_to_block(exit);
        let s = t.b.block_params(exit)[0];
        t.b.ins().return_(&[s]);
        t.b.seal_all_blocks();
        Ok(t.inlined_sites)
    }

    /// Re-reads the stack base (it moves when the stack grows) into `frame`.
    fn reload(&mut self) {
        let base = self
            .b
            .ins()
            .load(I64, mem(), self.vm, self.layout.stack_base);
        let offset = self.b.ins().ishl_imm_u(self.fp, 3);
        let frame = self.b.ins().iadd(base, offset);
        self.b.def_var(self.frame, frame);
    }

    fn slot_load(&mut self, slot: usize) -> Value {
        let frame = self.b.use_var(self.frame);
        self.b.ins().load(I64, mem(), frame, (8 * slot) as i32)
    }

    fn slot_store(&mut self, slot: usize, v: Value) {
        let frame = self.b.use_var(self.frame);
        self.b.ins().store(mem(), v, frame, (8 * slot) as i32);
    }

    fn push(&mut self, v: Value) {
        self.vstack.push(v);
    }

    fn pop(&mut self) -> Value {
        match self.vstack.pop() {
            Some(v) => v,
            None => {
                self.mem -= 1;
                self.slot_load(self.slots + self.mem)
            }
        }
    }

    fn drop_top(&mut self) {
        if self.vstack.pop().is_none() {
            self.mem -= 1;
        }
    }

    /// Writes the virtual stack to the frame's operand slots.
    fn flush(&mut self) {
        for v in std::mem::take(&mut self.vstack) {
            self.slot_store(self.slots + self.mem, v);
            self.mem += 1;
        }
    }

    fn iconst(&mut self, v: i64) -> Value {
        self.b.ins().iconst(I64, v)
    }

    /// `State::sp` for operand depth `depth`.
    fn sp(&mut self, depth: usize) -> Value {
        self.b
            .ins()
            .iadd_imm_s(self.fp, (self.slots + depth) as i64)
    }

    fn vm_field(&mut self, offset: i32) -> Value {
        self.b.ins().load(I64, mem(), self.vm, offset)
    }

    /// Calls runtime function `f` with four integer arguments; answers its `u32`.
    fn call(&mut self, f: RuntimeFn, args: [Value; 4]) -> Value {
        let callee = self.iconst(f as usize as i64);
        let call = self.b.ins().call_indirect(
            self.sig,
            callee,
            &[self.vm, args[0], args[1], args[2], args[3]],
        );
        self.b.inst_results(call)[0]
    }

    /// Goes on in a new block if `status` is `CONTINUE`, else returns it.
    fn check(&mut self, status: Value) {
        let go_on = self.b.create_block();
        self.b
            .ins()
            .brif(status, self.exit, &[status.into()], go_on, &[]);
        self.b.switch_to_block(go_on);
    }

    /// After a send's runtime call: `CONTINUE` goes on; `ENTER` calls the pushed frame's
    /// native code (§4.3) and goes on if it returned into this frame (`CONTINUE`);
    /// anything else is returned (`INTERPRET` from the callee as `LEAVE`: the loop
    /// interprets it).
    fn check_send(&mut self, status: Value) {
        let (go_on, other, call) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().brif(status, other, &[], go_on, &[]);
        self.b.switch_to_block(other);
        let enter = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, status::ENTER as i64);
        self.b
            .ins()
            .brif(enter, call, &[], self.exit, &[status.into()]);
        self.b.switch_to_block(call);
        let entry = self.vm_field(self.layout.enter_entry);
        let fp = self.vm_field(self.layout.enter_fp);
        self.call_native(entry, fp);
        self.b.ins().jump(go_on, &[]);
        self.b.switch_to_block(go_on);
    }

    /// Calls native `entry` at resume point 0 for the frame at `fp`, and goes on in a new
    /// block if the callee returned into this frame (`CONTINUE`); any other status is
    /// returned, `INTERPRET` as `LEAVE` (the loop interprets the callee).
    fn call_native(&mut self, entry: Value, fp: Value) {
        let at_entry = self.b.ins().iconst(I32, 0);
        let call = self
            .b
            .ins()
            .call_indirect(self.entry_sig, entry, &[self.vm, fp, at_entry]);
        let done = self.b.inst_results(call)[0];
        let interpret = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, done, status::INTERPRET as i64);
        let leave = self.b.ins().iconst(I32, status::LEAVE as i64);
        let done = self.b.ins().select(interpret, leave, done);
        let go_on = self.b.create_block();
        self.b
            .ins()
            .brif(done, self.exit, &[done.into()], go_on, &[]);
        self.b.switch_to_block(go_on);
    }

    /// The slow path of a send compiled with inline cases: in the current block, writes
    /// the operands `ops` back from slot `base`, calls runtime send `f` with `(site, next,
    /// sp, last)` and its `ENTER`/`LEAVE` handling, and jumps to `join`.
    fn slow_send(
        &mut self,
        f: RuntimeFn,
        ops: &[Value],
        (base, site, next, depth): (usize, u16, usize, usize),
        last: i64,
        join: Block,
    ) {
        for (k, &v) in ops.iter().enumerate() {
            self.slot_store(base + k, v);
        }
        let args = [
            self.iconst(site as i64),
            self.iconst(next as i64),
            self.sp(depth),
            self.iconst(last),
        ];
        let status = self.call(f, args);
        self.check_send(status);
        self.reload();
        self.b.ins().jump(join, &[]);
    }

    /// A runtime call that may collect and change frames: the operand stack is flushed
    /// first; after `CONTINUE` the instruction's results are in memory.
    fn call_out(
        &mut self,
        f: RuntimeFn,
        args: [u64; 4],
        sp_arg: usize,
        instr: &Instr,
        depth: usize,
        method: &MethodRef,
    ) {
        self.flush();
        let mut values = [self.iconst(0); 4];
        for (k, &a) in args.iter().enumerate() {
            values[k] = if k == sp_arg {
                self.sp(depth)
            } else {
                self.iconst(a as i64)
            };
        }
        let status = self.call(f, values);
        if instr.site().is_some() {
            self.check_send(status);
        } else {
            self.check(status);
        }
        self.reload();
        let (pops, pushes) = instr.stack_effect(|s| method.site(s as usize).map_or(0, |s| s.argc));
        self.mem = depth - pops + pushes;
    }

    fn store_slot_of(&mut self, object: Value, index: u8, value: Value) {
        let index = self.iconst(index as i64);
        self.store_barriered(object, index, value);
    }

    fn field_load(&mut self, object: Value, index: u8) -> Value {
        let offset = self.layout.first_slot + 8 * index as i32;
        self.b.ins().load(I64, mem(), object, offset)
    }

    fn label(&self, pc: usize) -> Block {
        self.blocks[&pc]
    }

    /// Translates one instruction; answers whether control falls through to the next.
    fn instr(
        &mut self,
        pc: usize,
        instr: Instr,
        depth: usize,
        method: &MethodRef,
    ) -> Result<bool, Bailout> {
        let next = pc + instr.opcode().size();
        let rt = self.layout.runtime;
        match instr {
            Instr::PushLocal { n } => {
                let v = self.slot_load(n as usize);
                self.push(v);
            }
            Instr::PushField { n } => {
                let recv = self.slot_load(0);
                let v = self.field_load(recv, n);
                self.push(v);
            }
            Instr::PushTempVec { vec, idx } => {
                let t = self.slot_load(vec as usize);
                let v = self.field_load(t, idx);
                self.push(v);
            }
            Instr::PushLiteral { lit } => {
                let base = self.iconst(self.literals as i64);
                let v = self.b.ins().load(I64, mem(), base, 8 * lit as i32);
                self.push(v);
            }
            Instr::PushGlobal { site } => {
                self.call_out(
                    rt.global,
                    [site as u64, next as u64, 0, 0],
                    2,
                    &instr,
                    depth,
                    method,
                );
            }
            Instr::PushSelf => {
                let v = self.slot_load(0);
                self.push(v);
            }
            Instr::PushNil | Instr::PushTrue | Instr::PushFalse => {
                let offset = match instr {
                    Instr::PushNil => self.layout.nil,
                    Instr::PushTrue => self.layout.true_,
                    _ => self.layout.false_,
                };
                let v = self.vm_field(offset);
                self.push(v);
            }
            Instr::PushSmall { value } => {
                let v = self.iconst(((value as i64) << 3) | SMALL_INT_TAG);
                self.push(v);
            }
            Instr::StoreLocal { n } | Instr::PopLocal { n } => {
                let v = self.pop();
                self.slot_store(n as usize, v);
                if matches!(instr, Instr::StoreLocal { .. }) {
                    self.push(v);
                }
            }
            Instr::StoreField { n } | Instr::PopField { n } => {
                let v = self.pop();
                let recv = self.slot_load(0);
                self.store_slot_of(recv, n, v);
                if matches!(instr, Instr::StoreField { .. }) {
                    self.push(v);
                }
            }
            Instr::StoreTempVec { vec, idx } | Instr::PopTempVec { vec, idx } => {
                let v = self.pop();
                let t = self.slot_load(vec as usize);
                self.store_slot_of(t, idx, v);
                if matches!(instr, Instr::StoreTempVec { .. }) {
                    self.push(v);
                }
            }
            Instr::MakeTempVec { n, size } => {
                self.call_out(
                    rt.make_temp_vec,
                    [n as u64, size as u64, 0, next as u64],
                    2,
                    &instr,
                    depth,
                    method,
                );
            }
            Instr::MakeClosure { block, copied } => {
                if let Some(Some(facts)) = self.closures.get(block as usize).copied() {
                    self.inline_closure(facts, (block, copied as usize), (next, depth));
                    return Ok(true);
                }
                self.call_out(
                    rt.make_closure,
                    [block as u64, copied as u64, 0, next as u64],
                    2,
                    &instr,
                    depth,
                    method,
                );
            }
            Instr::Pop => self.drop_top(),
            Instr::Dup => {
                let v = self.pop();
                self.push(v);
                self.push(v);
            }
            Instr::Send { site } => {
                let argc = method.site(site as usize).map_or(0, |s| s.argc);
                if let Some(profile) = plan_profile(self.profiles, site) {
                    if self.inline_send(profile, (site, argc, next, depth)) {
                        return Ok(true);
                    }
                }
                self.call_out(
                    rt.send,
                    [site as u64, next as u64, 0, 0],
                    2,
                    &instr,
                    depth,
                    method,
                );
            }
            Instr::SuperSend { site } => {
                self.call_out(
                    rt.send,
                    [site as u64, next as u64, 0, 1],
                    2,
                    &instr,
                    depth,
                    method,
                );
            }
            Instr::Identical => self.identical(),
            Instr::ReturnTop | Instr::ReturnSelf | Instr::ReturnNil => {
                let (v, sp_depth) = match instr {
                    Instr::ReturnTop => (self.pop(), depth - 1),
                    Instr::ReturnSelf => (self.slot_load(0), depth),
                    _ => (self.vm_field(self.layout.nil), depth),
                };
                self.return_value(v, sp_depth);
                return Ok(false);
            }
            Instr::ReturnNonLocal => {
                self.flush();
                let pc_after = self.iconst(next as i64);
                let sp = self.sp(depth);
                let zero = self.iconst(0);
                let status = self.call(rt.non_local_return, [pc_after, sp, zero, zero]);
                self.b.ins().jump(self.exit, &[status.into()]);
                return Ok(false);
            }
            Instr::Jump { .. } => {
                let target = instr.jump_target(pc).expect("a jump");
                self.flush();
                let target = self.label(target);
                self.b.ins().jump(target, &[]);
                return Ok(false);
            }
            Instr::JumpBack { .. } => {
                let target = instr
                    .jump_target(pc)
                    .ok_or(Bailout::Unsupported("jump-back"))?;
                self.flush();
                let word = self.iconst(self.layout.interrupt as i64);
                let pending = self.b.ins().load(I32, mem(), word, 0);
                let slow = self.b.create_block();
                let head = self.label(target);
                self.b.ins().brif(pending, slow, &[], head, &[]);
                self.b.switch_to_block(slow);
                self.b.set_cold_block(slow);
                let at = self.iconst(target as i64);
                let sp = self.sp(depth);
                let zero = self.iconst(0);
                let status = self.call(rt.safepoint, [at, sp, zero, zero]);
                self.b.ins().jump(self.exit, &[status.into()]);
                return Ok(false);
            }
            Instr::JumpIfTrue { .. } | Instr::JumpIfFalse { .. } => {
                let target = self.label(instr.jump_target(pc).expect("a jump"));
                let v = self.pop();
                self.flush();
                let (t, f) = (
                    self.vm_field(self.layout.true_),
                    self.vm_field(self.layout.false_),
                );
                let (want, other) = if matches!(instr, Instr::JumpIfTrue { .. }) {
                    (t, f)
                } else {
                    (f, t)
                };
                let is_want = self.b.ins().icmp(IntCC::Equal, v, want);
                let check = self.b.create_block();
                self.b.ins().brif(is_want, target, &[], check, &[]);
                self.b.switch_to_block(check);
                let is_other = self.b.ins().icmp(IntCC::Equal, v, other);
                let not_boolean = self.b.create_block();
                let fall = self.label(next);
                self.b.ins().brif(is_other, fall, &[], not_boolean, &[]);
                self.b.switch_to_block(not_boolean);
                self.b.set_cold_block(not_boolean);
                // As the interpreter: the frame continues at this jump, whose condition
                // is then `mustBeBoolean`'s answer (a Boolean).
                self.slot_store(self.slots + depth - 1, v);
                let at_jump = self.iconst(pc as i64);
                let sp = self.sp(depth);
                let zero = self.iconst(0);
                let status = self.call(rt.not_boolean, [at_jump, sp, zero, zero]);
                self.b.ins().jump(self.exit, &[status.into()]);
                return Ok(false);
            }
            Instr::JumpIfNil { .. } | Instr::JumpIfNotNil { .. } => {
                let target = self.label(instr.jump_target(pc).expect("a jump"));
                let v = self.pop();
                self.flush();
                let nil = self.vm_field(self.layout.nil);
                let is_nil = self.b.ins().icmp(IntCC::Equal, v, nil);
                let (yes, no) = if matches!(instr, Instr::JumpIfNil { .. }) {
                    (target, self.label(next))
                } else {
                    (self.label(next), target)
                };
                self.b.ins().brif(is_nil, yes, &[], no, &[]);
                return Ok(false);
            }
            Instr::IncLocal { n, .. } => {
                let target = self.label(instr.jump_target(pc).expect("a jump"));
                self.flush();
                let v = self.slot_load(n as usize);
                let tag = self.b.ins().band_imm_u(v, 7);
                let is_int = self.b.ins().icmp_imm_s(IntCC::Equal, tag, SMALL_INT_TAG);
                let add = self.b.create_block();
                let fall = self.label(next);
                self.b.ins().brif(is_int, add, &[], fall, &[]);
                self.b.switch_to_block(add);
                let one = self.iconst(8);
                let (r, overflow) = self.b.ins().sadd_overflow(v, one);
                let store = self.b.create_block();
                self.b.ins().brif(overflow, fall, &[], store, &[]);
                self.b.switch_to_block(store);
                self.slot_store(n as usize, r);
                self.b.ins().jump(target, &[]);
                return Ok(false);
            }
            Instr::Add { site }
            | Instr::Sub { site }
            | Instr::Mul { site }
            | Instr::IntDiv { site }
            | Instr::BitAnd { site }
            | Instr::Lt { site }
            | Instr::Gt { site }
            | Instr::Le { site }
            | Instr::Ge { site }
            | Instr::Eq { site }
            | Instr::Ne { site } => self.small_int_binary(instr, site, next, depth),
            Instr::At { site } | Instr::AtPut { site } => {
                self.array_access(instr, site, next, depth)
            }
            // The other special sends: the interpreter's fast paths and send, in the runtime.
            _ => {
                let site = instr.site().ok_or(Bailout::Unsupported("opcode"))?;
                let op = instr.opcode() as u64;
                self.call_out(
                    rt.special,
                    [site as u64, next as u64, 0, op],
                    2,
                    &instr,
                    depth,
                    method,
                );
            }
        }
        Ok(true)
    }
}
