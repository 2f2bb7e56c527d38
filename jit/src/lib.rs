//! Cairn's Cranelift tier: hot methods and blocks compiled to native code that keeps the
//! interpreter's frame layout (`docs/design/jit.md` is the design; read it first).
//!
//! Today the crate holds the toolchain spike that the design's first stage builds on:
//! - [`host`]: the Cranelift ISA for the machine we run on (target-lexicon's host triple);
//! - [`spike`]: a tagged SmallInteger `+` with an overflow check, compiled with
//!   cranelift-frontend into a `JITModule`, that reads and writes a managed operand
//!   stack through field offsets and calls an `extern "C"` runtime function taking the
//!   VM pointer on its slow path: the calling shape of every compiled send.
//!
//! The tier proper (the `Tier` trait implementation, the bytecode translator, inline
//! caches, barrier and allocation stubs, the code cache) lands in the stages listed in
//! the design document.

#![deny(missing_docs, unreachable_pub)]

pub mod host;
pub mod plan;
pub mod spike;
mod tier;
pub mod translate;

pub use host::{host_isa, JitError};
pub use plan::MAX_CODE_BYTES;
pub use tier::CraneliftTier;
