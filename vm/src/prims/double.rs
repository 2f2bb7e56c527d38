//! Double primitives: IEEE arithmetic with Double or Integer arguments, functions,
//! rounding and printing.

use num_bigint::BigInt;
use num_traits::FromPrimitive;

use super::integer::{num, Num};
use super::{Fail, Prim, Table};
use crate::vm::{Vm, VmResult};

pub(super) const INSTANCE: Table = &[
    ("+", add),
    ("-", sub),
    ("*", mul),
    ("//", div),
    ("/", div),
    ("%", fmod),
    ("sqrt", sqrt),
    ("sin", sin),
    ("cos", cos),
    ("exp", exp),
    ("ln", ln),
    ("round", round),
    ("asInteger", as_integer),
    ("=", eq),
    ("<", lt),
    (">", gt),
    (">=", ge),
    ("<=", le),
    ("~=", ne),
    ("<>", ne),
    ("asString", as_string),
];

pub(super) const CLASS: Table = &[
    ("PositiveInfinity", positive_infinity),
    ("fromString:", from_string),
];

fn operands(vm: &Vm, argc: usize) -> Option<(f64, f64)> {
    let a = vm.double_value(vm.receiver(argc))?;
    let b = match num(vm, vm.arg(argc, 0))? {
        Num::Float(f) => f,
        Num::Int(i) => num_traits::ToPrimitive::to_f64(&i).unwrap_or(f64::NAN),
    };
    Some((a, b))
}

fn arith(vm: &mut Vm, argc: usize, f: fn(f64, f64) -> f64) -> VmResult<Prim> {
    match operands(vm, argc) {
        Some((a, b)) => Ok(Prim::Value(vm.new_double(f(a, b))?)),
        None => Ok(Prim::Fail(Fail::Primitive)),
    }
}

fn add(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    arith(vm, argc, |a, b| a + b)
}
fn sub(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    arith(vm, argc, |a, b| a - b)
}
fn mul(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    arith(vm, argc, |a, b| a * b)
}
fn div(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    arith(vm, argc, |a, b| a / b)
}
fn fmod(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    arith(vm, argc, |a, b| a % b)
}

fn unary(vm: &mut Vm, argc: usize, f: fn(f64) -> f64) -> VmResult<Prim> {
    let Some(a) = vm.double_value(vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(vm.new_double(f(a))?))
}

fn sqrt(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, f64::sqrt)
}
fn sin(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, f64::sin)
}
fn cos(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, f64::cos)
}
fn exp(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, f64::exp)
}
fn ln(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, f64::ln)
}

fn to_integer(vm: &mut Vm, argc: usize, f: fn(f64) -> f64) -> VmResult<Prim> {
    let Some(a) = vm.double_value(vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    match BigInt::from_f64(f(a)) {
        Some(i) if a.is_finite() => Ok(Prim::Value(vm.new_integer(&i)?)),
        _ => Ok(Prim::Fail(Fail::Primitive)),
    }
}

fn round(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    to_integer(vm, argc, f64::round)
}
fn as_integer(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    to_integer(vm, argc, f64::trunc)
}

fn compare(vm: &mut Vm, argc: usize, f: fn(f64, f64) -> bool) -> VmResult<Prim> {
    match operands(vm, argc) {
        Some((a, b)) => Ok(Prim::Value(vm.boolean(f(a, b)))),
        None => Ok(Prim::Fail(Fail::Primitive)),
    }
}

fn eq(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    match operands(vm, argc) {
        Some((a, b)) => Ok(Prim::Value(vm.boolean(a == b))),
        None => Ok(Prim::Value(vm.s.specials.false_)),
    }
}
fn ne(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    match operands(vm, argc) {
        Some((a, b)) => Ok(Prim::Value(vm.boolean(a != b))),
        None => Ok(Prim::Value(vm.s.specials.true_)),
    }
}
fn lt(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    compare(vm, argc, |a, b| a < b)
}
fn gt(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    compare(vm, argc, |a, b| a > b)
}
fn ge(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    compare(vm, argc, |a, b| a >= b)
}
fn le(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    compare(vm, argc, |a, b| a <= b)
}

/// SOM's printing: shortest round-trip digits, integral values keep `.0`.
pub(crate) fn format_double(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let s = format!("{f}");
    if s.contains('.') || s.contains('e') {
        s
    } else if f.abs() < 1e16 {
        format!("{s}.0")
    } else {
        format!("{f:e}")
    }
}

fn as_string(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(a) = vm.double_value(vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(vm.new_string(format_double(a).as_bytes())?))
}

fn positive_infinity(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    Ok(Prim::Value(vm.new_double(f64::INFINITY)?))
}

fn from_string(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let s = vm.arg(argc, 0);
    let v = if vm.is_string(s) {
        vm.text_of(s).trim().parse::<f64>().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    };
    Ok(Prim::Value(vm.new_double(v)?))
}
