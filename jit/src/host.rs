//! The host ISA: Cranelift's code generator for the machine Cairn runs on.
//!
//! The triple comes from target-lexicon (`Triple::host()`, fixed when this crate was
//! built). Shared flags are the ones the tier relies on:
//! - `opt_level = speed`: the baseline tier's IR is small and straight, so Cranelift's
//!   mid-end (GVN, LICM, constant folding) is cheap and pays for itself;
//! - `preserve_frame_pointers`: `perf` and debuggers can walk through compiled frames
//!   (Cairn itself never walks the native stack: its frames are on the managed stack);
//! - `is_pic = false`, `use_colocated_libcalls = false`: what `cranelift-jit` requires so
//!   that every absolute address it patches in is reachable;
//! - `enable_verifier` only with debug assertions (the test profile).
//!
//! The triple alone gives the architecture's baseline feature set (SSE2 on x86-64), which
//! is enough for everything the tier emits today; stage 2 of `docs/design/jit.md` adds the
//! host's CPU features (`cranelift_native::infer_native_flags`, already a dependency of
//! cranelift-jit) so float rounding does not lower to libcalls.

use std::fmt;

use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use target_lexicon::Triple;

/// Why the tier could not set up or compile.
#[derive(Debug)]
pub enum JitError {
    /// Cranelift has no backend for this host, or a flag was refused.
    Isa(String),
    /// Cranelift or cranelift-module refused a function (boxed: the error is large and
    /// rare, the `Ok` path should stay small).
    Module(Box<cranelift_module::ModuleError>),
}

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JitError::Isa(m) => write!(f, "no native code generator for this host: {m}"),
            JitError::Module(e) => write!(f, "native compilation failed: {e}"),
        }
    }
}

impl std::error::Error for JitError {}

impl From<cranelift_module::ModuleError> for JitError {
    fn from(e: cranelift_module::ModuleError) -> Self {
        JitError::Module(Box::new(e))
    }
}

/// Builds the Cranelift target ISA for the host triple with the tier's shared flags.
pub fn host_isa() -> Result<OwnedTargetIsa, JitError> {
    let mut flags = settings::builder();
    for (name, value) in [
        ("opt_level", "speed"),
        ("preserve_frame_pointers", "true"),
        ("is_pic", "false"),
        ("use_colocated_libcalls", "false"),
        // The IR verifier runs in debug builds (tests); a release build trusts the
        // translator and saves the pass (it showed in compile-time profiles).
        (
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        ),
    ] {
        flags
            .set(name, value)
            .map_err(|e| JitError::Isa(format!("flag {name}={value}: {e}")))?;
    }
    let triple = Triple::host();
    let builder =
        isa::lookup(triple.clone()).map_err(|e| JitError::Isa(format!("{triple}: {e}")))?;
    builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| JitError::Isa(format!("{triple}: {e}")))
}
