//! `Oop`: one tagged 64-bit word, either a heap pointer or an immediate value.
//!
//! The tagging scheme is Spur's, and it lives in the low three bits:
//!
//! | low bits | meaning | payload |
//! |---|---|---|
//! | `000` | heap pointer | the address of the object's header word (8-aligned) |
//! | `001` | SmallInteger | a signed 61-bit integer in the upper 61 bits |
//! | `010` | Character | a Unicode code point in the upper bits |
//! | `100` | immediate float | a double whose exponent fits in 8 bits (see below) |
//!
//! The other tag values (`011`, `101`, `110`, `111`) are invalid; the verifier reports them.
//!
//! Immediate floats: the double's bits are rotated left by one so that the sign lands in
//! bit 0, the 11-bit exponent is rebased by [`FLOAT_EXPONENT_OFFSET`] so that exponents
//! 897..=1151 fit in 8 bits, and the 61 remaining bits are shifted over the tag. ±0.0 are
//! encoded with a zero exponent field. Every other double (very small or very large
//! magnitudes, infinities, NaNs) is not immediate: [`Oop::try_from_f64`] returns `None` and
//! the VM boxes it in a 64-bit-word object.

use std::fmt;

/// Number of tag bits at the bottom of every Oop.
pub const TAG_BITS: u32 = 3;
/// Mask of the tag bits.
pub const TAG_MASK: u64 = 0b111;
/// Tag of a heap pointer.
pub const TAG_POINTER: u64 = 0b000;
/// Tag of a SmallInteger.
pub const TAG_SMALL_INT: u64 = 0b001;
/// Tag of a Character.
pub const TAG_CHAR: u64 = 0b010;
/// Tag of an immediate float.
pub const TAG_FLOAT: u64 = 0b100;

/// Smallest SmallInteger value (-2^60).
pub const SMALL_INT_MIN: i64 = -(1 << 60);
/// Largest SmallInteger value (2^60 - 1).
pub const SMALL_INT_MAX: i64 = (1 << 60) - 1;
/// Largest code point a Character immediate holds (Unicode's range).
pub const CHAR_MAX: u32 = 0x10_FFFF;
/// Amount subtracted from a double's biased exponent to fit it into 8 bits.
pub const FLOAT_EXPONENT_OFFSET: u64 = 896;

/// One tagged word: a heap pointer or an immediate (SmallInteger, Character, float).
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Oop(u64);

impl Oop {
    /// The raw bits.
    #[inline(always)]
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// An Oop from raw bits. Nothing is checked: the result may be an invalid tag or a
    /// pointer to nowhere; only use it with bits read from a heap or made by this module.
    #[inline(always)]
    pub const fn from_bits(bits: u64) -> Oop {
        Oop(bits)
    }

    /// A heap pointer to the header word at `addr` (8-aligned).
    #[inline(always)]
    pub fn from_addr(addr: usize) -> Oop {
        debug_assert!(
            addr & TAG_MASK as usize == 0,
            "unaligned object address {addr:#x}"
        );
        Oop(addr as u64)
    }

    /// The address of the header word of a heap pointer.
    #[inline(always)]
    pub fn addr(self) -> usize {
        debug_assert!(self.is_ptr(), "addr() of an immediate {self:?}");
        self.0 as usize
    }

    /// The tag (low three bits).
    #[inline(always)]
    pub const fn tag(self) -> u64 {
        self.0 & TAG_MASK
    }

    /// True for a heap pointer (tag `000`).
    #[inline(always)]
    pub const fn is_ptr(self) -> bool {
        self.0 & TAG_MASK == TAG_POINTER
    }

    /// Same as [`Oop::is_ptr`].
    #[inline(always)]
    pub const fn is_heap(self) -> bool {
        self.is_ptr()
    }

    /// True for every non-pointer (SmallInteger, Character, immediate float, invalid tags).
    #[inline(always)]
    pub const fn is_immediate(self) -> bool {
        !self.is_ptr()
    }

    /// A SmallInteger, or `None` if `v` is outside the 61-bit range.
    #[inline(always)]
    pub const fn from_i64(v: i64) -> Option<Oop> {
        if v < SMALL_INT_MIN || v > SMALL_INT_MAX {
            None
        } else {
            Some(Oop(((v as u64) << TAG_BITS) | TAG_SMALL_INT))
        }
    }

    /// A SmallInteger; `v` must be in range (checked in debug builds; wraps otherwise).
    #[inline(always)]
    pub fn small_int(v: i64) -> Oop {
        debug_assert!(
            (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&v),
            "{v} is not a SmallInteger"
        );
        Oop(((v as u64) << TAG_BITS) | TAG_SMALL_INT)
    }

    /// True for a SmallInteger.
    #[inline(always)]
    pub const fn is_small_int(self) -> bool {
        self.0 & TAG_MASK == TAG_SMALL_INT
    }

    /// The value of a SmallInteger (checked in debug builds).
    #[inline(always)]
    pub fn as_small_int(self) -> i64 {
        debug_assert!(self.is_small_int(), "{self:?} is not a SmallInteger");
        (self.0 as i64) >> TAG_BITS
    }

    /// `self + other` for two SmallIntegers; `None` on overflow of the 61-bit range
    /// (the VM then computes a LargeInteger).
    #[inline(always)]
    pub fn checked_add(self, other: Oop) -> Option<Oop> {
        // Both values fit in 61 bits, so the i64 sum cannot overflow; only the range check
        // remains.
        Oop::from_i64(self.as_small_int() + other.as_small_int())
    }

    /// `self - other` for two SmallIntegers; `None` on overflow of the 61-bit range.
    #[inline(always)]
    pub fn checked_sub(self, other: Oop) -> Option<Oop> {
        Oop::from_i64(self.as_small_int() - other.as_small_int())
    }

    /// `self * other` for two SmallIntegers; `None` on overflow of the 61-bit range.
    #[inline(always)]
    pub fn checked_mul(self, other: Oop) -> Option<Oop> {
        self.as_small_int()
            .checked_mul(other.as_small_int())
            .and_then(Oop::from_i64)
    }

    /// A Character immediate for a code point (checked in debug builds).
    #[inline(always)]
    pub fn from_char(code: u32) -> Oop {
        debug_assert!(code <= CHAR_MAX, "{code:#x} is not a code point");
        Oop(((code as u64) << TAG_BITS) | TAG_CHAR)
    }

    /// True for a Character.
    #[inline(always)]
    pub const fn is_char(self) -> bool {
        self.0 & TAG_MASK == TAG_CHAR
    }

    /// The code point of a Character (checked in debug builds).
    #[inline(always)]
    pub fn as_char(self) -> u32 {
        debug_assert!(self.is_char(), "{self:?} is not a Character");
        (self.0 >> TAG_BITS) as u32
    }

    /// An immediate float, or `None` when the double's exponent does not fit (the VM boxes
    /// those). ±0.0 are immediate.
    #[inline]
    pub fn try_from_f64(f: f64) -> Option<Oop> {
        // Sign moves to bit 0, exponent to bits 53..64, mantissa to bits 1..53.
        let rot = f.to_bits().rotate_left(1);
        if rot <= 1 {
            // ±0.0: exponent field zero.
            return Some(Oop((rot << TAG_BITS) | TAG_FLOAT));
        }
        let exp = rot >> 53;
        if exp <= FLOAT_EXPONENT_OFFSET || exp > FLOAT_EXPONENT_OFFSET + 255 {
            return None;
        }
        let rebased = rot - (FLOAT_EXPONENT_OFFSET << 53);
        Some(Oop((rebased << TAG_BITS) | TAG_FLOAT))
    }

    /// True for an immediate float.
    #[inline(always)]
    pub const fn is_immediate_float(self) -> bool {
        self.0 & TAG_MASK == TAG_FLOAT
    }

    /// The value of an immediate float (checked in debug builds).
    #[inline]
    pub fn as_f64(self) -> f64 {
        debug_assert!(
            self.is_immediate_float(),
            "{self:?} is not an immediate float"
        );
        let v = self.0 >> TAG_BITS;
        let rot = if v <= 1 {
            v
        } else {
            v + (FLOAT_EXPONENT_OFFSET << 53)
        };
        f64::from_bits(rot.rotate_right(1))
    }

    /// True when the tag is one of the four valid ones.
    #[inline]
    pub const fn has_valid_tag(self) -> bool {
        matches!(
            self.0 & TAG_MASK,
            TAG_POINTER | TAG_SMALL_INT | TAG_CHAR | TAG_FLOAT
        )
    }
}

impl fmt::Debug for Oop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tag() {
            TAG_POINTER => write!(f, "Oop(@{:#x})", self.0),
            TAG_SMALL_INT => write!(f, "Oop({}i)", self.as_small_int()),
            TAG_CHAR => write!(f, "Oop(char {:#x})", self.as_char()),
            TAG_FLOAT => write!(f, "Oop({}f)", self.as_f64()),
            _ => write!(f, "Oop(invalid {:#x})", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_int_range_edges() {
        assert_eq!(
            Oop::from_i64(SMALL_INT_MAX).map(Oop::as_small_int),
            Some(SMALL_INT_MAX)
        );
        assert_eq!(
            Oop::from_i64(SMALL_INT_MIN).map(Oop::as_small_int),
            Some(SMALL_INT_MIN)
        );
        assert_eq!(Oop::from_i64(SMALL_INT_MAX + 1), None);
        assert_eq!(Oop::from_i64(SMALL_INT_MIN - 1), None);
        let max = Oop::small_int(SMALL_INT_MAX);
        assert_eq!(max.checked_add(Oop::small_int(1)), None);
        assert_eq!(
            Oop::small_int(SMALL_INT_MIN).checked_sub(Oop::small_int(1)),
            None
        );
        assert_eq!(max.checked_mul(Oop::small_int(2)), None);
        assert_eq!(
            max.checked_mul(Oop::small_int(-1)).map(Oop::as_small_int),
            Some(-SMALL_INT_MAX)
        );
    }

    #[test]
    fn float_zero_and_non_immediates() {
        for z in [0.0f64, -0.0] {
            let o = Oop::try_from_f64(z).expect("zero is immediate");
            assert_eq!(o.as_f64().to_bits(), z.to_bits());
        }
        for f in [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e300,
            1e-300,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(Oop::try_from_f64(f), None, "{f} should be boxed");
        }
        let one = Oop::try_from_f64(1.0).expect("1.0 is immediate");
        assert!(one.is_immediate_float() && !one.is_ptr());
        assert_eq!(one.as_f64(), 1.0);
    }

    proptest! {
        #[test]
        fn small_int_round_trip(v in SMALL_INT_MIN..=SMALL_INT_MAX) {
            let o = Oop::from_i64(v).unwrap();
            prop_assert!(o.is_small_int() && o.is_immediate() && !o.is_char());
            prop_assert_eq!(o.as_small_int(), v);
        }

        #[test]
        fn arithmetic_matches_i128(a in SMALL_INT_MIN..=SMALL_INT_MAX, b in SMALL_INT_MIN..=SMALL_INT_MAX) {
            let (x, y) = (Oop::small_int(a), Oop::small_int(b));
            let fits = |r: i128| r >= SMALL_INT_MIN as i128 && r <= SMALL_INT_MAX as i128;
            for (got, want) in [
                (x.checked_add(y), a as i128 + b as i128),
                (x.checked_sub(y), a as i128 - b as i128),
                (x.checked_mul(y), a as i128 * b as i128),
            ] {
                match got {
                    Some(o) => prop_assert_eq!(o.as_small_int() as i128, want),
                    None => prop_assert!(!fits(want)),
                }
            }
        }

        #[test]
        fn char_round_trip(c in 0u32..=CHAR_MAX) {
            let o = Oop::from_char(c);
            prop_assert!(o.is_char() && !o.is_small_int());
            prop_assert_eq!(o.as_char(), c);
        }

        #[test]
        fn float_round_trip(bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            let exp = (bits >> 52) & 0x7ff;
            match Oop::try_from_f64(f) {
                Some(o) => {
                    prop_assert!(o.is_immediate_float());
                    prop_assert_eq!(o.as_f64().to_bits(), bits);
                }
                None => prop_assert!(!(897..=1151).contains(&exp) && bits << 1 != 0),
            }
        }
    }
}
