//! Integer and Double primitives, computed by [`crate::numbers`] (pure Rust) and
//! converted from and to Oops here. One function per operation serves both classes
//! where the contract gives them the same meaning.

use cairn_gc::Oop;

use super::{def, Fail, Kind, Prim, Table};
use crate::numbers::{arith, bits, compare, convert, text, Num, NumError, NumResult};
use crate::vm::{Vm, VmResult};

use Kind::{Any, Double as Dbl, Integer as Int, Number as Numb, SmallInt};

pub(super) const INTEGER: Table = &[
    def("+", Int, &[Numb], add),
    def("-", Int, &[Numb], sub),
    def("*", Int, &[Numb], mul),
    def("/", Int, &[Numb], quo),
    def("//", Int, &[Numb], div_float),
    def("%", Int, &[Numb], modulo),
    def("rem:", Int, &[Numb], rem),
    def("&", Int, &[Numb], bit_and),
    def("bitXor:", Int, &[Numb], bit_xor),
    def("bitOr:", Int, &[Numb], bit_or),
    def("<<", Int, &[SmallInt], shift_left),
    def(">>", Int, &[SmallInt], shift_right),
    def(">>>", Int, &[SmallInt], unsigned_shift_right),
    def("sqrt", Int, &[], sqrt),
    def("atRandom", Int, &[], at_random),
    def("=", Int, &[Any], eq),
    def("<", Int, &[Numb], lt),
    def(">", Int, &[Numb], gt),
    def(">=", Int, &[Numb], ge),
    def("<=", Int, &[Numb], le),
    def("~=", Int, &[Any], ne),
    def("<>", Int, &[Any], ne),
    def("max:", Int, &[Numb], max),
    def("min:", Int, &[Numb], min),
    def("asString", Int, &[], as_string),
    def("asDouble", Int, &[], as_double),
    def("as32BitSignedValue", Int, &[], as_32bit_signed),
    def("as32BitUnsignedValue", Int, &[], as_32bit_unsigned),
];

pub(super) const INTEGER_CLASS: Table = &[def("fromString:", Any, &[Any], integer_from_string)];

pub(super) const DOUBLE: Table = &[
    def("+", Dbl, &[Numb], add),
    def("-", Dbl, &[Numb], sub),
    def("*", Dbl, &[Numb], mul),
    def("//", Dbl, &[Numb], div_float_ieee),
    def("%", Dbl, &[Numb], rem),
    def("sqrt", Dbl, &[], sqrt),
    def("sin", Dbl, &[], sin),
    def("cos", Dbl, &[], cos),
    def("exp", Dbl, &[], exp),
    def("ln", Dbl, &[], ln),
    def("round", Dbl, &[], round),
    def("asInteger", Dbl, &[], as_integer),
    def("=", Dbl, &[Any], eq),
    def("<", Dbl, &[Numb], lt),
    def(">", Dbl, &[Numb], gt),
    def(">=", Dbl, &[Numb], ge),
    def("<=", Dbl, &[Numb], le),
    def("asString", Dbl, &[], as_string),
];

pub(super) const DOUBLE_CLASS: Table = &[
    def("PositiveInfinity", Any, &[], positive_infinity),
    def("fromString:", Any, &[Any], double_from_string),
];

/// The number an Oop stands for, if it is one.
fn num(vm: &Vm, o: Oop) -> Option<Num> {
    if o.is_small_int() {
        return Some(Num::Small(o.as_small_int()));
    }
    if let Some(f) = vm.double_value(o) {
        return Some(Num::Float(f));
    }
    vm.integer_value(o).map(Num::big)
}

impl Vm {
    /// The Oop for a number (SmallInteger, LargeInteger or Double).
    pub(crate) fn num_oop(&mut self, n: &Num) -> VmResult<Oop> {
        match n {
            Num::Small(i) => self.new_int(*i),
            Num::Large(b) => self.new_integer(b),
            Num::Float(f) => self.new_double(*f),
        }
    }
}

fn answer(vm: &mut Vm, r: NumResult) -> VmResult<Prim> {
    match r {
        Ok(n) => Ok(Prim::Value(vm.num_oop(&n)?)),
        Err(NumError::ZeroDivide) => Ok(Prim::Fail(Fail::ZeroDivide)),
        Err(_) => Ok(Prim::Fail(Fail::Primitive)),
    }
}

fn binary(vm: &mut Vm, argc: usize, f: fn(&Num, &Num) -> NumResult) -> VmResult<Prim> {
    let (Some(a), Some(b)) = (num(vm, vm.receiver(argc)), num(vm, vm.arg(argc, 0))) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let r = f(&a, &b);
    answer(vm, r)
}

fn unary(vm: &mut Vm, argc: usize, f: fn(&Num) -> NumResult) -> VmResult<Prim> {
    let Some(a) = num(vm, vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let r = f(&a);
    answer(vm, r)
}

fn float_fn(vm: &mut Vm, argc: usize, f: fn(f64) -> f64) -> VmResult<Prim> {
    let Some(a) = num(vm, vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    answer(vm, Ok(Num::Float(f(a.to_f64()))))
}

fn add(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, arith::add)
}
fn sub(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, arith::sub)
}
fn mul(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, arith::mul)
}
fn quo(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, arith::quo)
}
fn div_float(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, arith::div_float)
}
fn div_float_ieee(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, |a, b| Ok(arith::div_float_ieee(a, b)))
}
fn modulo(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, arith::modulo)
}
fn rem(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, arith::rem)
}
fn bit_and(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, bits::bit_and)
}
fn bit_xor(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, bits::bit_xor)
}
fn bit_or(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    binary(vm, argc, bits::bit_or)
}

/// Shifts take a non-negative SmallInteger count (the contract fails negative ones).
fn shift(vm: &mut Vm, argc: usize, f: fn(&Num, &Num) -> NumResult) -> VmResult<Prim> {
    let n = vm.arg(argc, 0);
    if !n.is_small_int() || n.as_small_int() < 0 {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    binary(vm, argc, f)
}
fn shift_left(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    shift(vm, argc, bits::shift_left)
}
fn shift_right(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    shift(vm, argc, bits::shift_right)
}
fn unsigned_shift_right(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    shift(vm, argc, bits::unsigned_shift_right)
}

fn sqrt(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, arith::sqrt)
}
fn sin(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    float_fn(vm, argc, f64::sin)
}
fn cos(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    float_fn(vm, argc, f64::cos)
}
fn exp(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    float_fn(vm, argc, f64::exp)
}
fn ln(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    float_fn(vm, argc, f64::ln)
}
fn round(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, convert::round)
}
fn as_integer(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, convert::as_integer)
}
fn as_double(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, |a| Ok(Num::Float(convert::as_double(a))))
}
fn as_32bit_signed(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, bits::as_32bit_signed)
}
fn as_32bit_unsigned(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    unary(vm, argc, bits::as_32bit_unsigned)
}

/// Comparisons: a non-number argument fails, except for `=`/`~=` (false/true).
fn comparison(
    vm: &mut Vm,
    argc: usize,
    f: fn(&Num, &Num) -> bool,
    non_number: Option<bool>,
) -> VmResult<Prim> {
    match (num(vm, vm.receiver(argc)), num(vm, vm.arg(argc, 0))) {
        (Some(a), Some(b)) => Ok(Prim::Value(vm.boolean(f(&a, &b)))),
        _ => match non_number {
            Some(v) => Ok(Prim::Value(vm.boolean(v))),
            None => Ok(Prim::Fail(Fail::Primitive)),
        },
    }
}
fn eq(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    comparison(vm, argc, compare::equals, Some(false))
}
fn ne(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    comparison(vm, argc, |a, b| !compare::equals(a, b), Some(true))
}
fn lt(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    comparison(vm, argc, compare::less, None)
}
fn gt(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    comparison(vm, argc, compare::greater, None)
}
fn ge(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    comparison(vm, argc, compare::greater_or_equal, None)
}
fn le(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    comparison(vm, argc, compare::less_or_equal, None)
}

fn pick(vm: &mut Vm, argc: usize, want_max: bool) -> VmResult<Prim> {
    let (r, a) = (vm.receiver(argc), vm.arg(argc, 0));
    let (Some(x), Some(y)) = (num(vm, r), num(vm, a)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let arg_bigger = compare::greater(&y, &x);
    Ok(Prim::Value(if arg_bigger == want_max { a } else { r }))
}
pub(super) fn max(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    pick(vm, argc, true)
}
pub(super) fn min(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    pick(vm, argc, false)
}

fn as_string(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(a) = num(vm, vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let s = match a {
        Num::Float(f) => text::print_double(f),
        other => other.to_string(),
    };
    Ok(Prim::Value(vm.new_string(s.as_bytes())?))
}

fn at_random(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    if !r.is_small_int() || r.as_small_int() < 1 {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    // xorshift64*
    vm.rng ^= vm.rng >> 12;
    vm.rng ^= vm.rng << 25;
    vm.rng ^= vm.rng >> 27;
    let x = vm.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
    Ok(Prim::Value(Oop::small_int(
        (x % r.as_small_int() as u64) as i64 + 1,
    )))
}

fn integer_from_string(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let s = vm.arg(argc, 0);
    let parsed = if vm.is_byte_string(s) {
        text::parse_integer(&vm.text_of(s))
    } else {
        None
    };
    match parsed {
        Some(n) => Ok(Prim::Value(vm.num_oop(&n)?)),
        None => Ok(Prim::Value(vm.nil())),
    }
}

fn double_from_string(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let s = vm.arg(argc, 0);
    let parsed = if vm.is_byte_string(s) {
        text::parse_double(&vm.text_of(s))
    } else {
        None
    };
    Ok(Prim::Value(vm.new_double(parsed.unwrap_or(f64::NAN))?))
}

fn positive_infinity(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    Ok(Prim::Value(vm.new_double(f64::INFINITY)?))
}
