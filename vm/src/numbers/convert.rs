//! Conversions between doubles and integers: `asDouble`, `asInteger` (truncation),
//! `round`, `floor`, `ceiling`. A NaN or infinite double has no integer value
//! ([`NumError::NotFinite`]).

use num_bigint::BigInt;
use num_traits::FromPrimitive;

use super::{Num, NumError, NumResult};

/// `asDouble`: the nearest double (LargeIntegers beyond the range become ±infinity).
pub fn as_double(a: &Num) -> f64 {
    a.to_f64()
}

/// The integer with the value of an integral double.
pub fn float_to_integer(d: f64) -> NumResult {
    if !d.is_finite() {
        return Err(NumError::NotFinite);
    }
    let t = d.trunc();
    if t.abs() < 9.0e18 {
        return Ok(Num::int(t as i64));
    }
    BigInt::from_f64(t).map(Num::big).ok_or(NumError::NotFinite)
}

/// `asInteger` of a number: doubles are truncated toward zero, integers unchanged.
pub fn as_integer(a: &Num) -> NumResult {
    match a {
        Num::Float(d) => float_to_integer(d.trunc()),
        int => Ok(int.clone()),
    }
}

/// `round`: the nearest integer, halves away from zero (`2.5` → 3, `-2.5` → −3).
pub fn round(a: &Num) -> NumResult {
    map_float(a, f64::round)
}

/// `floor`: the greatest integer not above the value.
pub fn floor(a: &Num) -> NumResult {
    map_float(a, f64::floor)
}

/// `ceiling`: the least integer not below the value.
pub fn ceiling(a: &Num) -> NumResult {
    map_float(a, f64::ceil)
}

/// `truncated`: the integer part, toward zero (same as [`as_integer`]).
pub fn truncated(a: &Num) -> NumResult {
    map_float(a, f64::trunc)
}

fn map_float(a: &Num, f: fn(f64) -> f64) -> NumResult {
    match a {
        Num::Float(d) => float_to_integer(f(*d)),
        int => Ok(int.clone()),
    }
}
