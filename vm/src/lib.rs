//! Cairn's language: front end, bytecode compiler, interpreter, primitives, kernel library.
//!
//! Start with [`Vm`] (boot, run a program, evaluate an expression). The pipeline is
//! [`syntax`] (parse) → [`compiler`] (heap-free bytecode, [`bytecode`]) → `loader`
//! (classes and methods into the heap and [`state`]) → `interp` (the dispatch loop,
//! sends, unwinding) → `prims` (primitives by class). [`image`] saves and loads a whole VM.

pub mod bytecode;
mod checks;
mod classes;
pub mod compiler;
pub mod image;
mod interp;
mod interrupt;
mod io;
mod loader;
mod methods;
pub mod numbers;
mod objects;
mod prims;
mod sched;
pub mod state;
pub mod symbols;
pub mod syntax;
pub mod tier;
pub mod verifier;
mod vm;

pub use checks::Residue;
pub use interrupt::InterruptHandle;
pub use prims::implemented as implemented_primitives;
pub use vm::{Vm, VmError, VmResult, DEADLOCK_STATUS, DEFAULT_MAX_HEAP, MIN_MAX_HEAP};
