//! Arithmetic: `+ - *`, the division family, `abs`, `negated` and `sqrt`.
//!
//! Mixed operands follow Smalltalk's generality: integer with integer stays exact
//! (overflowing into LargeInteger), anything with a double is done in doubles.
//!
//! | function | integers | with a double | zero divisor | SOM selector |
//! |---|---|---|---|---|
//! | [`quo`] | quotient rounded toward 0 | trunc of `a / b`, as an integer | ZeroDivide | `Integer>>/`, `quo:` |
//! | [`floor_div`] | quotient rounded toward −∞ | floor of `a / b`, as an integer | ZeroDivide | (Smalltalk-80 `//`) |
//! | [`div_float`] | `a / b` as a double | `a / b` | ZeroDivide | `Integer>>//` |
//! | [`div_float_ieee`] | `a / b` as a double | `a / b` | ±infinity or NaN | `Double>>//` |
//! | [`modulo`] | remainder with the divisor's sign | same, in doubles | ZeroDivide / NaN | `Integer>>%`, `\\` |
//! | [`rem`] | remainder with the dividend's sign | C `fmod` | ZeroDivide / NaN | `rem:`, `Double>>%` |
//!
//! Integer remainders by zero answer [`NumError::ZeroDivide`]; with a double operand
//! the remainders follow IEEE (NaN). So `a = b * floor_div(a, b) + modulo(a, b)` and
//! `a = b * quo(a, b) + rem(a, b)` for integers.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, Zero};

use super::convert::float_to_integer;
use super::{check_bits, Num, NumError, NumResult};

/// Two operands brought to a common kind.
enum Pair {
    Smalls(i128, i128),
    Bigs(BigInt, BigInt),
    Floats(f64, f64),
}

fn pair(a: &Num, b: &Num) -> Pair {
    match (a, b) {
        (Num::Small(x), Num::Small(y)) => Pair::Smalls(i128::from(*x), i128::from(*y)),
        (Num::Float(_), _) | (_, Num::Float(_)) => Pair::Floats(a.to_f64(), b.to_f64()),
        _ => Pair::Bigs(to_big(a), to_big(b)),
    }
}

/// The integer value of a non-float (callers checked the kind).
fn to_big(n: &Num) -> BigInt {
    match n {
        Num::Small(i) => BigInt::from(*i),
        Num::Large(b) => b.clone(),
        Num::Float(_) => BigInt::zero(),
    }
}

/// `a + b`.
pub fn add(a: &Num, b: &Num) -> NumResult {
    Ok(match pair(a, b) {
        Pair::Smalls(x, y) => Num::int128(x + y),
        Pair::Bigs(x, y) => Num::big(x + y),
        Pair::Floats(x, y) => Num::Float(x + y),
    })
}

/// `a - b`.
pub fn sub(a: &Num, b: &Num) -> NumResult {
    Ok(match pair(a, b) {
        Pair::Smalls(x, y) => Num::int128(x - y),
        Pair::Bigs(x, y) => Num::big(x - y),
        Pair::Floats(x, y) => Num::Float(x - y),
    })
}

/// `a * b`.
pub fn mul(a: &Num, b: &Num) -> NumResult {
    Ok(match pair(a, b) {
        Pair::Smalls(x, y) => Num::int128(x * y),
        Pair::Bigs(x, y) => {
            check_bits(x.bits() + y.bits())?;
            Num::big(x * y)
        }
        Pair::Floats(x, y) => Num::Float(x * y),
    })
}

fn is_zero(n: &Num) -> bool {
    match n {
        Num::Small(i) => *i == 0,
        Num::Large(b) => b.is_zero(),
        Num::Float(d) => *d == 0.0,
    }
}

/// Integer quotient and remainder, rounded toward −∞ (`floor`) or toward 0.
/// `None` when either operand is a double; `ZeroDivide` for an integer zero divisor.
fn int_div(a: &Num, b: &Num, floor: bool) -> Result<Option<(Num, Num)>, NumError> {
    if b.is_integer() && a.is_integer() && is_zero(b) {
        return Err(NumError::ZeroDivide);
    }
    Ok(match pair(a, b) {
        Pair::Smalls(x, y) => {
            let (q, r) = if floor {
                (Integer::div_floor(&x, &y), Integer::mod_floor(&x, &y))
            } else {
                (x / y, x % y)
            };
            Some((Num::int128(q), Num::int128(r)))
        }
        Pair::Bigs(x, y) => {
            let (q, r) = if floor {
                x.div_mod_floor(&y)
            } else {
                x.div_rem(&y)
            };
            Some((Num::big(q), Num::big(r)))
        }
        Pair::Floats(..) => None,
    })
}

fn float_pair(a: &Num, b: &Num) -> (f64, f64) {
    (a.to_f64(), b.to_f64())
}

/// SOM `Integer>>//`: the quotient as a double, whatever the operands.
pub fn div_float(a: &Num, b: &Num) -> NumResult {
    if is_zero(b) {
        return Err(NumError::ZeroDivide);
    }
    Ok(div_float_ieee(a, b))
}

/// SOM `Double>>//`: the IEEE double quotient (a zero divisor gives ±infinity or NaN).
pub fn div_float_ieee(a: &Num, b: &Num) -> Num {
    let (x, y) = float_pair(a, b);
    Num::Float(x / y)
}

/// The quotient rounded toward −∞, always an integer.
pub fn floor_div(a: &Num, b: &Num) -> NumResult {
    integer_quotient(a, b, true)
}

/// The quotient rounded toward 0, always an integer: SOM `Integer>>/` (`-7 / 2` is
/// −3; with a double argument the truncated quotient) and `quo:`.
pub fn quo(a: &Num, b: &Num) -> NumResult {
    integer_quotient(a, b, false)
}

fn integer_quotient(a: &Num, b: &Num, floor: bool) -> NumResult {
    if is_zero(b) {
        return Err(NumError::ZeroDivide);
    }
    match int_div(a, b, floor)? {
        Some((q, _)) => Ok(q),
        None => {
            let (x, y) = float_pair(a, b);
            let q = x / y;
            float_to_integer(if floor { q.floor() } else { q.trunc() })
        }
    }
}

/// The remainder of [`floor_div`]: zero or with the sign of the divisor (`%`, `\\`).
pub fn modulo(a: &Num, b: &Num) -> NumResult {
    match int_div(a, b, true)? {
        Some((_, r)) => Ok(r),
        None => {
            let (x, y) = float_pair(a, b);
            let mut r = x % y;
            if r != 0.0 && (r < 0.0) != (y < 0.0) {
                r += y;
            }
            Ok(Num::Float(r))
        }
    }
}

/// The remainder of [`quo`]: zero or with the sign of the dividend (`rem:`).
pub fn rem(a: &Num, b: &Num) -> NumResult {
    match int_div(a, b, false)? {
        Some((_, r)) => Ok(r),
        None => {
            let (x, y) = float_pair(a, b);
            Ok(Num::Float(x % y))
        }
    }
}

/// `0 - a`.
pub fn negated(a: &Num) -> Num {
    match a {
        Num::Small(i) => Num::int128(-i128::from(*i)),
        Num::Large(n) => Num::big(-n),
        Num::Float(d) => Num::Float(-d),
    }
}

/// The absolute value.
pub fn abs(a: &Num) -> Num {
    match a {
        Num::Small(i) => Num::int128(i128::from(*i).abs()),
        Num::Large(n) => Num::big(n.abs()),
        Num::Float(d) => Num::Float(d.abs()),
    }
}

/// SOM `sqrt`: an exact integer root for a perfect square, otherwise a double;
/// IEEE for a double receiver (NaN when negative). A negative integer answers
/// [`NumError::BadArgument`] (a primitive failure in the kernel contract).
pub fn sqrt(a: &Num) -> NumResult {
    Ok(match a {
        Num::Float(d) => Num::Float(d.sqrt()),
        Num::Small(i) if *i < 0 => return Err(NumError::BadArgument),
        Num::Small(i) => {
            let n = i.unsigned_abs();
            let r = n.isqrt();
            if r * r == n {
                Num::int128(i128::from(r))
            } else {
                Num::Float((*i as f64).sqrt())
            }
        }
        Num::Large(n) if n.is_negative() => return Err(NumError::BadArgument),
        Num::Large(n) => {
            let r = n.sqrt();
            if &r * &r == *n {
                Num::big(r)
            } else {
                Num::Float(a.to_f64().sqrt())
            }
        }
    })
}
