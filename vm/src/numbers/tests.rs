//! Number tests: the SOM TestSuite's expectations as unit tests, and properties
//! against `i128` arithmetic and algebraic identities.

use std::cmp::Ordering;

use num_bigint::BigInt;
use proptest::prelude::*;

use super::arith::*;
use super::bits::*;
use super::compare::*;
use super::convert::*;
use super::text::*;
use super::*;

fn n(i: i64) -> Num {
    Num::int(i)
}

fn f(d: f64) -> Num {
    Num::Float(d)
}

fn big(s: &str) -> Num {
    Num::big(s.parse::<BigInt>().unwrap_or_default())
}

#[test]
fn small_range_constants() {
    assert_eq!(SMALL_MIN, -1_152_921_504_606_846_976);
    assert_eq!(SMALL_MAX, 1_152_921_504_606_846_975);
    assert!(matches!(n(SMALL_MAX), Num::Small(_)));
    assert!(matches!(n(SMALL_MAX + 1), Num::Large(_)));
    assert!(matches!(n(SMALL_MIN), Num::Small(_)));
    assert!(matches!(n(SMALL_MIN - 1), Num::Large(_)));
}

#[test]
fn overflow_becomes_large_and_comes_back() {
    let max = n(SMALL_MAX);
    let over = add(&max, &n(1)).unwrap_or(n(0));
    assert!(matches!(over, Num::Large(_)));
    assert_eq!(sub(&over, &n(1)), Ok(Num::Small(SMALL_MAX)));
    assert_eq!(negated(&n(SMALL_MIN)), big("1152921504606846976"));
    assert_eq!(
        mul(&n(92233720368), &n(100000000)).and_then(|x| add(&x, &n(54775807))),
        Ok(big("9223372036854775807"))
    );
    assert_eq!(
        mul(&big("9223372036854775807"), &n(100)),
        Ok(big("922337203685477580700"))
    );
}

#[test]
fn som_integer_division_family() {
    // IntegerTest>>testDivision (Integer>>/ is quo: truncation toward zero).
    assert_eq!(quo(&n(1), &n(1)), Ok(n(1)));
    assert_eq!(quo(&n(3), &n(2)), Ok(n(1)));
    assert_eq!(quo(&n(4), &n(-2)), Ok(n(-2)));
    assert_eq!(quo(&n(-6), &n(3)), Ok(n(-2)));
    assert_eq!(quo(&n(-12), &n(-4)), Ok(n(3)));
    assert_eq!(quo(&n(-7), &n(2)), Ok(n(-3)));
    assert_eq!(quo(&n(7), &f(2.0)), Ok(n(3)));
    assert_eq!(quo(&n(-7), &f(2.0)), Ok(n(-3)));
    // floor_div rounds toward -infinity, pairing with %.
    assert_eq!(floor_div(&n(-7), &n(2)), Ok(n(-4)));
    // IntegerTest>>testModulo
    assert_eq!(modulo(&n(10), &n(3)), Ok(n(1)));
    assert_eq!(modulo(&n(10), &n(-3)), Ok(n(-2)));
    assert_eq!(modulo(&n(-10), &n(3)), Ok(n(2)));
    assert_eq!(modulo(&n(-10), &n(-3)), Ok(n(-1)));
    assert_eq!(modulo(&n(10), &n(5)), Ok(n(0)));
    assert_eq!(rem(&n(10), &n(3)), Ok(n(1)));
    assert_eq!(rem(&n(10), &n(-3)), Ok(n(1)));
    assert_eq!(rem(&n(-10), &n(3)), Ok(n(-1)));
    assert_eq!(rem(&n(-10), &n(-3)), Ok(n(-1)));
    // IntegerTest>>testDouble: SOM's // divides as doubles.
    assert_eq!(div_float(&n(36), &n(6)), Ok(f(6.0)));
    assert_eq!(div_float(&n(-10), &n(2)), Ok(f(-5.0)));
    assert_eq!(div_float(&n(1), &n(2)), Ok(f(0.5)));
    assert_eq!(floor_div(&f(-7.0), &n(2)), Ok(n(-4)));
    assert_eq!(quo(&f(-7.0), &n(2)), Ok(n(-3)));
}

#[test]
fn double_modulo_is_fmod_via_rem() {
    // DoubleTest>>testModulo (SOM's Double>>% keeps the dividend's sign).
    assert_eq!(rem(&f(3.0), &f(2.0)), Ok(f(1.0)));
    assert_eq!(rem(&f(-3.0), &f(2.0)), Ok(f(-1.0)));
    assert_eq!(rem(&f(-3.0), &f(-2.0)), Ok(f(-1.0)));
    assert_eq!(rem(&f(3.0), &f(-2.0)), Ok(f(1.0)));
    assert_eq!(modulo(&f(-3.0), &f(2.0)), Ok(f(1.0)));
    assert_eq!(modulo(&f(3.0), &f(-2.0)), Ok(f(-1.0)));
    // With doubles a zero divisor follows IEEE.
    assert!(matches!(rem(&f(3.0), &f(0.0)), Ok(Num::Float(d)) if d.is_nan()));
    assert!(matches!(modulo(&n(3), &f(0.0)), Ok(Num::Float(d)) if d.is_nan()));
}

#[test]
fn division_by_zero_is_an_error() {
    for op in [div_float, floor_div, quo, modulo, rem] {
        assert_eq!(op(&n(1), &n(0)), Err(NumError::ZeroDivide));
        assert_eq!(
            op(&big("123456789012345678901234567890"), &n(0)),
            Err(NumError::ZeroDivide)
        );
    }
    for op in [div_float, floor_div, quo] {
        assert_eq!(op(&f(1.0), &f(0.0)), Err(NumError::ZeroDivide));
        assert_eq!(op(&n(1), &f(-0.0)), Err(NumError::ZeroDivide));
    }
    assert_eq!(div_float_ieee(&n(1), &f(0.0)), f(f64::INFINITY));
    assert_eq!(div_float_ieee(&f(-1.0), &n(0)), f(f64::NEG_INFINITY));
}

#[test]
fn mixed_arithmetic_goes_to_doubles() {
    assert_eq!(add(&n(1), &f(0.5)), Ok(f(1.5)));
    assert_eq!(mul(&f(2.0), &n(-2)), Ok(f(-4.0)));
    assert_eq!(div_float(&n(1), &f(2.0)), Ok(f(0.5)));
    assert_eq!(
        sub(&big("18446744073709551616"), &f(0.0)),
        Ok(f(18446744073709551616.0))
    );
}

#[test]
fn abs_negated_sqrt() {
    assert_eq!(abs(&n(-4)), n(4));
    assert_eq!(
        abs(&big("-9223372036854775296")),
        big("9223372036854775296")
    );
    assert_eq!(negated(&n(23)), n(-23));
    assert_eq!(negated(&f(0.0)), f(-0.0));
    assert_eq!(sqrt(&n(25)), Ok(n(5)));
    assert_eq!(sqrt(&n(17)), Ok(f(17f64.sqrt())));
    assert_eq!(sqrt(&f(9.0)), Ok(f(3.0)));
    let two_100 = shift_left(&n(1), &n(100)).unwrap_or(n(0));
    assert_eq!(sqrt(&two_100), shift_left(&n(1), &n(50)));
    assert_eq!(sqrt(&n(-4)), Err(NumError::BadArgument));
    assert_eq!(
        sqrt(&big("-123456789012345678901234567890")),
        Err(NumError::BadArgument)
    );
    assert!(matches!(sqrt(&f(-4.0)), Ok(Num::Float(d)) if d.is_nan()));
}

#[test]
fn bit_operations_and_shifts() {
    assert_eq!(bit_and(&n(2), &n(1)), Ok(n(0)));
    assert_eq!(bit_and(&n(2), &n(2)), Ok(n(2)));
    assert_eq!(bit_xor(&n(2), &n(1)), Ok(n(3)));
    assert_eq!(bit_or(&n(4), &n(1)), Ok(n(5)));
    assert_eq!(bit_and(&f(1.0), &n(1)), Err(NumError::NotInteger));
    assert_eq!(
        shift_left(&n(1), &n(70)).map(|x| x.to_string()),
        Ok("1180591620717411303424".to_string())
    );
    assert_eq!(
        shift_left(&n(-1), &n(70)).map(|x| x.to_string()),
        Ok("-1180591620717411303424".to_string())
    );
    assert_eq!(shift_left(&n(1), &n(60)), Ok(big("1152921504606846976")));
    assert_eq!(shift_right(&n(-1), &n(5)), Ok(n(-1)));
    assert_eq!(shift_right(&n(1024), &n(1)), Ok(n(512)));
    assert_eq!(shift_left(&n(1024), &n(-1)), Ok(n(512)));
    assert_eq!(
        shift_right(&big("-1180591620717411303424"), &n(1000)),
        Ok(n(-1))
    );
    assert_eq!(shift_left(&n(1), &n(1 << 40)), Err(NumError::TooLarge));
    assert_eq!(shift_left(&n(0), &n(1 << 40)), Ok(n(0)));
    assert_eq!(unsigned_shift_right(&n(1023), &n(3)), Ok(n(127)));
    assert_eq!(
        unsigned_shift_right(&n(-1), &n(1)),
        Ok(big("9223372036854775807"))
    );
    assert_eq!(
        unsigned_shift_right(&n(-1024), &n(1)),
        Ok(big("9223372036854775296"))
    );
    assert_eq!(
        unsigned_shift_right(&big("-9223372036854775809"), &n(1)),
        Err(NumError::BadArgument)
    );
    assert_eq!(
        unsigned_shift_right(&big("18446744073709551616"), &n(1)),
        Ok(big("9223372036854775808"))
    );
}

#[test]
fn thirty_two_bit_views() {
    assert_eq!(as_32bit_unsigned(&n(1 << 31)), Ok(n(1 << 31)));
    assert_eq!(as_32bit_unsigned(&n(1 << 32)), Ok(n(0)));
    assert_eq!(as_32bit_unsigned(&n(-1)), Ok(n(4294967295)));
    assert_eq!(as_32bit_unsigned(&big("-9223372036854775296")), Ok(n(512)));
    assert_eq!(
        as_32bit_unsigned(&big("9223372036854775296")),
        Ok(n(4294966784))
    );
    assert_eq!(as_32bit_signed(&n(1 << 31)), Ok(n(-2147483648)));
    assert_eq!(as_32bit_signed(&big("-9223372036854775296")), Ok(n(512)));
    assert_eq!(as_32bit_signed(&big("9223372036854775296")), Ok(n(-512)));
}

#[test]
fn comparisons_across_kinds_are_exact() {
    assert!(equals(&f(1.0), &n(1)));
    assert!(equals(&f(0.0), &f(-0.0)));
    assert!(less(&n(-3), &n(2)));
    let two_60 = shift_left(&n(1), &n(60)).unwrap_or(n(0));
    let two_60_plus_1 = add(&two_60, &n(1)).unwrap_or(n(0));
    assert!(equals(&two_60, &f(2f64.powi(60))));
    assert!(greater(&two_60_plus_1, &f(2f64.powi(60))));
    assert!(less(&f(2f64.powi(60)), &two_60_plus_1));
    assert!(less(&n(1), &f(1.5)) && greater(&n(2), &f(1.5)));
    assert!(less(&n(-2), &f(-1.5)) && greater(&n(-1), &f(-1.5)));
    assert!(less(&big("999999999999999999999999"), &f(f64::INFINITY)));
    assert_eq!(compare(&n(1), &f(f64::NAN)), None);
    assert!(!less_or_equal(&f(f64::NAN), &f(f64::NAN)));
    assert!(greater_or_equal(&f(0.5), &f(0.5)));
    assert_eq!(max(&n(1), &n(2)), &n(2));
    assert_eq!(
        min(&big("-922337203685477580701"), &n(1)),
        &big("-922337203685477580701")
    );
    assert_eq!(
        compare(&big("922337203685477580700"), &big("922337203685477529600")),
        Some(Ordering::Greater)
    );
}

#[test]
fn double_to_integer_conversions() {
    assert_eq!(as_integer(&f(1.999)), Ok(n(1)));
    assert_eq!(as_integer(&f(-1.999)), Ok(n(-1)));
    assert_eq!(round(&f(1.4999)), Ok(n(1)));
    assert_eq!(round(&f(1.5)), Ok(n(2)));
    assert_eq!(round(&f(-2.5)), Ok(n(-3)));
    assert_eq!(round(&f(445.34)), Ok(n(445)));
    assert_eq!(floor(&f(-0.5)), Ok(n(-1)));
    assert_eq!(ceiling(&f(-0.5)), Ok(n(0)));
    assert_eq!(truncated(&f(-0.5)), Ok(n(0)));
    assert_eq!(as_integer(&f(1e20)), Ok(big("100000000000000000000")));
    assert_eq!(as_integer(&f(f64::NAN)), Err(NumError::NotFinite));
    assert_eq!(round(&f(f64::INFINITY)), Err(NumError::NotFinite));
    assert_eq!(as_double(&n(2147483648)), 2147483648.0);
    assert_eq!(as_double(&big("-2147483648")), -2147483648.0);
}

#[test]
fn double_printing() {
    let cases = [
        (0.5, "0.5"),
        (0.1, "0.1"),
        (1.0, "1.0"),
        (100.0, "100.0"),
        (-2.25, "-2.25"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0 / 3.0, "0.3333333333333333"),
        (0.1 + 0.2, "0.30000000000000004"),
        (std::f64::consts::PI, "3.141592653589793"),
        (123456789012345.0, "123456789012345.0"),
        (-0.000025, "-2.5e-5"),
        (f64::INFINITY - f64::INFINITY, "NaN"),
        (0.0001, "0.0001"),
        (0.00001, "1.0e-5"),
        (1.5e-7, "1.5e-7"),
        (1e15, "1000000000000000.0"),
        (9007199254740992.0, "9007199254740992.0"),
        (1e16, "1.0e16"),
        (1.2345e100, "1.2345e100"),
        (f64::MAX, "1.7976931348623157e308"),
        (5e-324, "5.0e-324"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
        (f64::NAN, "NaN"),
    ];
    for (d, text) in cases {
        assert_eq!(print_double(d), text, "{d:e}");
    }
}

#[test]
fn integer_printing_in_radixes() {
    assert_eq!(n(-2).to_string(), "-2");
    assert_eq!(
        big("-1180591620717411303424").to_string(),
        "-1180591620717411303424"
    );
    assert_eq!(print_integer_radix(&n(255), 16), Ok("FF".to_string()));
    assert_eq!(print_integer_radix(&n(-5), 2), Ok("-101".to_string()));
    assert_eq!(print_integer_radix(&n(5), 1), Err(NumError::BadArgument));
    assert_eq!(print_radix(&f(0.5), 10), Ok("0.5".to_string()));
    assert_eq!(print_radix(&f(0.5), 16), Err(NumError::NotInteger));
}

#[test]
fn parsing_strings() {
    assert_eq!(parse_integer("42"), Some(n(42)));
    assert_eq!(parse_integer("-2"), Some(n(-2)));
    assert_eq!(parse_integer_radix("fF", 16), Some(n(255)));
    assert_eq!(parse_integer_radix("-101", 2), Some(n(-5)));
    assert_eq!(parse_integer_radix("2", 2), None);
    assert_eq!(
        parse_integer("-922337203685477580700"),
        Some(big("-922337203685477580700"))
    );
    for bad in [
        "", "-", "4 2", " 42", "1.5", "abc", "16rFF", "0x10", "+3", "--1",
    ] {
        assert_eq!(parse_integer(bad), None, "{bad:?}");
    }
    assert_eq!(parse_double("-1.1"), Some(-1.1));
    assert_eq!(parse_double("3423.54656"), Some(3423.54656));
    assert_eq!(parse_double("1e10"), Some(1e10));
    assert_eq!(parse_double("2.5E-3"), Some(2.5e-3));
    assert_eq!(parse_double("7"), Some(7.0));
    assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
    for bad in ["", "1.", ".5", "1e", "inf", "nan", "1.5.2", "--1", "1e+5"] {
        assert_eq!(parse_double(bad), None, "{bad:?}");
    }
    assert_eq!(parse_number("12"), Some(n(12)));
    assert_eq!(parse_number("1.5"), Some(f(1.5)));
    assert_eq!(parse_number("x"), None);
}

fn int_strategy() -> impl Strategy<Value = i128> {
    prop_oneof![
        any::<i64>().prop_map(i128::from),
        (SMALL_MIN - 4..SMALL_MIN + 4).prop_map(i128::from),
        (SMALL_MAX - 4..SMALL_MAX + 4).prop_map(i128::from),
        (-1000i128..1000),
        any::<i128>().prop_map(|i| i >> 20),
    ]
}

fn any_num() -> impl Strategy<Value = Num> {
    prop_oneof![
        int_strategy().prop_map(Num::int128),
        any::<f64>().prop_map(Num::Float),
        (-1e6f64..1e6).prop_map(Num::Float),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ring_operations_agree_with_i128(a in int_strategy(), b in int_strategy()) {
        let (x, y) = (Num::int128(a), Num::int128(b));
        prop_assert_eq!(add(&x, &y), Ok(Num::int128(a + b)));
        prop_assert_eq!(sub(&x, &y), Ok(Num::int128(a - b)));
        if let Some(p) = a.checked_mul(b) {
            prop_assert_eq!(mul(&x, &y), Ok(Num::int128(p)));
        }
        prop_assert_eq!(compare(&x, &y), Some(a.cmp(&b)));
        prop_assert_eq!(bit_and(&x, &y), Ok(Num::int128(a & b)));
        prop_assert_eq!(bit_or(&x, &y), Ok(Num::int128(a | b)));
        prop_assert_eq!(bit_xor(&x, &y), Ok(Num::int128(a ^ b)));
        prop_assert_eq!(abs(&x), Num::int128(a.abs()));
    }

    #[test]
    fn division_family_identities(a in int_strategy(), b in int_strategy()) {
        prop_assume!(b != 0);
        let (x, y) = (Num::int128(a), Num::int128(b));
        let q = floor_div(&x, &y)?;
        let m = modulo(&x, &y)?;
        let back = add(&mul(&y, &q)?, &m)?;
        prop_assert_eq!(&back, &x);
        prop_assert!(equals(&m, &n(0)) || (less(&m, &n(0)) == less(&y, &n(0))));
        prop_assert!(less(&abs(&m), &abs(&y)));
        let t = quo(&x, &y)?;
        let r = rem(&x, &y)?;
        prop_assert_eq!(add(&mul(&y, &t)?, &r)?, x.clone());
        prop_assert!(equals(&r, &n(0)) || (less(&r, &n(0)) == less(&x, &n(0))));
        prop_assert_eq!(t, Num::int128(a / b));
        prop_assert_eq!(r, Num::int128(a % b));
    }

    #[test]
    fn results_are_always_normalised(a in any_num(), b in any_num(), k in -200i64..200) {
        let results = [
            add(&a, &b), sub(&a, &b), mul(&a, &b), div_float(&a, &b), floor_div(&a, &b),
            quo(&a, &b), modulo(&a, &b), rem(&a, &b), bit_and(&a, &b), bit_or(&a, &b),
            bit_xor(&a, &b), shift_left(&a, &n(k)), shift_right(&a, &n(k)),
            unsigned_shift_right(&a, &n(k)), round(&a), as_integer(&a),
            Ok(negated(&a)), Ok(abs(&a)), sqrt(&a),
        ];
        for r in results.into_iter().flatten() {
            prop_assert!(r.is_normalised(), "{:?}", r);
        }
    }

    #[test]
    fn shifts_agree_with_multiplication(a in int_strategy(), k in 0u32..100) {
        let x = Num::int128(a);
        let power = shift_left(&n(1), &n(i64::from(k)))?;
        prop_assert_eq!(shift_left(&x, &n(i64::from(k))), mul(&x, &power));
        prop_assert_eq!(shift_right(&x, &n(i64::from(k))), floor_div(&x, &power));
    }

    #[test]
    fn doubles_print_and_parse_back(d in any::<f64>()) {
        let text = print_double(d);
        let back = parse_double(&text);
        prop_assert!(back.is_some(), "{}", text);
        let back = back.unwrap_or_default();
        prop_assert!(back == d || (back.is_nan() && d.is_nan()), "{} -> {}", d, text);
        prop_assert_eq!(back.is_sign_negative(), d.is_sign_negative());
        prop_assert!(text.contains('.') || !d.is_finite());
    }

    #[test]
    fn integers_print_and_parse_back(a in int_strategy(), radix in 2u32..=36) {
        let x = Num::int128(a);
        prop_assert_eq!(parse_integer(&x.to_string()), Some(x.clone()));
        let text = print_integer_radix(&x, radix)?;
        prop_assert_eq!(parse_integer_radix(&text, radix), Some(x));
    }

    #[test]
    fn integer_float_comparison_is_exact(a in int_strategy(), d in any::<f64>()) {
        let x = Num::int128(a);
        let exact = if d.is_nan() {
            None
        } else if d.is_infinite() {
            Some(if d > 0.0 { Ordering::Less } else { Ordering::Greater })
        } else if d.abs() < 1e38 {
            // Compare a * 2^k with d * 2^k in i128 where d's fraction is exact.
            let scaled = d * 2f64.powi(40);
            if scaled.abs() < 1e37 && scaled == scaled.trunc() && a.abs() < (1i128 << 80) {
                Some((a << 40).cmp(&(scaled as i128)))
            } else {
                compare(&x, &Num::Float(d))
            }
        } else {
            compare(&x, &Num::Float(d))
        };
        prop_assert_eq!(compare(&x, &Num::Float(d)), exact);
        prop_assert_eq!(compare(&Num::Float(d), &x), exact.map(Ordering::reverse));
    }
}
