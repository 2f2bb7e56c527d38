//! Bitwise operations and shifts on integers, with two's-complement semantics for
//! negative numbers at any size. Doubles answer [`NumError::NotInteger`].
//!
//! Shifts take any integer count: a negative count shifts the other way, a left
//! shift grows into LargeInteger (up to [`MAX_BITS`](super::MAX_BITS)), a right
//! shift rounds toward −∞ (`-1 >> 5` is `-1`).

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use super::{check_bits, Num, NumError, NumResult};

fn int_pair(a: &Num, b: &Num) -> Result<(BigInt, BigInt), NumError> {
    Ok((a.to_bigint()?, b.to_bigint()?))
}

/// `bitAnd:` (SOM `&`).
pub fn bit_and(a: &Num, b: &Num) -> NumResult {
    if let (Num::Small(x), Num::Small(y)) = (a, b) {
        return Ok(Num::int(x & y));
    }
    let (x, y) = int_pair(a, b)?;
    Ok(Num::big(x & y))
}

/// `bitOr:`.
pub fn bit_or(a: &Num, b: &Num) -> NumResult {
    if let (Num::Small(x), Num::Small(y)) = (a, b) {
        return Ok(Num::int(x | y));
    }
    let (x, y) = int_pair(a, b)?;
    Ok(Num::big(x | y))
}

/// `bitXor:`.
pub fn bit_xor(a: &Num, b: &Num) -> NumResult {
    if let (Num::Small(x), Num::Small(y)) = (a, b) {
        return Ok(Num::int(x ^ y));
    }
    let (x, y) = int_pair(a, b)?;
    Ok(Num::big(x ^ y))
}

/// A shift count: its sign and magnitude, saturated far beyond any legal shift.
fn count(n: &Num) -> Result<(bool, u64), NumError> {
    match n {
        Num::Float(_) => Err(NumError::NotInteger),
        Num::Small(i) => Ok((*i < 0, i.unsigned_abs())),
        Num::Large(b) => Ok((b.is_negative(), b.magnitude().to_u64().unwrap_or(u64::MAX))),
    }
}

/// `a << n`.
pub fn shift_left(a: &Num, n: &Num) -> NumResult {
    shift(a, n, true)
}

/// `a >> n` (arithmetic: rounds toward −∞).
pub fn shift_right(a: &Num, n: &Num) -> NumResult {
    shift(a, n, false)
}

fn shift(a: &Num, n: &Num, left: bool) -> NumResult {
    let (negative, k) = count(n)?;
    if negative != left {
        shift_left_by(a, k)
    } else {
        shift_right_by(a, k)
    }
}

fn shift_left_by(a: &Num, k: u64) -> NumResult {
    let x = a.to_bigint()?;
    if x.is_zero() {
        return Ok(Num::Small(0));
    }
    if let (Num::Small(i), true) = (a, k <= 64) {
        // A 61-bit value shifted by at most 64 fits in 125 bits.
        return Ok(Num::int128(i128::from(*i) << k));
    }
    check_bits(x.bits().saturating_add(k))?;
    let k = usize::try_from(k).map_err(|_| NumError::TooLarge)?;
    Ok(Num::big(x << k))
}

fn shift_right_by(a: &Num, k: u64) -> NumResult {
    match a {
        Num::Float(_) => Err(NumError::NotInteger),
        Num::Small(i) => Ok(Num::int(i >> k.min(63))),
        Num::Large(x) => {
            if k >= x.bits() {
                return Ok(Num::Small(if x.is_negative() { -1 } else { 0 }));
            }
            // k < bits, and bits of a held integer fit in usize.
            let k = usize::try_from(k).map_err(|_| NumError::TooLarge)?;
            Ok(Num::big(x >> k))
        }
    }
}

/// SOM `>>>`: a logical right shift of the 64-bit two's-complement form for
/// integers that fit in 64 bits (`-1 >>> 1` is 2^63 − 1); non-negative LargeIntegers
/// shift like `>>`; a negative integer below −2^63 answers
/// [`NumError::BadArgument`]. A negative count is a left shift.
pub fn unsigned_shift_right(a: &Num, n: &Num) -> NumResult {
    let (negative, k) = count(n)?;
    if negative {
        return shift_left_by(a, k);
    }
    match (a, a.to_i64()) {
        (_, Some(_)) if k >= 64 => Ok(Num::Small(0)),
        (_, Some(i)) => Ok(Num::int128(i128::from((i as u64) >> k))),
        (Num::Large(x), None) if x.is_negative() => Err(NumError::BadArgument),
        _ => shift_right_by(a, k),
    }
}

/// `as32BitSignedValue`: the low 32 bits as a signed 32-bit integer.
pub fn as_32bit_signed(a: &Num) -> NumResult {
    let low = low_32_bits(a)?;
    Ok(Num::int(i64::from(low as i32)))
}

/// `as32BitUnsignedValue`: the low 32 bits as an unsigned 32-bit integer.
pub fn as_32bit_unsigned(a: &Num) -> NumResult {
    Ok(Num::int(i64::from(low_32_bits(a)?)))
}

fn low_32_bits(a: &Num) -> Result<u32, NumError> {
    match a {
        Num::Small(i) => Ok(*i as u32),
        Num::Large(x) => {
            let masked = x & BigInt::from(u32::MAX);
            Ok(masked.to_u32().unwrap_or(0))
        }
        Num::Float(_) => Err(NumError::NotInteger),
    }
}
