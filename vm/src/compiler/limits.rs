//! The limits of the bytecode format, checked while compiling so that a program past one
//! gets a compile error naming the offending construct (`file:line:column`, exit status 2
//! through `cairn run`) and never a wrapped operand, a verifier failure at load time or a
//! frame the interpreter cannot hold.
//!
//! Each limit comes from an operand width in [`crate::bytecode`] or from the frame layout;
//! docs/design/syntax.md ("Limits") lists them for users. Nesting is bounded earlier, by
//! the parser ([`crate::syntax::MAX_DEPTH`]), which also bounds the compiler's recursion.

use crate::syntax::ast::Ident;

use super::codegen::CompileError;

/// Arguments of one send, method or block (`SiteDef::argc` is a byte).
pub const MAX_ARGS: usize = 255;
/// Slots of a frame that bytecodes address (`PushLocal n` is a byte): the receiver, the
/// arguments, the values a block copies in, the temporaries (including those of inlined
/// blocks, hidden loop counters and the temp-vector slot).
pub const MAX_FRAME_SLOTS: usize = 256;
/// Variables of one scope that live in its temp vector (captured by a block and assigned;
/// `MakeTempVec size` and the element index are bytes).
pub const MAX_TEMP_VECTOR: usize = 255;
/// Distinct literals of one method or block. `PushLiteral lit` is a u16, but the method's
/// heap object (a CompiledCode-format object: index, selector and holder, then the
/// literals) holds at most [`cairn_gc::header::MAX_FIXED_SLOTS`] pointer slots.
pub const MAX_LITERALS: usize = cairn_gc::header::MAX_FIXED_SLOTS - 3;
/// Send sites of one method or block (every send, inlined comparisons included; u16).
pub const MAX_SEND_SITES: usize = 1 << 16;
/// Distinct global names read by one method or block (`PushGlobal site` is a u16).
pub const MAX_GLOBALS: usize = 1 << 16;
/// Blocks created directly by one method or block (`MakeClosure block` is a u16).
pub const MAX_BLOCKS: usize = 1 << 16;
/// Bytes a jump may cross, forward or back (offsets are u16): the body of an inlined
/// `ifTrue:`, loop or `and:` must fit.
pub const MAX_JUMP: usize = u16::MAX as usize;
/// Operand-stack depth of one frame: values pushed and not yet consumed (a send holds
/// its receiver and every argument). Far above real code; it bounds what a frame push
/// must reserve.
pub const MAX_STACK_DEPTH: usize = 1024;
/// Instance variables of a class, inherited ones included (`PushField n` is a byte).
/// Holds for the class side too (a metaclass's instances are the class objects).
pub const MAX_FIELDS: usize = 256;

/// Checks that a class whose superclass has `inherited` instance variables can add
/// `own`: the error names the first variable past [`MAX_FIELDS`].
pub fn check_fields(inherited: usize, own: &[Ident], file: &str) -> Result<(), CompileError> {
    if own.is_empty() || inherited + own.len() <= MAX_FIELDS {
        return Ok(());
    }
    let first_over = MAX_FIELDS.saturating_sub(inherited).min(own.len() - 1);
    let ident = &own[first_over];
    Err(CompileError {
        file: file.to_string(),
        span: ident.span,
        message: format!(
            "too many instance variables: '{}' would be number {} (at most {MAX_FIELDS}, inherited ones included)",
            ident.name,
            inherited + first_over + 1
        ),
    })
}
