//! Smalltalk numbers as pure Rust values: SmallInteger, LargeInteger and Double.
//!
//! [`Num`] is what the engine's arithmetic primitives compute with; it knows nothing
//! about oops or the object heap. Results are always normalised: an integer in the
//! SmallInteger range ([`SMALL_MIN`]..=[`SMALL_MAX`], the 61-bit immediate range of
//! DESIGN.md) is [`Num::Small`], every other integer is [`Num::Large`]. Operations
//! that cannot answer (division by zero, a double that is not finite where an
//! integer is needed, a bit operation on a double, a result too large to hold)
//! return a [`NumError`] that the engine turns into an exception or a primitive
//! failure; none of them panics.
//!
//! Parts: [`arith`] (`+ - *`, the division family, `abs`, `negated`, `sqrt`),
//! [`bits`] (bitwise operations and shifts), [`compare`] (ordering across kinds),
//! [`convert`] (double ↔ integer, rounding), [`text`] (printing and parsing).
//! `docs/design/numbers.md` maps SOM selectors to these functions.

pub mod arith;
pub mod bits;
pub mod compare;
pub mod convert;
pub mod text;

#[cfg(test)]
mod tests;

use num_bigint::BigInt;
use num_traits::ToPrimitive;

/// The smallest SmallInteger: −2^60.
pub const SMALL_MIN: i64 = -(1 << 60);
/// The largest SmallInteger: 2^60 − 1.
pub const SMALL_MAX: i64 = (1 << 60) - 1;
/// The largest integer result, in bits, an operation may produce; beyond it the
/// operation answers [`NumError::TooLarge`] instead of exhausting memory.
pub const MAX_BITS: u64 = 1 << 24;

/// A Smalltalk number.
#[derive(Debug, Clone, PartialEq)]
pub enum Num {
    /// An integer in `SMALL_MIN..=SMALL_MAX`.
    Small(i64),
    /// An integer outside the SmallInteger range.
    Large(BigInt),
    /// A double-precision float.
    Float(f64),
}

/// Why a numeric operation has no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumError {
    /// The divisor is zero (the engine signals ZeroDivide).
    ZeroDivide,
    /// The operation needs integers and got a double (primitive failure).
    NotInteger,
    /// A NaN or infinite double has no integer value.
    NotFinite,
    /// The result would exceed [`MAX_BITS`] bits.
    TooLarge,
    /// An argument is outside the operation's domain (e.g. a radix of 1).
    BadArgument,
}

impl std::fmt::Display for NumError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NumError::ZeroDivide => "division by zero",
            NumError::NotInteger => "an integer is required",
            NumError::NotFinite => "NaN or infinity has no integer value",
            NumError::TooLarge => "result too large",
            NumError::BadArgument => "argument out of range",
        })
    }
}

impl std::error::Error for NumError {}

/// The result of an operation that may fail.
pub type NumResult = Result<Num, NumError>;

/// True when `i` is in the SmallInteger range.
pub fn fits_small(i: i64) -> bool {
    (SMALL_MIN..=SMALL_MAX).contains(&i)
}

impl Num {
    /// The integer `i`, Small when it fits.
    pub fn int(i: i64) -> Num {
        if fits_small(i) {
            Num::Small(i)
        } else {
            Num::Large(BigInt::from(i))
        }
    }

    /// The integer `i`, Small when it fits.
    pub fn int128(i: i128) -> Num {
        match i64::try_from(i) {
            Ok(small) => Num::int(small),
            Err(_) => Num::Large(BigInt::from(i)),
        }
    }

    /// The integer `n`, Small when it fits (the normalising constructor).
    pub fn big(n: BigInt) -> Num {
        match n.to_i64() {
            Some(i) if fits_small(i) => Num::Small(i),
            _ => Num::Large(n),
        }
    }

    /// True for Small and Large.
    pub fn is_integer(&self) -> bool {
        !matches!(self, Num::Float(_))
    }

    /// True when the representation is the normal one (Small iff in range).
    pub fn is_normalised(&self) -> bool {
        match self {
            Num::Small(i) => fits_small(*i),
            Num::Large(n) => n.to_i64().is_none_or(|i| !fits_small(i)),
            Num::Float(_) => true,
        }
    }

    /// The integer value as a `BigInt`, or `NotInteger` for a double.
    pub fn to_bigint(&self) -> Result<BigInt, NumError> {
        match self {
            Num::Small(i) => Ok(BigInt::from(*i)),
            Num::Large(n) => Ok(n.clone()),
            Num::Float(_) => Err(NumError::NotInteger),
        }
    }

    /// The value as a double (Large values beyond the double range become ±infinity).
    pub fn to_f64(&self) -> f64 {
        match self {
            Num::Small(i) => *i as f64,
            Num::Large(n) => n
                .to_f64()
                .unwrap_or(if n.sign() == num_bigint::Sign::Minus {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }),
            Num::Float(d) => *d,
        }
    }

    /// The value as an `i64` when it is an integer that fits.
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Num::Small(i) => Some(*i),
            Num::Large(n) => n.to_i64(),
            Num::Float(_) => None,
        }
    }
}

impl From<i64> for Num {
    fn from(i: i64) -> Num {
        Num::int(i)
    }
}

impl From<BigInt> for Num {
    fn from(n: BigInt) -> Num {
        Num::big(n)
    }
}

impl From<f64> for Num {
    fn from(d: f64) -> Num {
        Num::Float(d)
    }
}

impl std::fmt::Display for Num {
    /// The SOM `printString`/`asString` text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Small(i) => write!(f, "{i}"),
            Num::Large(n) => write!(f, "{n}"),
            Num::Float(d) => f.write_str(&text::print_double(*d)),
        }
    }
}

/// Answers `TooLarge` when an integer of `bits` bits is over the limit.
pub(crate) fn check_bits(bits: u64) -> Result<(), NumError> {
    if bits > MAX_BITS {
        Err(NumError::TooLarge)
    } else {
        Ok(())
    }
}
