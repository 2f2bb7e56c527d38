//! Parse errors: one per malformed input, located by file, line and column.

use std::fmt;

use super::ast::Span;

/// The first syntax error found in a source text.
///
/// Displays as `file:line:column: error: message`, e.g.
/// `Foo.som:3:7: error: expected ')', found end of file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The file name given to the parser (as given, not canonicalised).
    pub file: String,
    /// Where the error was detected.
    pub span: Span,
    /// What went wrong, without location.
    pub message: String,
}

impl ParseError {
    /// 1-based line of the error.
    pub fn line(&self) -> u32 {
        self.span.line
    }

    /// 1-based column (in characters) of the error.
    pub fn column(&self) -> u32 {
        self.span.column
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.span.line, self.span.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}
