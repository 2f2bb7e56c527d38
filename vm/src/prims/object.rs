//! Object and ObjectProtocol primitives: identity, class, hashing, reflection on fields,
//! `perform:` and copying.

use cairn_gc::{Format, Oop};

use super::{def, element, index_arg, Fail, Kind, Prim, Table};
use crate::vm::{Vm, VmResult};

use Kind::{Any, Array, Class, SmallInt, String, Symbol};

pub(super) const INSTANCE: Table = &[
    def("class", Any, &[], class),
    def("objectSize", Any, &[], object_size),
    def("==", Any, &[Any], identical),
    def("hashcode", Any, &[], hashcode),
    def("inspect", Any, &[], inspect),
    def("halt", Any, &[], halt),
    def("perform:", Any, &[Symbol], perform),
    def(
        "perform:withArguments:",
        Any,
        &[Symbol, Array],
        perform_with_arguments,
    ),
    def(
        "perform:inSuperclass:",
        Any,
        &[Symbol, Class],
        perform_in_superclass,
    ),
    def(
        "perform:withArguments:inSuperclass:",
        Any,
        &[Symbol, Array, Class],
        perform_with_arguments_in_superclass,
    ),
    def("instVarAt:", Any, &[SmallInt], inst_var_at),
    def("instVarAt:put:", Any, &[SmallInt, Any], inst_var_at_put),
    def("instVarNamed:", Any, &[String], inst_var_named),
];

pub(super) const PROTOCOL: Table = &[
    def("identityHash", Any, &[], hashcode),
    def("shallowCopy", Any, &[], shallow_copy),
    def("become:", Any, &[Any], become_),
];

fn class(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    let c = vm.class_of(r);
    Ok(Prim::Value(vm.heap.class_at(c)))
}

fn object_size(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    let size = if r.is_ptr() {
        let f = vm.heap.format(r);
        let body = vm.heap.slot_count(r) * 8 + vm.heap.indexable_len(r) * f.element_bytes();
        8 + body
    } else {
        0
    };
    Ok(Prim::Value(Oop::small_int(size as i64)))
}

fn identical(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let (a, b) = (vm.receiver(argc), vm.arg(argc, 0));
    let same = a == b || (a.is_ptr() && b.is_ptr() && vm.same_boxed_number(a, b));
    Ok(Prim::Value(vm.boolean(same)))
}

fn hashcode(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    let h = vm.heap.identity_hash(r) & 0x3FFF_FFFF;
    Ok(Prim::Value(Oop::small_int(h as i64)))
}

fn inspect(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    let c = vm.class_of(r);
    let info = vm.s.class(c);
    let mut out = format!("{}\n", info.name);
    for (i, name) in info.fields.iter().enumerate().take(field_count(vm, r)) {
        let v = vm.heap.fetch(r, i);
        out.push_str(&format!("{name}: {}\n", vm.s.class(vm.class_of(v)).name));
    }
    print!("{out}");
    Ok(Prim::Value(r))
}

fn halt(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    eprintln!("halt");
    vm.print_stack_trace();
    Ok(Prim::Value(vm.receiver(argc)))
}

/// Rearranges `[recv sym args...]` into `[recv args...]` and sends.
fn perform_common(
    vm: &mut Vm,
    argc: usize,
    spread: Option<usize>,
    in_class: Option<usize>,
) -> VmResult<Prim> {
    let sym = vm.arg(argc, 0);
    if !vm.is_symbol(sym) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let selector = vm.symbol_id_of(sym);
    let arity = crate::syntax::ast::selector_arity(vm.symbol_name(selector));
    // The lookup may start only at the receiver's class or one of its superclasses:
    // a method found above any other class could assume fields the receiver lacks.
    let start = match in_class {
        Some(i) => match vm.class_index_of_class_object(vm.arg(argc, i)) {
            Some(c) if vm.inherits(vm.class_of(vm.receiver(argc)), c) => Some(c),
            _ => return Ok(Prim::Fail(Fail::Primitive)),
        },
        None => None,
    };
    let base = vm.s.sp - argc - 1;
    let n = match spread {
        Some(i) => {
            let array = vm.arg(argc, i);
            let n = vm.heap.indexable_len(array);
            if n != arity {
                return Ok(Prim::Fail(Fail::Primitive));
            }
            vm.reserve_stack(n)?;
            vm.s.sp = base + 1;
            for k in 0..n {
                let v = element(vm, array, k);
                vm.push(v);
            }
            n
        }
        None => {
            if arity != argc - 1 - in_class.is_some() as usize {
                return Ok(Prim::Fail(Fail::Primitive));
            }
            // Shift the arguments down over the selector.
            for k in 0..arity {
                vm.s.stack[base + 1 + k] = vm.s.stack[base + 2 + k];
            }
            vm.s.sp = base + 1 + arity;
            arity
        }
    };
    match start {
        Some(c) => vm.send_selector_in(c, selector, n)?,
        None => vm.send_selector(selector, n)?,
    }
    Ok(Prim::Done)
}

fn perform(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    perform_common(vm, argc, None, None)
}

fn perform_with_arguments(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    perform_common(vm, argc, Some(1), None)
}

fn perform_in_superclass(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    perform_common(vm, argc, None, Some(1))
}

fn perform_with_arguments_in_superclass(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    perform_common(vm, argc, Some(1), Some(2))
}

/// Named fields reflection may read and write: the fields the receiver's class declares
/// (inherited first), which its named slots hold. Immediates, byte and word objects,
/// closures and methods (whose classes declare none) have none, so the engine's own
/// slots (a closure's method index, a method's literals) are out of reflection's reach.
fn field_count(vm: &Vm, r: Oop) -> usize {
    if !r.is_ptr() || !vm.heap.format(r).is_pointers() {
        return 0;
    }
    let declared = vm.s.class(vm.class_of(r)).fields.len();
    declared.min(vm.heap.fixed_slot_count(r))
}

fn inst_var_at(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    match index_arg(vm.arg(argc, 0), field_count(vm, r)) {
        Ok(i) => Ok(Prim::Value(vm.heap.fetch(r, i))),
        Err(f) => Ok(Prim::Fail(f)),
    }
}

fn inst_var_at_put(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    let v = vm.arg(argc, 1);
    match index_arg(vm.arg(argc, 0), field_count(vm, r)) {
        Ok(i) => {
            vm.heap.store(r, i, v);
            Ok(Prim::Value(v))
        }
        Err(f) => Ok(Prim::Fail(f)),
    }
}

fn inst_var_named(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    let name = vm.arg(argc, 0);
    if !vm.is_byte_string(name) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let name = vm.text_of(name);
    let c = vm.class_of(r);
    match vm.s.class(c).fields.iter().position(|f| *f == name) {
        Some(i) if i < field_count(vm, r) => Ok(Prim::Value(vm.heap.fetch(r, i))),
        _ => Ok(Prim::Fail(Fail::Primitive)),
    }
}

fn shallow_copy(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    // Objects with an identity the engine relies on are their own copy: immediates,
    // Symbols (unique per content), nil, true, false, the system object, classes and
    // metaclasses (one per class index), methods (one per installed method).
    if !r.is_ptr()
        || vm.is_symbol(r)
        || r == vm.nil()
        || r == vm.s.specials.true_
        || r == vm.s.specials.false_
        || r == vm.s.specials.system
        || vm.heap.format(r) == Format::CompiledCode
        || vm.class_index_of_class_object(r).is_some()
    {
        return Ok(Prim::Value(r));
    }
    let class = vm.class_of(r);
    let format = vm.heap.format(r);
    let fixed = vm.heap.fixed_slot_count(r);
    let len = vm.heap.indexable_len(r);
    let copy = vm.alloc(class, format, fixed, len)?;
    let r = vm.receiver(argc);
    if format.is_pointers() {
        for i in 0..vm.heap.slot_count(r) {
            let v = vm.heap.fetch(r, i);
            vm.heap.store(copy, i, v);
        }
    }
    if format.element_bytes() > 0 && format != Format::CompiledCode {
        let bytes = vm.heap.bytes(r).to_vec();
        vm.heap.bytes_mut(copy).copy_from_slice(&bytes);
    }
    Ok(Prim::Value(copy))
}

fn become_(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let (a, b) = (vm.receiver(argc), vm.arg(argc, 0));
    match vm.become_swap_checked(a, b) {
        Ok(()) => Ok(Prim::Value(vm.receiver(argc))),
        Err(_) => Ok(Prim::Fail(Fail::Primitive)),
    }
}
