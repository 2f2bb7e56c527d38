//! Integer primitives (SmallInteger and LargeInteger alike), with Double arguments
//! where the contract allows them.

use cairn_gc::Oop;
use num_bigint::BigInt;
use num_integer::Integer as _;
use num_traits::{Signed, ToPrimitive, Zero};

use super::{Fail, Prim, Table};
use crate::vm::{Vm, VmResult};

pub(super) const INSTANCE: Table = &[
    ("+", add),
    ("-", sub),
    ("*", mul),
    ("/", quo),
    ("//", fdiv),
    ("%", modulo),
    ("rem:", rem),
    ("&", bit_and),
    ("bitAnd:", bit_and),
    ("bitXor:", bit_xor),
    ("bitOr:", bit_or),
    ("<<", shl),
    (">>", shr),
    (">>>", lshr),
    ("sqrt", sqrt),
    ("atRandom", at_random),
    ("=", eq),
    ("<", lt),
    (">", gt),
    (">=", ge),
    ("<=", le),
    ("~=", ne),
    ("<>", ne),
    ("max:", max),
    ("min:", min),
    ("asString", as_string),
    ("asDouble", as_double),
    ("as32BitSignedValue", as_i32),
    ("as32BitUnsignedValue", as_u32),
];

pub(super) const CLASS: Table = &[("fromString:", from_string)];

/// A numeric operand.
pub(crate) enum Num {
    Int(BigInt),
    Float(f64),
}

pub(crate) fn num(vm: &Vm, o: Oop) -> Option<Num> {
    if let Some(f) = vm.double_value(o) {
        return Some(Num::Float(f));
    }
    vm.integer_value(o).map(Num::Int)
}

fn to_f64(b: &BigInt) -> f64 {
    b.to_f64().unwrap_or(f64::NAN)
}

fn args(vm: &Vm, argc: usize) -> Option<(BigInt, Num)> {
    let a = vm.integer_value(vm.receiver(argc))?;
    let b = num(vm, vm.arg(argc, 0))?;
    Some((a, b))
}

fn int_args(vm: &Vm, argc: usize) -> Option<(BigInt, BigInt)> {
    let a = vm.integer_value(vm.receiver(argc))?;
    let b = vm.integer_value(vm.arg(argc, 0))?;
    Some((a, b))
}

fn small_pair(vm: &Vm, argc: usize) -> Option<(i64, i64)> {
    let (a, b) = (vm.receiver(argc), vm.arg(argc, 0));
    (a.is_small_int() && b.is_small_int()).then(|| (a.as_small_int(), b.as_small_int()))
}

fn arith(
    vm: &mut Vm,
    argc: usize,
    small: fn(i64, i64) -> Option<i64>,
    big: fn(&BigInt, &BigInt) -> BigInt,
    float: fn(f64, f64) -> f64,
) -> VmResult<Prim> {
    if let Some((a, b)) = small_pair(vm, argc) {
        if let Some(r) = small(a, b) {
            return Ok(Prim::Value(vm.new_int(r)?));
        }
    }
    match args(vm, argc) {
        Some((a, Num::Int(b))) => Ok(Prim::Value(vm.new_integer(&big(&a, &b))?)),
        Some((a, Num::Float(b))) => Ok(Prim::Value(vm.new_double(float(to_f64(&a), b))?)),
        None => Ok(Prim::Fail(Fail::Primitive)),
    }
}

fn add(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    arith(vm, argc, i64::checked_add, |a, b| a + b, |a, b| a + b)
}

fn sub(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    arith(vm, argc, i64::checked_sub, |a, b| a - b, |a, b| a - b)
}

fn mul(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    arith(vm, argc, i64::checked_mul, |a, b| a * b, |a, b| a * b)
}

fn is_zero(n: &Num) -> bool {
    match n {
        Num::Int(b) => b.is_zero(),
        Num::Float(f) => *f == 0.0,
    }
}

fn quo(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some((a, b)) = args(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    if is_zero(&b) {
        return Ok(Prim::Fail(Fail::ZeroDivide));
    }
    match b {
        Num::Int(b) => Ok(Prim::Value(vm.new_integer(&(a / b))?)),
        Num::Float(f) => {
            let q = (to_f64(&a) / f).trunc();
            match BigInt::from_f64_checked(q) {
                Some(q) => Ok(Prim::Value(vm.new_integer(&q)?)),
                None => Ok(Prim::Fail(Fail::Primitive)),
            }
        }
    }
}

trait FromF64 {
    fn from_f64_checked(f: f64) -> Option<BigInt>;
}

impl FromF64 for BigInt {
    fn from_f64_checked(f: f64) -> Option<BigInt> {
        num_traits::FromPrimitive::from_f64(f)
    }
}

fn fdiv(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some((a, b)) = args(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    if is_zero(&b) {
        return Ok(Prim::Fail(Fail::ZeroDivide));
    }
    let d = match b {
        Num::Int(b) => to_f64(&b),
        Num::Float(f) => f,
    };
    Ok(Prim::Value(vm.new_double(to_f64(&a) / d)?))
}

fn modulo(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some((a, b)) = int_args(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    if b.is_zero() {
        return Ok(Prim::Fail(Fail::ZeroDivide));
    }
    Ok(Prim::Value(vm.new_integer(&a.mod_floor(&b))?))
}

fn rem(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some((a, b)) = int_args(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    if b.is_zero() {
        return Ok(Prim::Fail(Fail::ZeroDivide));
    }
    Ok(Prim::Value(vm.new_integer(&(a % b))?))
}

fn bitop(vm: &mut Vm, argc: usize, f: fn(&BigInt, &BigInt) -> BigInt) -> VmResult<Prim> {
    let Some((a, b)) = int_args(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(vm.new_integer(&f(&a, &b))?))
}

fn bit_and(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    bitop(vm, argc, |a, b| a & b)
}

fn bit_xor(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    bitop(vm, argc, |a, b| a ^ b)
}

fn bit_or(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    bitop(vm, argc, |a, b| a | b)
}

fn shift_count(vm: &Vm, argc: usize) -> Option<(BigInt, usize)> {
    let a = vm.integer_value(vm.receiver(argc))?;
    let n = vm.arg(argc, 0);
    (n.is_small_int() && n.as_small_int() >= 0 && n.as_small_int() < (1 << 24))
        .then(|| (a, n.as_small_int() as usize))
}

fn shl(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some((a, n)) = shift_count(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(vm.new_integer(&(a << n))?))
}

fn shr(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some((a, n)) = shift_count(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(vm.new_integer(&(a >> n))?))
}

fn lshr(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some((a, n)) = shift_count(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    if a.is_negative() {
        let Some(v) = a.to_i64() else {
            return Ok(Prim::Fail(Fail::Primitive));
        };
        let r = if n >= 64 { 0 } else { (v as u64) >> n };
        return Ok(Prim::Value(vm.new_integer(&BigInt::from(r))?));
    }
    Ok(Prim::Value(vm.new_integer(&(a >> n))?))
}

fn sqrt(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(a) = vm.integer_value(vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    if a.is_negative() {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let r = a.sqrt();
    if &r * &r == a {
        return Ok(Prim::Value(vm.new_integer(&r)?));
    }
    Ok(Prim::Value(vm.new_double(to_f64(&a).sqrt())?))
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

fn compare(
    vm: &mut Vm,
    argc: usize,
    int: fn(&BigInt, &BigInt) -> bool,
    float: fn(f64, f64) -> bool,
) -> VmResult<Prim> {
    if let Some((a, b)) = small_pair(vm, argc) {
        let (a, b) = (BigInt::from(a), BigInt::from(b));
        return Ok(Prim::Value(vm.boolean(int(&a, &b))));
    }
    match args(vm, argc) {
        Some((a, Num::Int(b))) => Ok(Prim::Value(vm.boolean(int(&a, &b)))),
        Some((a, Num::Float(b))) => Ok(Prim::Value(vm.boolean(float(to_f64(&a), b)))),
        None => Ok(Prim::Fail(Fail::Primitive)),
    }
}

fn eq(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    if args(vm, argc).is_none() {
        return Ok(Prim::Value(vm.s.specials.false_));
    }
    compare(vm, argc, |a, b| a == b, |a, b| a == b)
}

fn ne(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    if args(vm, argc).is_none() {
        return Ok(Prim::Value(vm.s.specials.true_));
    }
    compare(vm, argc, |a, b| a != b, |a, b| a != b)
}

fn lt(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    compare(vm, argc, |a, b| a < b, |a, b| a < b)
}

fn gt(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    compare(vm, argc, |a, b| a > b, |a, b| a > b)
}

fn ge(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    compare(vm, argc, |a, b| a >= b, |a, b| a >= b)
}

fn le(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    compare(vm, argc, |a, b| a <= b, |a, b| a <= b)
}

fn pick(vm: &mut Vm, argc: usize, want_max: bool) -> VmResult<Prim> {
    let (r, a) = (vm.receiver(argc), vm.arg(argc, 0));
    let Some((x, y)) = args(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let arg_bigger = match y {
        Num::Int(y) => y > x,
        Num::Float(y) => y > to_f64(&x),
    };
    Ok(Prim::Value(if arg_bigger == want_max { a } else { r }))
}

fn max(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    pick(vm, argc, true)
}

fn min(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    pick(vm, argc, false)
}

fn as_string(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(a) = vm.integer_value(vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(vm.new_string(a.to_string().as_bytes())?))
}

fn as_double(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(a) = vm.integer_value(vm.receiver(argc)) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(vm.new_double(to_f64(&a))?))
}

fn low_bits(vm: &Vm, argc: usize) -> Option<u64> {
    let a = vm.integer_value(vm.receiver(argc))?;
    let m: BigInt = a & BigInt::from(u64::MAX);
    m.to_u64()
}

fn as_i32(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(v) = low_bits(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(Oop::small_int(v as u32 as i32 as i64)))
}

fn as_u32(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(v) = low_bits(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(Oop::small_int(v as u32 as i64)))
}

fn from_string(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let s = vm.arg(argc, 0);
    if !vm.is_string(s) {
        return Ok(Prim::Value(vm.nil()));
    }
    let text = vm.text_of(s);
    match text.trim().parse::<BigInt>() {
        Ok(v) => Ok(Prim::Value(vm.new_integer(&v)?)),
        Err(_) => Ok(Prim::Value(vm.nil())),
    }
}
