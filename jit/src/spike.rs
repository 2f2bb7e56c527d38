//! Toolchain spike: one compiled bytecode, `Add`, in the calling shape the tier will use.
//!
//! [`TaggedAdd::compile`] emits, with cranelift-frontend into a `JITModule`, the native
//! code for Cairn's `Add` opcode on a managed operand stack:
//!
//! ```text
//! fn(vm: *mut SpikeVm) -> u32          // a status: 0 = go on, anything else = leave
//!   a, b  := stack[sp - 2], stack[sp - 1]   // through the VM's field offsets
//!   if (a & b & 1) != 0:                     // both SmallIntegers (tag 001; no other
//!                                            // valid tag has bit 0 set)
//!     r, overflow := a + (b - 1)             // tagged add: (x<<3|1) + (y<<3) = (x+y)<<3|1
//!     if !overflow: stack[sp - 2] := r; sp -= 1; return 0
//!   return rt_add_slow(vm)                   // runtime: LargeInteger, or a real send
//! ```
//!
//! The 61-bit SmallInteger range overflows exactly when the i64 addition of the tagged
//! words does (both payloads are scaled by 8), so one `sadd_overflow` is the whole check.
//!
//! [`SpikeVm`] stands in for `cairn_vm::Vm` (which this session may not change): the
//! compiled code finds the stack base and `sp` through `std::mem::offset_of!`, so the VM's
//! structs need no `#[repr(C)]`. The runtime function is `extern "C"`, takes the VM
//! pointer, does its work on the managed stack and answers a status; it catches panics,
//! because a Rust panic must never unwind through native frames that have no unwind
//! information (it would abort the process). The compiled code propagates a non-zero
//! status without touching the stack: the interpreter's frames are the truth, and the
//! dispatch loop decides what runs next.

use std::mem::offset_of;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use cranelift_codegen::ir::{types, AbiParam, InstBuilder, MemFlagsData, Signature};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};

use crate::host::{host_isa, JitError};

/// Status: the result is on the operand stack; compiled code goes on.
pub const STATUS_CONTINUE: u32 = 0;
/// Status: frames changed (a send pushed a frame, an unwind popped some): compiled code
/// returns this to its caller, and finally the dispatch loop resumes the top frame.
pub const STATUS_LEAVE: u32 = 1;
/// Status: a Rust panic in the runtime, caught at the boundary; the VM reports it.
pub const STATUS_FATAL: u32 = 2;

/// Low three bits of a SmallInteger Oop.
const TAG_SMALL_INT: u64 = 0b001;
/// Mask of the tag bits.
const TAG_MASK: u64 = 0b111;
/// SmallInteger range (61 bits).
const SMALL_INT_MIN: i64 = -(1 << 60);
const SMALL_INT_MAX: i64 = (1 << 60) - 1;

/// The slice of the VM that the spike's compiled code and runtime function touch.
pub struct SpikeVm {
    /// Base of the managed slot stack (raw Oop bits).
    stack: *mut u64,
    /// Next free slot.
    sp: usize,
    /// Boxed results of overflowing additions (a stand-in for LargeIntegers).
    pub large: Vec<i128>,
    /// Slow-path calls so far.
    pub slow_calls: u64,
    /// Sends the slow path would have made (an operand was not a SmallInteger).
    pub sends: u64,
    /// Test hook: make the runtime panic, to show that the panic is caught.
    pub panic_in_runtime: bool,
    slots: Vec<u64>,
}

impl SpikeVm {
    /// A VM stand-in with an empty stack of `slots` slots.
    pub fn new(slots: usize) -> SpikeVm {
        let mut slots = vec![0u64; slots];
        SpikeVm {
            stack: slots.as_mut_ptr(),
            sp: 0,
            large: Vec::new(),
            slow_calls: 0,
            sends: 0,
            panic_in_runtime: false,
            slots,
        }
    }

    /// Pushes raw Oop bits.
    pub fn push(&mut self, bits: u64) {
        self.slots[self.sp] = bits;
        self.sp += 1;
    }

    /// Pops raw Oop bits.
    pub fn pop(&mut self) -> u64 {
        self.sp -= 1;
        self.slots[self.sp]
    }

    /// The stack depth.
    pub fn depth(&self) -> usize {
        self.sp
    }
}

/// A SmallInteger's Oop bits (`v` must be in the 61-bit range).
pub fn small_int(v: i64) -> u64 {
    debug_assert!((SMALL_INT_MIN..=SMALL_INT_MAX).contains(&v));
    ((v as u64) << 3) | TAG_SMALL_INT
}

/// The value of SmallInteger Oop bits, or None for another tag.
pub fn as_small_int(bits: u64) -> Option<i64> {
    (bits & TAG_MASK == TAG_SMALL_INT).then_some((bits as i64) >> 3)
}

/// The "boxed" result the slow path made for `large[i]`: a pointer-tagged index.
pub fn large_index(bits: u64) -> Option<usize> {
    (bits & TAG_MASK == 0).then_some((bits >> 3) as usize)
}

/// The runtime's slow path for `Add` (a runtime-table entry in the real tier): both
/// operands are on the managed stack; it leaves the result there, or makes the send.
extern "C" fn rt_add_slow(vm: *mut SpikeVm) -> u32 {
    // A panic must not unwind into the compiled caller: catch it and answer a status.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: compiled code passes the pointer it was called with, which the caller
        // of `TaggedAdd::call` made from a live `&mut SpikeVm`; nothing else aliases it
        // while the compiled code runs.
        let vm = unsafe { &mut *vm };
        vm.slow_calls += 1;
        if vm.panic_in_runtime {
            panic!("spike: runtime panic requested");
        }
        let (a, b) = (vm.slots[vm.sp - 2], vm.slots[vm.sp - 1]);
        match (as_small_int(a), as_small_int(b)) {
            (Some(x), Some(y)) => {
                let r = x as i128 + y as i128;
                let bits = match i64::try_from(r) {
                    Ok(v) if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&v) => small_int(v),
                    _ => {
                        vm.large.push(r);
                        ((vm.large.len() - 1) as u64) << 3
                    }
                };
                vm.sp -= 1;
                vm.slots[vm.sp - 1] = bits;
                STATUS_CONTINUE
            }
            // The real runtime would send `+` here; a frame may be pushed, so the
            // compiled code must leave and let the dispatch loop run it.
            _ => {
                vm.sends += 1;
                STATUS_LEAVE
            }
        }
    }));
    outcome.unwrap_or(STATUS_FATAL)
}

/// Compiled code for `Add` on a [`SpikeVm`].
pub struct TaggedAdd {
    module: Option<JITModule>,
    entry: unsafe extern "C" fn(*mut SpikeVm) -> u32,
    /// Bytes of machine code.
    pub code_bytes: usize,
    /// Time to build the IR, compile and finalize.
    pub compile_time: Duration,
}

impl TaggedAdd {
    /// Builds the host ISA, translates `Add` and makes it executable.
    pub fn compile() -> Result<TaggedAdd, JitError> {
        let started = Instant::now();
        let isa = host_isa()?;
        let ptr = isa.pointer_type();
        let call_conv = isa.default_call_conv();
        let frontend_config = isa.frontend_config();
        let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));

        // Compiled code and runtime functions share one signature: (vm) -> status.
        let mut sig = Signature::new(call_conv);
        sig.params.push(AbiParam::new(ptr));
        sig.returns.push(AbiParam::new(types::I32));
        let id = module.declare_function("cairn_spike_add", Linkage::Local, &sig)?;

        let mut ctx: Context = module.make_context();
        ctx.func.signature = sig.clone();
        let mut fctx = FunctionBuilderContext::new();
        {
            let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            let entry = b.create_block();
            let fast = b.create_block();
            let store = b.create_block();
            let slow = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let vm = b.block_params(entry)[0];
            // Managed memory: aligned, never traps (the verifier sized the stack).
            let mem = MemFlagsData::trusted();
            let stack = b
                .ins()
                .load(ptr, mem, vm, offset_of!(SpikeVm, stack) as i32);
            let sp = b.ins().load(ptr, mem, vm, offset_of!(SpikeVm, sp) as i32);
            // Address of the receiver slot, stack + (sp - 2) * 8.
            let sp8 = b.ins().ishl_imm_u(sp, 3);
            let top = b.ins().iadd(stack, sp8);
            let a = b.ins().load(types::I64, mem, top, -16);
            let bb = b.ins().load(types::I64, mem, top, -8);
            let both = b.ins().band(a, bb);
            let tag = b.ins().band_imm_u(both, 1);
            b.ins().brif(tag, fast, &[], slow, &[]);

            b.switch_to_block(fast);
            let untagged = b.ins().iadd_imm_s(bb, -(TAG_SMALL_INT as i64));
            let (r, overflow) = b.ins().sadd_overflow(a, untagged);
            b.ins().brif(overflow, slow, &[], store, &[r.into()]);

            b.switch_to_block(store);
            let r = b.append_block_param(store, types::I64);
            b.ins().store(mem, r, top, -16);
            let new_sp = b.ins().iadd_imm_s(sp, -1);
            b.ins()
                .store(mem, new_sp, vm, offset_of!(SpikeVm, sp) as i32);
            let go_on = b.ins().iconst(types::I32, STATUS_CONTINUE as i64);
            b.ins().return_(&[go_on]);

            // Slow path: everything the runtime needs is in the VM (sp is current), so
            // the call passes only the VM pointer; its status is ours.
            b.switch_to_block(slow);
            b.set_cold_block(slow);
            let sig_ref = b.import_signature(sig);
            let callee = b
                .ins()
                .iconst(ptr, rt_add_slow as *const () as usize as i64);
            let call = b.ins().call_indirect(sig_ref, callee, &[vm]);
            let status = b.inst_results(call)[0];
            b.ins().return_(&[status]);

            b.seal_all_blocks();
            b.finalize(frontend_config);
        }
        module.define_function(id, &mut ctx)?;
        let code_bytes = ctx
            .compiled_code()
            .map(|c| c.code_buffer().len())
            .unwrap_or(0);
        module.clear_context(&mut ctx);
        module.finalize_definitions()?;
        let code = module.get_finalized_function(id);
        // SAFETY: `code` is the finalized (executable) body of the function declared
        // above with signature `(pointer) -> i32` in the ISA's default (C) calling
        // convention, which is `unsafe extern "C" fn(*mut SpikeVm) -> u32`. It stays
        // valid while `module` is alive, and `TaggedAdd` owns the module.
        let entry = unsafe {
            std::mem::transmute::<*const u8, unsafe extern "C" fn(*mut SpikeVm) -> u32>(code)
        };
        Ok(TaggedAdd {
            module: Some(module),
            entry,
            code_bytes,
            compile_time: started.elapsed(),
        })
    }

    /// Runs the compiled `Add` on the top two slots of `vm`'s stack; answers the status.
    pub fn call(&self, vm: &mut SpikeVm) -> u32 {
        assert!(vm.depth() >= 2, "Add needs two operands");
        // SAFETY: the entry point is live (we own its module); the two slots it reads
        // and the one it writes are below sp (checked above), and the runtime function
        // it may call only uses the `SpikeVm` we pass, which we borrow mutably here.
        unsafe { (self.entry)(vm) }
    }
}

impl Drop for TaggedAdd {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the only pointer into this module's code is `self.entry`, which
            // dies with `self`, and no call is running (`call` borrows `self`).
            unsafe { module.free_memory() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(jit: &TaggedAdd, vm: &mut SpikeVm, a: u64, b: u64) -> (u32, u64) {
        vm.push(a);
        vm.push(b);
        let status = jit.call(vm);
        let top = if status == STATUS_CONTINUE {
            vm.pop()
        } else {
            0
        };
        (status, top)
    }

    #[test]
    fn small_integers_add_inline() {
        let jit = TaggedAdd::compile().expect("the host ISA compiles");
        eprintln!(
            "spike: {} bytes of code, compiled in {:?}",
            jit.code_bytes, jit.compile_time
        );
        let mut vm = SpikeVm::new(16);
        for (x, y) in [
            (3, 4),
            (-5, 2),
            (0, 0),
            (SMALL_INT_MAX, 0),
            (SMALL_INT_MIN, 7),
        ] {
            let (status, r) = add(&jit, &mut vm, small_int(x), small_int(y));
            assert_eq!(status, STATUS_CONTINUE);
            assert_eq!(as_small_int(r), Some(x + y));
        }
        assert_eq!(vm.slow_calls, 0, "no overflow, no runtime call");
        assert_eq!(vm.depth(), 0);
    }

    #[test]
    fn overflow_calls_the_runtime() {
        let jit = TaggedAdd::compile().expect("the host ISA compiles");
        let mut vm = SpikeVm::new(16);
        let cases = [
            (SMALL_INT_MAX, 1),
            (SMALL_INT_MIN, -1),
            (SMALL_INT_MAX, SMALL_INT_MAX),
            (SMALL_INT_MIN, SMALL_INT_MIN),
        ];
        for (i, &(x, y)) in cases.iter().enumerate() {
            let (status, r) = add(&jit, &mut vm, small_int(x), small_int(y));
            assert_eq!(status, STATUS_CONTINUE);
            assert_eq!(large_index(r), Some(i), "boxed by the runtime");
            assert_eq!(vm.large[i], x as i128 + y as i128);
        }
        assert_eq!(vm.slow_calls, cases.len() as u64);
    }

    #[test]
    fn other_operands_leave_for_a_send() {
        let jit = TaggedAdd::compile().expect("the host ISA compiles");
        let mut vm = SpikeVm::new(16);
        let character = (65u64 << 3) | 0b010;
        vm.push(small_int(1));
        vm.push(character);
        assert_eq!(jit.call(&mut vm), STATUS_LEAVE);
        assert_eq!(vm.depth(), 2, "the operands stay for the send");
        assert_eq!(vm.sends, 1);
    }

    #[test]
    fn a_runtime_panic_becomes_a_status() {
        let jit = TaggedAdd::compile().expect("the host ISA compiles");
        let mut vm = SpikeVm::new(16);
        vm.panic_in_runtime = true;
        // Silence the default hook's message for this expected panic.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let (status, _) = add(&jit, &mut vm, small_int(SMALL_INT_MAX), small_int(1));
        std::panic::set_hook(hook);
        assert_eq!(status, STATUS_FATAL);
    }

    #[test]
    fn agrees_with_i128_arithmetic() {
        let jit = TaggedAdd::compile().expect("the host ISA compiles");
        let mut vm = SpikeVm::new(16);
        // Values clustered near the SmallInteger limits and zero (xorshift, fixed seed).
        let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let near = (s >> 8) as i64 % 1000;
            match s & 3 {
                0 => SMALL_INT_MAX - near.abs(),
                1 => SMALL_INT_MIN + near.abs(),
                2 => near,
                _ => ((s as i64) >> 3) / 2,
            }
        };
        for _ in 0..2000 {
            let (x, y) = (next(), next());
            let (status, r) = add(&jit, &mut vm, small_int(x), small_int(y));
            assert_eq!(status, STATUS_CONTINUE);
            let want = x as i128 + y as i128;
            let got = match as_small_int(r) {
                Some(v) => v as i128,
                None => vm.large[large_index(r).expect("boxed")],
            };
            assert_eq!(got, want, "{x} + {y}");
        }
    }
}
