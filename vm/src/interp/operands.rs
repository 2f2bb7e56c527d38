//! Reading a verified method's bytecode in the dispatch loop: the opcode at `pc` and its
//! operand bytes, without bounds checks (docs/design/safety.md I7).
//!
//! Every index the loop reads lies inside the code: `verifier::verify` proved, before
//! the method was installed, that the code decodes into complete instructions (opcode
//! and all operand bytes inside it), that jumps land on instruction starts and that
//! nothing falls off the end, and a frame's `pc` is only ever an instruction start
//! (0, a jump target, the instruction after a send, which is where native code leaves it).
//! A bounds check per byte was two instructions on every dispatch.

use crate::bytecode::Opcode;

/// The byte at `at`, an opcode or operand of the instruction at hand.
#[inline(always)]
pub(super) fn byte_at(code: &[u8], at: usize) -> u8 {
    debug_assert!(at < code.len(), "pc {at} past code of {}", code.len());
    // SAFETY (I7): `at` lies inside an instruction of verified code (module doc).
    unsafe { *code.get_unchecked(at) }
}

/// The little-endian 16-bit operand at `at`.
#[inline(always)]
pub(super) fn u16_at(code: &[u8], at: usize) -> usize {
    u16::from_le_bytes([byte_at(code, at), byte_at(code, at + 1)]) as usize
}

/// The opcode of the instruction that starts at `pc`.
#[inline(always)]
pub(super) fn opcode_at(code: &[u8], pc: usize) -> Opcode {
    let op = byte_at(code, pc);
    debug_assert!(
        Opcode::from_byte(op).is_some_and(|o| pc + o.size() <= code.len()),
        "byte {op} at {pc} starts no instruction"
    );
    // SAFETY (I7): verified code has a valid opcode at every instruction start.
    unsafe { std::mem::transmute::<u8, Opcode>(op) }
}
