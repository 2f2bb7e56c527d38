//! Ordering and equality across SmallInteger, LargeInteger and Double.
//!
//! Comparisons are exact: `2^60 + 1` is greater than `2.0 ** 60` although both
//! convert to the same double. NaN is unordered: [`compare`] answers `None` and
//! every ordered comparison with it is false.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::FromPrimitive;

use super::Num;

/// The order of `a` and `b`, or `None` when either is NaN.
pub fn compare(a: &Num, b: &Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Small(x), Num::Small(y)) => Some(x.cmp(y)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(y),
        (Num::Float(x), int) => compare_int_float(int, *x).map(Ordering::reverse),
        (int, Num::Float(y)) => compare_int_float(int, *y),
        (x, y) => Some(big(x).cmp(&big(y))),
    }
}

fn big(n: &Num) -> BigInt {
    n.to_bigint().unwrap_or_default()
}

/// The exact order of an integer and a double.
fn compare_int_float(int: &Num, d: f64) -> Option<Ordering> {
    if d.is_nan() {
        return None;
    }
    if d.is_infinite() {
        return Some(if d > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    if let Num::Small(i) = int {
        // Below 2^53 the conversion to double is exact.
        if i.unsigned_abs() < (1 << 53) {
            return (*i as f64).partial_cmp(&d);
        }
    }
    let whole = d.trunc();
    let whole_int = BigInt::from_f64(whole).unwrap_or_default();
    match big(int).cmp(&whole_int) {
        Ordering::Equal => 0.0f64.partial_cmp(&(d - whole)),
        other => Some(other),
    }
}

/// Numeric equality (`1 = 1.0` is true; NaN equals nothing).
pub fn equals(a: &Num, b: &Num) -> bool {
    compare(a, b) == Some(Ordering::Equal)
}

/// `a < b`.
pub fn less(a: &Num, b: &Num) -> bool {
    compare(a, b) == Some(Ordering::Less)
}

/// `a <= b`.
pub fn less_or_equal(a: &Num, b: &Num) -> bool {
    matches!(compare(a, b), Some(Ordering::Less | Ordering::Equal))
}

/// `a > b`.
pub fn greater(a: &Num, b: &Num) -> bool {
    compare(a, b) == Some(Ordering::Greater)
}

/// `a >= b`.
pub fn greater_or_equal(a: &Num, b: &Num) -> bool {
    matches!(compare(a, b), Some(Ordering::Greater | Ordering::Equal))
}

/// `max:` (the receiver when equal or unordered).
pub fn max<'a>(a: &'a Num, b: &'a Num) -> &'a Num {
    if less(a, b) {
        b
    } else {
        a
    }
}

/// `min:` (the receiver when equal or unordered).
pub fn min<'a>(a: &'a Num, b: &'a Num) -> &'a Num {
    if greater(a, b) {
        b
    } else {
        a
    }
}
