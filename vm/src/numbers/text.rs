//! Numbers as text: `printString`/`asString` (any radix for integers) and parsing
//! strings to numbers (`Integer fromString:`, `'42' asInteger`, `Double
//! fromString:`, `asNumber`).
//!
//! Doubles print as the shortest decimal that reads back as the same double,
//! always with a fraction or an exponent so they never read back as integers:
//! plain notation for magnitudes in `[1e-4, 1e16)` (`0.1`, `1.0`, `100.5`), otherwise
//! scientific with a lowercase `e` as the SOM lexer reads it (`1.0e16`, `2.5e-7`);
//! `NaN`, `Infinity` and `-Infinity` for the non-finite values; `-0.0` keeps its sign.

use num_bigint::BigInt;

use super::{Num, NumError};

/// The SOM text of a double (see the module doc for the format).
pub fn print_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let sign = if d.is_sign_negative() { "-" } else { "" };
    if d == 0.0 {
        return format!("{sign}0.0");
    }
    // `{:e}` gives the shortest round-trip digits: "1.2345e4", "5e-1".
    let sci = format!("{:e}", d.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let magnitude = d.abs();
    let body = if (1e-4..1e16).contains(&magnitude) {
        plain(&digits, exponent + 1)
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{first}.{rest}e{exponent}")
    };
    format!("{sign}{body}")
}

/// `digits` with the decimal point `point` places from their start.
fn plain(digits: &str, point: i32) -> String {
    let len = digits.len() as i32;
    if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point >= len {
        format!("{digits}{}.0", "0".repeat((point - len) as usize))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    }
}

/// An integer in `radix` (2..=36) with uppercase digits and a leading `-` when
/// negative, without a radix prefix (`printString: 16` of 255 is `FF`).
pub fn print_integer_radix(a: &Num, radix: u32) -> Result<String, NumError> {
    if !(2..=36).contains(&radix) {
        return Err(NumError::BadArgument);
    }
    let n = a.to_bigint()?;
    Ok(n.to_str_radix(radix).to_uppercase())
}

/// The text of any number; integers in `radix`, doubles in decimal.
pub fn print_radix(a: &Num, radix: u32) -> Result<String, NumError> {
    match a {
        Num::Float(d) if radix == 10 => Ok(print_double(*d)),
        Num::Float(_) => Err(NumError::NotInteger),
        int => print_integer_radix(int, radix),
    }
}

/// Parses an integer as `Integer fromString:` does: an optional `-` and decimal
/// digits, any size, nothing else (no spaces, no `+`). `None` when the text is not one.
pub fn parse_integer(text: &str) -> Option<Num> {
    parse_integer_radix(text, 10)
}

/// Parses an optional `-` and digits in `radix` (2..=36, either letter case), the
/// inverse of [`print_integer_radix`]. `None` when the text is not one.
pub fn parse_integer_radix(text: &str, radix: u32) -> Option<Num> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let valid = (2..=36).contains(&radix)
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_digit(radix));
    if !valid {
        return None;
    }
    let magnitude = BigInt::parse_bytes(digits.as_bytes(), radix)?;
    Some(Num::big(if digits.len() < text.len() {
        -magnitude
    } else {
        magnitude
    }))
}

fn is_decimal(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses a double: an optional `-`, digits, an optional `.digits`
/// fraction and an optional `e`/`E` exponent (`1`, `1.5`, `-2.5e-3`), or one of
/// `NaN`, `Infinity`, `-Infinity`. `None` when the text is not one.
pub fn parse_double(text: &str) -> Option<f64> {
    let t = text;
    match t {
        "NaN" => return Some(f64::NAN),
        "Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    let body = t.strip_prefix('-').unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let exponent_ok = exponent.is_none_or(|e| is_decimal(e.strip_prefix('-').unwrap_or(e)));
    if !is_decimal(int) || !frac.is_none_or(is_decimal) || !exponent_ok {
        return None;
    }
    t.parse().ok()
}

/// Parses an integer ([`parse_integer`]) or else a double ([`parse_double`]).
pub fn parse_number(text: &str) -> Option<Num> {
    parse_integer(text).or_else(|| parse_double(text).map(Num::Float))
}
