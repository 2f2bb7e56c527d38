//! String and Symbol primitives (byte strings).

use cairn_gc::Oop;

use super::{def, index_arg, Fail, Kind, Prim, Table};
use crate::vm::{Vm, VmResult};

use Kind::{Any, SmallInt, String as Str, Symbol};

pub(super) const INSTANCE: Table = &[
    def("concatenate:", Str, &[Str], concatenate),
    def("asSymbol", Str, &[], as_symbol),
    def("hashcode", Str, &[], hashcode),
    def("length", Str, &[], length),
    def("isWhiteSpace", Str, &[], is_white_space),
    def("isLetters", Str, &[], is_letters),
    def("isDigits", Str, &[], is_digits),
    def("=", Str, &[Any], eq),
    def(
        "primSubstringFrom:to:",
        Str,
        &[SmallInt, SmallInt],
        substring,
    ),
    def("charAt:", Str, &[SmallInt], char_at),
    def("charCodeAt:", Str, &[SmallInt], char_code_at),
];

pub(super) const CLASS: Table = &[
    def("withCharCode:", Any, &[SmallInt], with_char_code),
    def(
        "fromParts:count:",
        Any,
        &[Kind::Array, SmallInt],
        from_parts,
    ),
];

pub(super) const SYMBOL: Table = &[def("asString", Symbol, &[], as_string)];

fn concatenate(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let (a, b) = (vm.receiver(argc), vm.arg(argc, 0));
    if !vm.is_byte_string(b) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let mut bytes = vm.bytes_of(a).to_vec();
    bytes.extend_from_slice(vm.bytes_of(b));
    Ok(Prim::Value(vm.new_string(&bytes)?))
}

/// `String class>>fromParts: anArray count: n`: one new String holding the first n
/// elements of anArray (each a String or Symbol) one after another, in one pass.
fn from_parts(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let (parts, n) = (vm.arg(argc, 0), vm.arg(argc, 1).as_small_int());
    let len = vm.heap.indexable_len(parts);
    let Ok(n) = usize::try_from(n) else {
        return Ok(Prim::Fail(Fail::Bounds));
    };
    if n > len {
        return Ok(Prim::Fail(Fail::Bounds));
    }
    let base = vm.heap.fixed_slot_count(parts);
    let mut total = 0;
    for i in 0..n {
        let part = vm.heap.fetch(parts, base + i);
        if !vm.is_byte_string(part) {
            return Ok(Prim::Fail(Fail::Primitive));
        }
        total += vm.bytes_of(part).len();
    }
    let mut bytes = Vec::with_capacity(total);
    for i in 0..n {
        bytes.extend_from_slice(vm.bytes_of(vm.heap.fetch(parts, base + i)));
    }
    Ok(Prim::Value(vm.new_string(&bytes)?))
}

fn as_symbol(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    if vm.is_symbol(r) {
        return Ok(Prim::Value(r));
    }
    let text = vm.text_of(r);
    Ok(Prim::Value(vm.intern_symbol(&text)?))
}

fn as_string(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let bytes = vm.bytes_of(vm.receiver(argc)).to_vec();
    Ok(Prim::Value(vm.new_string(&bytes)?))
}

fn hashcode(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    // FNV-1a over the bytes, kept positive and SmallInteger-sized.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in vm.bytes_of(vm.receiver(argc)) {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    Ok(Prim::Value(Oop::small_int((h & 0x3FFF_FFFF) as i64)))
}

pub(super) fn length(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    Ok(Prim::Value(Oop::small_int(
        vm.bytes_of(vm.receiver(argc)).len() as i64,
    )))
}

fn all(vm: &mut Vm, argc: usize, f: fn(&u8) -> bool) -> VmResult<Prim> {
    let b = vm.bytes_of(vm.receiver(argc));
    let r = !b.is_empty() && b.iter().all(f);
    Ok(Prim::Value(vm.boolean(r)))
}

fn is_white_space(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    all(vm, argc, u8::is_ascii_whitespace)
}
fn is_letters(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    all(vm, argc, u8::is_ascii_alphabetic)
}
fn is_digits(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    all(vm, argc, u8::is_ascii_digit)
}

fn eq(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let (a, b) = (vm.receiver(argc), vm.arg(argc, 0));
    let r = a == b
        || (vm.is_byte_string(b)
            && !(vm.is_symbol(a) && vm.is_symbol(b))
            && same_bytes(vm.bytes_of(a), vm.bytes_of(b)));
    Ok(Prim::Value(vm.boolean(r)))
}

/// Byte equality without a `memcmp` call for the short strings that dominate.
#[inline]
fn same_bytes(x: &[u8], y: &[u8]) -> bool {
    if x.len() != y.len() {
        false
    } else if x.len() <= 16 {
        x.iter().zip(y).all(|(p, q)| p == q)
    } else {
        x == y
    }
}

fn substring(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    let (s, e) = (vm.arg(argc, 0), vm.arg(argc, 1));
    if !s.is_small_int() || !e.is_small_int() {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let len = vm.bytes_of(r).len() as i64;
    let (s, e) = (s.as_small_int(), e.as_small_int());
    if s < 1 || e > len || e < s - 1 {
        return Ok(Prim::Fail(Fail::Bounds));
    }
    let bytes = vm.bytes_of(r)[(s - 1) as usize..e as usize].to_vec();
    Ok(Prim::Value(vm.new_string(&bytes)?))
}

/// Compiled code does it inline (`InlinePrim::CharAt`).
pub(super) fn char_at(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    match index_arg(vm.arg(argc, 0), vm.bytes_of(r).len()) {
        Ok(i) => Ok(Prim::Value(vm.char_string(vm.bytes_of(r)[i]))),
        Err(f) => Ok(Prim::Fail(f)),
    }
}

fn char_code_at(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    match index_arg(vm.arg(argc, 0), vm.bytes_of(r).len()) {
        Ok(i) => Ok(Prim::Value(Oop::small_int(vm.bytes_of(r)[i] as i64))),
        Err(f) => Ok(Prim::Fail(f)),
    }
}

fn with_char_code(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let c = vm.arg(argc, 0);
    if !c.is_small_int() || !(0..=255).contains(&c.as_small_int()) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    Ok(Prim::Value(vm.char_string(c.as_small_int() as u8)))
}
