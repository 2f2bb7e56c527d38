//! The tier interface: how a native-code tier plugs into the interpreter without `vm`
//! naming it (docs/design/jit.md §2, DESIGN.md "Layout").
//!
//! This folder owns everything the interpreter shares with a compiler of methods:
//! - [`Tier`], the trait a tier implements (`cairn-jit`'s `CraneliftTier`; [`NullTier`]
//!   compiles nothing), installed with [`Vm::install_tier`] by the `cairn` command;
//! - [`TierPolicy`] (`--jit=off|on|always`, `--jit-threshold`), turned into the one
//!   threshold the invocation and back-edge counters compare against;
//! - [`NativeEntry`] and the [`status`] codes every native entry and runtime call answers;
//! - the dispatch-loop side: [`Vm::tier_up`] (cold: compile, set `MethodInfo::entry`)
//!   and [`Vm::enter_native`] (called where `Vm::run` (re)loads the top frame);
//! - [`view`]: read-only access to a method for the compiler ([`MethodRef`]);
//! - [`layout`]: field offsets and stable addresses compiled code reads ([`TierLayout`]);
//! - [`runtime`]: the `extern "C"` runtime-call table compiled code calls.
//!
//! A compiled method runs in the interpreter's own frame (slots on `State::stack`, a
//! `Frame` record), so the collector, the unwinder and the stack trace need nothing new.

pub mod layout;
mod recompile;
pub mod runtime;
pub mod view;

use std::fmt;
use std::time::Duration;

use crate::methods::MethodInfo;
use crate::vm::{Vm, VmError};

/// What compiled code needs to lay out the objects it allocates inline.
pub use cairn_gc::header::PREFIX_SIZE_MASK;
/// The immediate-float encoding compiled code decodes and encodes inline (the
/// collector's `Oop` defines it).
pub use cairn_gc::oop::{FLOAT_EXPONENT_OFFSET, TAG_FLOAT};
pub use cairn_gc::{ClassIndex, Format, ObjectLayout};
pub use layout::{BlockOffsets, FrameOffsets, HeaderFacts, TierLayout};
pub use recompile::TierWatch;
pub use view::MethodRef;

/// Native code for one method or block: `fp` is the frame's receiver slot index,
/// `resume` the bytecode pc to start at (0 = entry). Answers a [`status`].
pub type NativeEntry = unsafe extern "C" fn(vm: *mut Vm, fp: usize, resume: u32) -> u32;

/// What native entries and runtime calls answer (docs/design/jit.md §4.1).
pub mod status {
    /// The caller's frame is still on top with its result slot filled: go on.
    pub const CONTINUE: u32 = 0;
    /// Frames changed: return at once, touching nothing; the loop runs the top frame.
    pub const LEAVE: u32 = 1;
    /// Runtime only: it pushed a frame whose method has native code, directly above the
    /// caller's; `TierLayout::{enter_entry, enter_fp}` name it. The caller calls it.
    pub const ENTER: u32 = 2;
    /// A `VmError` is in `Vm::tier_error`.
    pub const ERROR: u32 = 3;
    /// Native entry only: `resume` is not a resume point; interpret from it.
    pub const INTERPRET: u32 = 4;
}

/// When methods are compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TierMode {
    /// Never (the interpreter only).
    Off,
    /// After `threshold` invocations or back-edges of one method.
    On,
    /// At the first invocation (tests).
    Always,
}

impl TierMode {
    /// Parses `off`, `on` or `always`.
    pub fn parse(text: &str) -> Option<TierMode> {
        match text {
            "off" => Some(TierMode::Off),
            "on" => Some(TierMode::On),
            "always" => Some(TierMode::Always),
            _ => None,
        }
    }
}

/// The tier-up policy handed to the VM with the tier.
#[derive(Clone, Copy, Debug)]
pub struct TierPolicy {
    /// When to compile.
    pub mode: TierMode,
    /// Invocations (or back-edges) before a method is compiled in mode `On`.
    pub threshold: u32,
}

/// The default `--jit-threshold`.
pub const DEFAULT_THRESHOLD: u32 = 1000;

impl Default for TierPolicy {
    fn default() -> Self {
        TierPolicy {
            mode: TierMode::Off,
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

impl TierPolicy {
    /// Where the countdowns start (`MethodInfo::hot_countdown`): `Vm::tier_up` runs when
    /// one reaches 0. 0 means never: the first decrement wraps (after 2^32 more,
    /// `tier_up` is a cheap no-op).
    pub(crate) fn trigger(self) -> u32 {
        match self.mode {
            TierMode::Off => 0,
            TierMode::On => self.threshold.max(1),
            TierMode::Always => 1,
        }
    }
}

/// Why a method stays interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bailout {
    /// `on:do:`/`ensure:`/`ifCurtailed:`: the unwinder reads their pc.
    Marked,
    /// Bytecode longer than the tier's size limit.
    TooBig,
    /// A construct the translator does not handle yet (named).
    Unsupported(&'static str),
    /// The code generator refused the function (or panicked).
    Codegen,
}

impl fmt::Display for Bailout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bailout::Marked => write!(f, "marked"),
            Bailout::TooBig => write!(f, "too-big"),
            Bailout::Unsupported(what) => write!(f, "unsupported-{what}"),
            Bailout::Codegen => write!(f, "codegen"),
        }
    }
}

/// Where a method stands with the tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TierState {
    /// Not compiled yet.
    Cold,
    /// `entry` is set.
    Compiled,
    /// The tier declined; it stays interpreted.
    Failed,
}

/// Counters a tier reports for `--jit-stats`.
#[derive(Clone, Debug, Default)]
pub struct TierStats {
    /// Methods compiled.
    pub methods: u64,
    /// Blocks compiled.
    pub blocks: u64,
    /// Declined compilations by reason.
    pub bailouts: Vec<(String, u64)>,
    /// Total compile time.
    pub compile_time: Duration,
    /// Longest single compilation.
    pub max_compile: Duration,
    /// Bytes of machine code.
    pub code_bytes: u64,
    /// Send sites compiled as inline guarded cases (trivial targets, §6.2).
    pub inlined_sends: u64,
}

/// A native-code tier. `vm` never names an implementation; the `cairn` command installs
/// one with [`Vm::install_tier`].
pub trait Tier {
    /// Compiles `method` (a bytecode method or block). `Err` = it stays interpreted.
    fn compile(&mut self, vm: &mut Vm, method: MethodRef) -> Result<NativeEntry, Bailout>;
    /// The tier's counters.
    fn stats(&self) -> TierStats;
}

/// The tier that compiles nothing: every method stays interpreted (stage 1's test tier,
/// and what runs where Cranelift has no backend).
#[derive(Default)]
pub struct NullTier {
    declined: u64,
}

impl Tier for NullTier {
    fn compile(&mut self, _vm: &mut Vm, _method: MethodRef) -> Result<NativeEntry, Bailout> {
        self.declined += 1;
        Err(Bailout::Unsupported("null-tier"))
    }

    fn stats(&self) -> TierStats {
        TierStats {
            bailouts: vec![("unsupported-null-tier".into(), self.declined)],
            ..TierStats::default()
        }
    }
}

/// The VM's tier slot, policy and counters.
pub(crate) struct TierSlot {
    pub(crate) tier: Option<Box<dyn Tier>>,
    pub(crate) policy: TierPolicy,
    /// A `VmError` a runtime call could not return through `extern "C"`.
    pub(crate) error: Option<VmError>,
    /// Native entries made by the dispatch loop (the stats' `entries`).
    pub(crate) entries: u64,
    /// Compilations that panicked (counted as `panic` bailouts).
    pub(crate) panics: u64,
    /// Loops entered natively at their back-edge right after compilation (OSR).
    pub(crate) osr: u64,
    /// With status `ENTER`: the pushed frame's native entry (as an address) and `fp`.
    pub(crate) enter_entry: usize,
    pub(crate) enter_fp: usize,
    /// Native calls made by compiled code (`ENTER` answered, and inline pushes).
    pub(crate) direct_calls: u64,
    /// Sends compiled code made through the runtime (`rt_send`): the sites' generic
    /// path, and the guard misses of inline cases.
    pub(crate) slow_sends: u64,
    /// Lowest native stack address compiled code may call deeper from (§4.3's budget).
    pub(crate) native_limit: usize,
    /// `State::methods`' buffer and length, kept in step by [`TierSlot::note_methods`]
    /// (a `Vec`'s fields have no offsets): direct block calls find a closure's method
    /// through them.
    pub(crate) methods_base: usize,
    /// See `methods_base`.
    pub(crate) methods_len: usize,
    /// The buffer of `State::char_strings` (256 Oops, which the collector updates in
    /// place), set by [`Vm::install_tier`]: the table is filled at boot or by an image
    /// load, both before a tier is installed, and never replaced after.
    pub(crate) char_strings: usize,
    /// Blocks activated by compiled code without the `value` primitive.
    pub(crate) block_calls: u64,
    /// Methods compiled again because their caches filled (`recompile.rs`).
    pub(crate) recompiles: u64,
}

impl TierSlot {
    /// Records where the method table is now (after every install).
    pub(crate) fn note_methods(&mut self, methods: &[Box<MethodInfo>]) {
        self.methods_base = methods.as_ptr() as usize;
        self.methods_len = methods.len();
    }
}

/// Native stack compiled code may use for nested native calls below `enter_native`.
const NATIVE_BUDGET: usize = 256 * 1024;

/// An address in the current native stack frame.
#[inline(always)]
pub(crate) fn stack_address() -> usize {
    let probe = 0u8;
    std::hint::black_box(&probe) as *const u8 as usize
}

impl Default for TierSlot {
    fn default() -> Self {
        TierSlot {
            tier: None,
            policy: TierPolicy::default(),
            error: None,
            entries: 0,
            panics: 0,
            osr: 0,
            enter_entry: 0,
            enter_fp: 0,
            direct_calls: 0,
            slow_sends: 0,
            native_limit: usize::MAX,
            methods_base: 0,
            methods_len: 0,
            char_strings: 0,
            block_calls: 0,
            recompiles: 0,
        }
    }
}

impl Vm {
    /// Installs a native tier with its policy. Mode `Off` keeps every method interpreted.
    pub fn install_tier(&mut self, tier: Box<dyn Tier>, policy: TierPolicy) {
        self.tier.tier = Some(tier);
        self.tier.policy = policy;
        self.tier_trigger = policy.trigger();
        debug_assert_eq!(self.s.char_strings.len(), 256);
        self.tier.char_strings = self.s.char_strings.as_ptr() as usize;
        // Counters start now (the boot ran methods already); code of a tier this one
        // replaces dies with it: forget its entries.
        for m in &mut self.s.methods {
            m.hot_countdown = self.tier_trigger;
            m.loop_countdown = self.tier_trigger;
            m.entry = None;
            m.tier_state = TierState::Cold;
            m.tier_watch = TierWatch::default();
        }
    }

    /// The `--jit-stats` line: `cairn-jit-stats: compiled=.. blocks=.. ...`.
    pub fn tier_stats_line(&self) -> String {
        let st = self
            .tier
            .tier
            .as_ref()
            .map(|t| t.stats())
            .unwrap_or_default();
        let mut bailouts: Vec<String> = st
            .bailouts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(r, n)| format!("{r}:{n}"))
            .collect();
        if self.tier.panics > 0 {
            bailouts.push(format!("panic:{}", self.tier.panics));
        }
        format!(
            "cairn-jit-stats: mode={:?} compiled={} blocks={} bailouts={} compile-us={} max-compile-us={} code-bytes={} inlined-sends={} entries={} direct-calls={} block-calls={} slow-sends={} osr={} recompiled={} {}",
            self.tier.policy.mode,
            st.methods,
            st.blocks,
            if bailouts.is_empty() { "none".into() } else { bailouts.join(",") },
            st.compile_time.as_micros(),
            st.max_compile.as_micros(),
            st.code_bytes,
            st.inlined_sends,
            self.tier.entries,
            self.tier.direct_calls,
            self.tier.block_calls,
            self.tier.slow_sends,
            self.tier.osr,
            self.tier.recompiles,
            self.cache_states(),
        )
    }

    /// The inline caches' states over every installed method's send sites:
    /// `ic-empty= ic-mono= ic-poly= ic-mega=` (sites never reached, one receiver
    /// class, 2 to `POLY_ENTRIES`, more).
    fn cache_states(&self) -> String {
        let mut counts = [0u64; 4];
        for site in self.s.methods.iter().flat_map(|m| m.sites.iter()) {
            let state = match site.len as usize {
                0 => 0,
                1 => 1,
                n if n <= crate::methods::POLY_ENTRIES => 2,
                _ => 3,
            };
            counts[state] += 1;
        }
        format!(
            "ic-empty={} ic-mono={} ic-poly={} ic-mega={}",
            counts[0], counts[1], counts[2], counts[3]
        )
    }

    /// A counter of `method` reached the trigger: compile it unless it was tried.
    /// Cold: the hot paths only compare a counter with `tier_trigger`.
    #[cold]
    #[inline(never)]
    pub(crate) fn tier_up(&mut self, method: *mut MethodInfo) {
        // SAFETY: method pointers name boxed MethodInfos that are never freed.
        let m = unsafe { &mut *method };
        if m.tier_state != crate::tier::TierState::Cold
            || !matches!(m.kind, crate::methods::MethodKind::Bytecode)
        {
            return;
        }
        let Some(mut tier) = self.tier.tier.take() else {
            return;
        };
        let handle = MethodRef::new(method);
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tier.compile(self, handle)));
        self.tier.tier = Some(tier);
        // SAFETY: as above; `compile` held no reference into the MethodInfo past its return.
        let m = unsafe { &mut *method };
        match result {
            Ok(Ok(entry)) => {
                m.entry = Some(entry);
                m.tier_state = TierState::Compiled;
                m.tier_watch = TierWatch::compiled(m);
            }
            Ok(Err(_)) => m.tier_state = TierState::Failed,
            Err(_) => {
                self.tier.panics += 1;
                m.tier_state = TierState::Failed;
            }
        }
    }

    /// A back-edge counter reached the trigger: compile, and answer whether the running
    /// frame can continue natively (on-stack replacement at the loop head).
    #[cold]
    #[inline(never)]
    pub(crate) fn tier_up_loop(&mut self, method: *mut MethodInfo) -> bool {
        self.tier_up(method);
        // SAFETY: as in `tier_up`.
        let native = unsafe { (*method).entry.is_some() };
        self.tier.osr += native as u64;
        native
    }

    /// Runs native code for the top frame (`fp`, from bytecode pc `pc`); answers its
    /// status. The caller holds no reference into the frame's `MethodInfo` it relies on
    /// afterwards: runtime calls update send sites and push and pop frames.
    #[inline(never)]
    pub(crate) fn enter_native(&mut self, entry: NativeEntry, fp: usize, pc: usize) -> u32 {
        debug_assert_eq!(self.s.stack_base, self.s.stack.as_mut_ptr());
        debug_assert_eq!(self.s.stack_slots, self.s.stack.len());
        self.tier.entries += 1;
        let outer_limit = self.tier.native_limit;
        self.tier.native_limit = stack_address().saturating_sub(NATIVE_BUDGET);
        let vm: *mut Vm = self;
        // SAFETY: `entry` was made by the installed tier for this frame's method, which
        // keeps its code alive as long as the tier lives (the VM owns it). Compiled code
        // touches the VM only through `vm`, the offsets of `TierLayout` and the runtime
        // calls, within the frame's slots and operand stack that the verifier sized.
        let status = unsafe { entry(vm, fp, pc as u32) };
        self.tier.native_limit = outer_limit;
        status
    }

    /// The error a runtime call left with status `ERROR`.
    pub(crate) fn take_tier_error(&mut self) -> VmError {
        self.tier
            .error
            .take()
            .unwrap_or_else(|| VmError::Fatal("native code answered ERROR without an error".into()))
    }
}
