//! [`CraneliftTier`]: the `Tier` the `cairn` command installs. It plans a method
//! ([`crate::plan`]), translates it ([`crate::translate`]) into one `JITModule`, and
//! answers the finalized function as the method's `NativeEntry`.
//!
//! Code memory is one module for the VM's lifetime (stage 2; the design's generations
//! and code-cache limit are stage 6): nothing is freed before the tier is dropped, so
//! every `MethodInfo::entry` stays valid while the VM that holds them lives.

use std::collections::BTreeMap;
use std::time::Instant;

use cairn_vm::tier::view::{ClosureFacts, SiteProfile};
use cairn_vm::tier::{Bailout, MethodRef, NativeEntry, Tier, TierLayout, TierStats};
use cairn_vm::Vm;
use cranelift_codegen::ir::{types, AbiParam, Signature};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Module};

use crate::host::{host_isa, JitError};
use crate::plan::Plan;
use crate::translate::{Feedback, Translator};

/// The Cranelift baseline tier.
pub struct CraneliftTier {
    module: Option<JITModule>,
    ctx: Context,
    fctx: FunctionBuilderContext,
    layout: TierLayout,
    call_conv: CallConv,
    ptr: types::Type,
    stats: TierStats,
    bailouts: BTreeMap<String, u64>,
    trace: bool,
}

impl CraneliftTier {
    /// A tier for `vm` (its field offsets and interrupt word), on the host ISA.
    pub fn new(vm: &Vm) -> Result<CraneliftTier, JitError> {
        let isa = host_isa()?;
        let call_conv = isa.default_call_conv();
        let ptr = isa.pointer_type();
        let module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let ctx = module.make_context();
        Ok(CraneliftTier {
            module: Some(module),
            ctx,
            fctx: FunctionBuilderContext::new(),
            layout: TierLayout::of(vm),
            call_conv,
            ptr,
            stats: TierStats::default(),
            bailouts: BTreeMap::new(),
            trace: std::env::var("CAIRN_JIT_TRACE").is_ok_and(|v| v == "1"),
        })
    }

    /// `(vm, fp, resume) -> status`: every native entry.
    fn entry_signature(&self) -> Signature {
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(self.ptr));
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(types::I32));
        sig.returns.push(AbiParam::new(types::I32));
        sig
    }

    /// `(vm, a, b, c, d) -> u32`: every runtime call.
    fn runtime_signature(&self) -> Signature {
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(self.ptr));
        for _ in 0..4 {
            sig.params.push(AbiParam::new(types::I64));
        }
        sig.returns.push(AbiParam::new(types::I32));
        sig
    }

    fn build(
        &mut self,
        method: &MethodRef,
        feedback: Feedback<'_>,
    ) -> Result<(NativeEntry, usize, usize), Bailout> {
        let plan = Plan::of(method)?;
        let module = self.module.as_mut().ok_or(Bailout::Codegen)?;
        module.clear_context(&mut self.ctx);
        let sig = self.entry_signature();
        let runtime_sig = self.runtime_signature();
        let entry_sig = self.entry_signature();
        let module = self.module.as_mut().ok_or(Bailout::Codegen)?;
        let id = module
            .declare_anonymous_function(&sig)
            .map_err(|_| Bailout::Codegen)?;
        self.ctx.func.signature = sig;
        let inlined;
        {
            let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
            let rt = b.import_signature(runtime_sig);
            let native = b.import_signature(entry_sig);
            inlined =
                Translator::translate(&mut b, (rt, native), &self.layout, method, &plan, feedback)?;
            b.finalize(module.isa().frontend_config());
        }
        if let Err(e) = module.define_function(id, &mut self.ctx) {
            if self.trace {
                let (file, line) = method.location();
                eprintln!("cairn-jit: {file}:{line}: {e:?}");
            }
            module.clear_context(&mut self.ctx);
            return Err(Bailout::Codegen);
        }
        let bytes = self
            .ctx
            .compiled_code()
            .map_or(0, |c| c.code_buffer().len());
        module.clear_context(&mut self.ctx);
        module
            .finalize_definitions()
            .map_err(|_| Bailout::Codegen)?;
        let code = module.get_finalized_function(id);
        // SAFETY: `code` is the finalized body of a function declared with the entry
        // signature `(pointer, i64, i32) -> i32` in the host's C convention, which is
        // `NativeEntry` on the 64-bit hosts Cranelift supports. The module is freed
        // only when the tier is dropped, with the VM that holds the entry (I10).
        let entry = unsafe { std::mem::transmute::<*const u8, NativeEntry>(code) };
        Ok((entry, bytes, inlined))
    }

    fn count_bailout(&mut self, why: Bailout) {
        *self.bailouts.entry(why.to_string()).or_insert(0) += 1;
    }
}

impl Tier for CraneliftTier {
    fn compile(&mut self, vm: &mut Vm, method: MethodRef) -> Result<NativeEntry, Bailout> {
        let started = Instant::now();
        let profiles: Vec<SiteProfile> = (0..method.num_sites())
            .map(|i| method.site_profile(vm, i))
            .collect();
        let closures: Vec<Option<ClosureFacts>> = (0..method.num_blocks())
            .map(|i| method.closure(vm, i))
            .collect();
        let feedback = Feedback {
            profiles: &profiles,
            closures: &closures,
        };
        let result = self.build(&method, feedback);
        let took = started.elapsed();
        self.stats.compile_time += took;
        self.stats.max_compile = self.stats.max_compile.max(took);
        match result {
            Ok((entry, bytes, inlined)) => {
                self.stats.inlined_sends += inlined as u64;
                if method.is_block() {
                    self.stats.blocks += 1;
                } else {
                    self.stats.methods += 1;
                }
                self.stats.code_bytes += bytes as u64;
                Ok(entry)
            }
            Err(why) => {
                if self.trace {
                    let (file, line) = method.location();
                    eprintln!("cairn-jit: {file}:{line}: not compiled: {why}");
                }
                self.count_bailout(why);
                Err(why)
            }
        }
    }

    fn stats(&self) -> TierStats {
        TierStats {
            bailouts: self.bailouts.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            ..self.stats.clone()
        }
    }
}

impl Drop for CraneliftTier {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the tier is dropped with (after the dispatch loop of) the VM that
            // holds the entries; no native call is running, and no entry is called again.
            unsafe { module.free_memory() };
        }
    }
}
