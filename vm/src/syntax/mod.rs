//! The front end: SOM class-file syntax to an [`ast`].
//!
//! Start with [`parse_class`] (a whole `Name = Super ( ... )` file),
//! [`parse_expression`] (statements with optional temporaries, for `cairn eval`) and
//! [`parse_method`] (one method definition). Errors are a single [`ParseError`] that
//! displays as `file:line:column: error: message`. [`lexer`] documents the token
//! rules, [`parser`] the grammar.

pub mod ast;
mod error;
pub mod lexer;
pub mod parser;
pub mod printer;

pub use error::ParseError;
pub use parser::{parse_class, parse_expression, parse_method, MAX_DEPTH};
#[cfg(test)]
mod tests;
