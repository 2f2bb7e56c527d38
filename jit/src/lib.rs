//! Cairn's Cranelift tier: hot methods and blocks compiled to native code that keeps the
//! interpreter's frame layout (`docs/design/jit.md` is the design; read it first).
//!
//! Parts:
//! - [`host`]: the Cranelift ISA for the machine we run on (target-lexicon's host triple);
//! - [`plan`]: stack depths, labels and resume points of one method;
//! - [`translate`]: the baseline translator, one Cranelift function per method or block
//!   (stage 2 of the design: every send through the runtime);
//! - [`CraneliftTier`]: the `cairn_vm::tier::Tier` the `cairn` command installs, owning
//!   the code memory (one `JITModule`) and the statistics;
//! - [`spike`]: the toolchain spike that preceded them (a tagged `+` with its runtime
//!   call), kept as the smallest example of the calling shape.

#![deny(missing_docs, unreachable_pub)]

pub mod host;
pub mod plan;
pub mod spike;
mod tier;
pub mod translate;

pub use host::{host_isa, JitError};
pub use plan::MAX_CODE_BYTES;
pub use tier::CraneliftTier;
