//! Class and Method primitives: instantiation and reflection.

use cairn_gc::{ClassIndex, Format, Oop};

use super::{def, element, Fail, Kind, Prim, Table};
use crate::classes::Shape;
use crate::vm::{Vm, VmResult};

pub(super) const INSTANCE: Table = &[
    def("name", Kind::Class, &[], name),
    def("new", Kind::Class, &[], new),
    def("superclass", Kind::Class, &[], superclass),
    def("fields", Kind::Class, &[], fields),
    def("methods", Kind::Class, &[], methods),
    def(
        "allInstances",
        Kind::Class,
        &[],
        super::census::all_instances,
    ),
    def(
        "allSubInstances",
        Kind::Class,
        &[],
        super::census::all_sub_instances,
    ),
    def(
        "instanceCount",
        Kind::Class,
        &[],
        super::census::instance_count,
    ),
];

pub(super) const METHOD: Table = &[
    def("signature", Kind::Method, &[], signature),
    def("holder", Kind::Method, &[], holder),
    def(
        "invokeOn:with:",
        Kind::Method,
        &[Kind::Any, Kind::Any],
        invoke_on_with,
    ),
];

/// Pointer slots of a method object before its literals: index, selector, holder.
const METHOD_LITERALS: usize = 3;

/// The class a class-side primitive runs on (its receiver), if it is one.
pub(super) fn receiver_class(vm: &Vm, argc: usize) -> Option<ClassIndex> {
    vm.class_index_of_class_object(vm.receiver(argc))
}

fn name(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(c) = receiver_class(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let n = vm.s.class(c).name.clone();
    Ok(Prim::Value(vm.symbol_for(&n)?))
}

/// Compiled code may do it inline (`prims::inline_by_class`).
pub(super) fn new(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(c) = receiver_class(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let info = vm.s.class(c);
    if info.shape == Shape::Special {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    let (format, fixed, len) = info.instance_format(0);
    Ok(Prim::Value(vm.alloc(c, format, fixed, len)?))
}

fn superclass(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(c) = receiver_class(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(match vm.s.class(c).superclass {
        Some(s) => vm.heap.class_at(s),
        None => vm.nil(),
    }))
}

fn fields(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(c) = receiver_class(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let names = vm.s.class(c).fields.clone();
    let base = vm.s.scratch.len();
    for n in &names {
        let s = vm.symbol_for(n)?;
        vm.s.scratch.push(s);
    }
    Ok(Prim::Value(vm.new_array_from_scratch(base)?))
}

fn methods(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(c) = receiver_class(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let order = vm.s.class(c).method_order.clone();
    let base = vm.s.scratch.len();
    for m in order {
        let o = vm.method_object(m)?;
        vm.s.scratch.push(o);
    }
    Ok(Prim::Value(vm.new_array_from_scratch(base)?))
}

impl Vm {
    /// The heap `Method` (or `Primitive`) object of method `index`: a compiled-code
    /// object whose pointer slots are the method index, the selector, the holder and
    /// the literals, and whose bytes are the bytecodes (made when the method is
    /// installed; see docs/design/interpreter.md).
    pub(crate) fn method_object(&mut self, index: u32) -> VmResult<Oop> {
        let existing = self.s.methods[index as usize].heap_object;
        if existing.is_ptr() {
            return Ok(existing);
        }
        let is_prim = matches!(
            self.s.methods[index as usize].kind,
            crate::methods::MethodKind::Primitive(_) | crate::methods::MethodKind::MissingPrimitive
        );
        let class = ClassIndex(if is_prim {
            self.s.known.primitive
        } else {
            self.s.known.method
        });
        let selector = self.symbol(self.s.methods[index as usize].selector)?;
        self.s.scratch.push(selector);
        let (n_literals, n_bytes) = {
            let m = &self.s.methods[index as usize];
            (m.literals.len(), m.code.len())
        };
        let o = self.alloc_old(
            class,
            Format::CompiledCode,
            METHOD_LITERALS + n_literals,
            n_bytes,
        )?;
        let selector = self.s.scratch.pop().expect("pushed above");
        let holder = self.heap.class_at(self.s.methods[index as usize].holder);
        self.heap.store(o, 0, Oop::small_int(index as i64));
        self.heap.store(o, 1, selector);
        self.heap.store(o, 2, holder);
        for i in 0..n_literals {
            let lit = self.s.methods[index as usize].literals[i];
            self.heap.store(o, METHOD_LITERALS + i, lit);
        }
        let code = self.s.methods[index as usize].code.clone();
        self.heap.bytes_mut(o).copy_from_slice(&code);
        self.s.methods[index as usize].heap_object = o;
        self.s.note_method_roots(index);
        Ok(o)
    }
}

/// The method index a Method/Primitive receiver names, if it is one this VM installed
/// and the object is the one it made for it (not a copy, not altered).
fn method_index(vm: &Vm, argc: usize) -> Option<u32> {
    let m = vm.receiver(argc);
    let i = vm.heap.try_fetch(m, 0)?;
    if !i.is_small_int() {
        return None;
    }
    let i = u32::try_from(i.as_small_int()).ok()?;
    let info = vm.s.methods.get(i as usize)?;
    (info.heap_object == m).then_some(i)
}

fn signature(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(index) = method_index(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let sel = vm.s.methods[index as usize].selector;
    Ok(Prim::Value(vm.symbol(sel)?))
}

fn holder(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(index) = method_index(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let h = vm.s.methods[index as usize].holder;
    Ok(Prim::Value(vm.heap.class_at(h)))
}

fn invoke_on_with(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(index) = method_index(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let (recv, args) = (vm.arg(argc, 0), vm.arg(argc, 1));
    let n = if vm.is_kind(args, Kind::Array) {
        vm.heap.indexable_len(args)
    } else if args == vm.nil() {
        0
    } else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    if n != vm.s.methods[index as usize].num_args {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    // The receiver need not be an instance of the holder (primitives.md), but a method
    // that touches instance variables needs one: the interpreter relies on it.
    let holder = vm.s.methods[index as usize].holder;
    if vm.s.methods[index as usize].uses_fields && !vm.inherits(vm.class_of(recv), holder) {
        return Ok(Prim::Fail(Fail::Primitive));
    }
    vm.reserve_stack(n)?;
    let base = vm.s.sp - argc - 1;
    vm.s.sp = base;
    vm.push(recv);
    for k in 0..n {
        let v = element(vm, args, k);
        vm.push(v);
    }
    vm.invoke(index, n)?;
    Ok(Prim::Done)
}
