//! Cairn's language: front end, bytecode compiler, interpreter, primitives, kernel library.

pub mod syntax;
