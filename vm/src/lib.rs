//! Cairn's language: front end, bytecode compiler, interpreter, primitives, kernel library.

pub mod bytecode;
pub mod compiler;
pub mod syntax;
