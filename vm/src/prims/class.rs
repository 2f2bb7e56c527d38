//! Class and Method primitives: instantiation and reflection.

use cairn_gc::{ClassIndex, Format, Oop};

use super::{Fail, Prim, Table};
use crate::classes::Shape;
use crate::vm::{Vm, VmResult};

pub(super) const INSTANCE: Table = &[
    ("name", name),
    ("new", new),
    ("superclass", superclass),
    ("fields", fields),
    ("methods", methods),
];

pub(super) const METHOD: Table = &[
    ("signature", signature),
    ("holder", holder),
    ("invokeOn:with:", invoke_on_with),
];

fn receiver_class(vm: &Vm, argc: usize) -> Option<ClassIndex> {
    vm.class_index_of_class_object(vm.receiver(argc))
}

fn name(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(c) = receiver_class(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let n = vm.s.class(c).name.clone();
    Ok(Prim::Value(vm.symbol_for(&n)?))
}

fn new(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
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
    /// The heap `Method` (or `Primitive`) object of method `index`, made on first use;
    /// slot 0 holds the index.
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
        let o = self.alloc_old(class, Format::Fixed, 1, 0)?;
        self.heap.store(o, 0, Oop::small_int(index as i64));
        self.s.methods[index as usize].heap_object = o;
        Ok(o)
    }
}

fn method_index(vm: &Vm, argc: usize) -> u32 {
    vm.heap.fetch(vm.receiver(argc), 0).as_small_int() as u32
}

fn signature(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let sel = vm.s.methods[method_index(vm, argc) as usize].selector;
    Ok(Prim::Value(vm.symbol(sel)?))
}

fn holder(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let h = vm.s.methods[method_index(vm, argc) as usize].holder;
    Ok(Prim::Value(vm.heap.class_at(h)))
}

fn invoke_on_with(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let index = method_index(vm, argc);
    let (recv, args) = (vm.arg(argc, 0), vm.arg(argc, 1));
    let n = if vm.is_array(args) {
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
        let v = vm.heap.fetch(args, k);
        vm.push(v);
    }
    vm.invoke(index, n)?;
    Ok(Prim::Done)
}
