//! The immediate-Double fast path of the arithmetic and comparison special sends
//! (`+ - * //` and `< > <= >= = ~=`): a receiver that is an immediate float and an
//! argument that is an immediate float or a SmallInteger are computed inline, as the
//! interpreter's `arith_fast`/`float_arith`/`compare_fast` compute them. A result whose
//! exponent does not fit an immediate float (it would be boxed), and every other operand,
//! goes to the runtime's special send, which allocates the box or sends.
//!
//! The encoding is `cairn_gc::Oop`'s: the double's bits rotated left by one (the sign in
//! bit 0), the exponent rebased by `FLOAT_EXPONENT_OFFSET`, shifted over the 3-bit tag
//! `100`; ±0.0 have a zero exponent field and are not rebased.

use cairn_vm::bytecode::Instr;
use cairn_vm::tier::{FLOAT_EXPONENT_OFFSET, TAG_FLOAT};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, Block, InstBuilder, MemFlagsData, Value};

use super::{Translator, I64, SMALL_INT_TAG};

const F64: types::Type = types::F64;
/// What the rebasing adds to (decoding) or subtracts from (encoding) the rotated bits.
const REBASE: i64 = (FLOAT_EXPONENT_OFFSET << 53) as i64;

/// Whether `instr` has an immediate-Double fast path.
pub(super) fn has_float_path(instr: Instr) -> bool {
    !matches!(instr, Instr::BitAnd { .. })
}

impl Translator<'_, '_> {
    /// The result of `instr` on `a` (an immediate float, else `slow`) and `b` (an
    /// immediate float or a SmallInteger, else `slow`): a tagged immediate float or a
    /// Boolean. Branches to `slow` when the result would need a box.
    pub(super) fn float_binary(&mut self, instr: Instr, a: Value, b: Value, slow: Block) -> Value {
        let atag = self.b.ins().band_imm_u(a, 7);
        let is_float = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, atag, TAG_FLOAT as i64);
        self.guard(is_float, slow);
        let x = self.decode_float(a);
        let y = self.float_operand(b, slow);
        let cc = match instr {
            Instr::Lt { .. } => Some(FloatCC::LessThan),
            Instr::Gt { .. } => Some(FloatCC::GreaterThan),
            Instr::Le { .. } => Some(FloatCC::LessThanOrEqual),
            Instr::Ge { .. } => Some(FloatCC::GreaterThanOrEqual),
            Instr::Eq { .. } => Some(FloatCC::Equal),
            Instr::Ne { .. } => Some(FloatCC::NotEqual),
            _ => None,
        };
        if let Some(cc) = cc {
            let c = self.b.ins().fcmp(cc, x, y);
            return self.boolean(c);
        }
        let r = match instr {
            Instr::Add { .. } => self.b.ins().fadd(x, y),
            Instr::Sub { .. } => self.b.ins().fsub(x, y),
            Instr::Mul { .. } => self.b.ins().fmul(x, y),
            // `//` on a Double divides (the interpreter's `float_arith`).
            _ => self.b.ins().fdiv(x, y),
        };
        self.encode_float(r, slow)
    }

    /// The double an immediate float holds.
    fn decode_float(&mut self, oop: Value) -> Value {
        let v = self.b.ins().ushr_imm_u(oop, 3);
        let zero = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, v, 1);
        let rebased = self.b.ins().iadd_imm_s(v, REBASE);
        let rot = self.b.ins().select(zero, v, rebased);
        let bits = self.b.ins().rotr_imm_u(rot, 1);
        self.b.ins().bitcast(F64, MemFlagsData::new(), bits)
    }

    /// The argument as a double: an immediate float's value or a SmallInteger converted.
    fn float_operand(&mut self, b: Value, slow: Block) -> Value {
        let have = self.b.create_block();
        self.b.append_block_param(have, F64);
        let (float, int) = (self.b.create_block(), self.b.create_block());
        let tag = self.b.ins().band_imm_u(b, 7);
        let is_float = self.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_FLOAT as i64);
        self.b.ins().brif(is_float, float, &[], int, &[]);
        self.b.switch_to_block(float);
        let y = self.decode_float(b);
        self.b.ins().jump(have, &[y.into()]);
        self.b.switch_to_block(int);
        let is_int = self.b.ins().icmp_imm_s(IntCC::Equal, tag, SMALL_INT_TAG);
        self.guard(is_int, slow);
        let n = self.b.ins().sshr_imm_u(b, 3);
        let y = self.b.ins().fcvt_from_sint(F64, n);
        self.b.ins().jump(have, &[y.into()]);
        self.b.switch_to_block(have);
        self.b.block_params(have)[0]
    }

    /// `r` as an immediate float, or a branch to `slow` when its exponent does not fit
    /// (`Oop::try_from_f64` answering `None`).
    fn encode_float(&mut self, r: Value, slow: Block) -> Value {
        let bits = self.b.ins().bitcast(I64, MemFlagsData::new(), r);
        let rot = self.b.ins().rotl_imm_u(bits, 1);
        let zero = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, rot, 1);
        // Immediate exactly when the exponent e has OFFSET < e <= OFFSET + 255.
        let exp = self.b.ins().ushr_imm_u(rot, 53);
        let above = self
            .b
            .ins()
            .iadd_imm_s(exp, -(FLOAT_EXPONENT_OFFSET as i64 + 1));
        let fits = self.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, above, 255);
        let ok = self.b.ins().bor(zero, fits);
        self.guard(ok, slow);
        let rebased = self.b.ins().iadd_imm_s(rot, -REBASE);
        let v = self.b.ins().select(zero, rot, rebased);
        let shifted = self.b.ins().ishl_imm_u(v, 3);
        self.b.ins().bor_imm_u(shifted, TAG_FLOAT as i64)
    }
}
