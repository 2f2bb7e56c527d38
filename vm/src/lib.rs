//! Cairn's language: front end, bytecode compiler, interpreter, primitives, kernel library.

pub mod numbers;
pub mod syntax;
