//! Object and ObjectProtocol primitives: identity, class, hashing, reflection on fields,
//! `perform:` and copying.

use cairn_gc::{Format, Oop};

use super::{index_arg, Fail, Prim, Table};
use crate::vm::{Vm, VmResult};

pub(super) const INSTANCE: Table = &[
    ("class", class),
    ("objectSize", object_size),
    ("==", identical),
    ("hashcode", hashcode),
    ("inspect", inspect),
    ("halt", halt),
    ("perform:", perform),
    ("perform:withArguments:", perform_with_arguments),
    ("perform:inSuperclass:", perform_in_superclass),
    (
        "perform:withArguments:inSuperclass:",
        perform_with_arguments_in_superclass,
    ),
    ("instVarAt:", inst_var_at),
    ("instVarAt:put:", inst_var_at_put),
    ("instVarNamed:", inst_var_named),
];

pub(super) const PROTOCOL: Table = &[
    ("identityHash", hashcode),
    ("shallowCopy", shallow_copy),
    ("become:", become_),
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
    if r.is_ptr() {
        for (i, name) in info.fields.iter().enumerate() {
            let v = vm.heap.fetch(r, i);
            out.push_str(&format!("{name}: {}\n", vm.s.class(vm.class_of(v)).name));
        }
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
    let start = match in_class {
        Some(i) => match vm.class_index_of_class_object(vm.arg(argc, i)) {
            Some(c) => Some(c),
            None => return Ok(Prim::Fail(Fail::Primitive)),
        },
        None => None,
    };
    let base = vm.s.sp - argc - 1;
    let n = match spread {
        Some(i) => {
            let array = vm.arg(argc, i);
            if !vm.is_array(array) {
                return Ok(Prim::Fail(Fail::Primitive));
            }
            let n = vm.heap.indexable_len(array);
            if n != arity {
                return Ok(Prim::Fail(Fail::Primitive));
            }
            vm.reserve_stack(n)?;
            vm.s.sp = base + 1;
            for k in 0..n {
                let v = vm.heap.fetch(array, k);
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

fn field_count(vm: &Vm, r: Oop) -> usize {
    if r.is_ptr() {
        vm.heap.fixed_slot_count(r)
    } else {
        0
    }
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
    if !vm.is_string(name) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let name = vm.text_of(name);
    let c = vm.class_of(r);
    match vm.s.class(c).fields.iter().position(|f| *f == name) {
        Some(i) if r.is_ptr() => Ok(Prim::Value(vm.heap.fetch(r, i))),
        _ => Ok(Prim::Fail(Fail::Primitive)),
    }
}

fn shallow_copy(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let r = vm.receiver(argc);
    if !r.is_ptr()
        || vm.is_symbol(r)
        || r == vm.nil()
        || r == vm.s.specials.true_
        || r == vm.s.specials.false_
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
