//! The bytecode compiler: AST ([`crate::syntax::ast`]) to heap-free [`CompiledCode`].
//!
//! [`compile_method`] and [`compile_doit`] produce a [`CompiledCode`] per method (and,
//! nested in it, one per non-inlined block). Nothing here touches the heap: literals stay
//! the parser's [`Literal`](crate::syntax::ast::Literal)s and sends name their selector
//! as a string; the class loader turns them into heap objects and interned ids. Read [`codegen`] for the
//! driver and the closure-capture rules, [`inline`] for the inlining rules, [`output`] for
//! what the compiler produces, [`limits`] for the limits of the bytecode format (compile
//! errors, never a miscompile).

mod codegen;
mod emit;
mod expressions;
mod inline;
pub mod limits;
mod output;
mod scopes;

pub use codegen::{compile_doit, compile_method, CompileError};
pub use output::{CompiledCode, SiteDef};
