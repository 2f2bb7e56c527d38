//! The front end: SOM class-file syntax to an [`ast`].
//!
//! Start with [`parse_class`] (a whole `Name = Super ( ... )` file),
//! [`parse_expression`] (statements with optional temporaries, for `cairn eval`) and
//! [`parse_method`] (one method definition). Errors are a single [`ParseError`] that
//! displays as `file:line:column: error: message`.

pub mod ast;
mod error;

pub use error::ParseError;
