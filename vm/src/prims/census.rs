//! Reflection over the heap walk, for forensics without an IDE (issue 12): a class's
//! live instances (`Class>>allInstances`, `allSubInstances`, `instanceCount`), every
//! class (`System>>allClasses`) and the objects that refer to one
//! (`System>>pointersTo:`).
//!
//! Each runs a full collection and walks the heap (`Heap::walk_live`), so it sees
//! exactly the live objects. The answer is a fresh Array: the objects stay alive only
//! while the caller keeps it, and a Smalltalk enumeration over it (`allInstancesDo:`) is
//! safe while its block allocates. Oops found by the walk are held in the scratch roots
//! while that Array is allocated (allocation may move them).

use cairn_gc::{ClassIndex, Heap, Oop};

use super::class::receiver_class;
use super::{Fail, Prim};
use crate::vm::{Vm, VmResult};

/// An Array of every live object `keep` accepts: a full collection, then the walk.
fn live_objects(vm: &mut Vm, keep: impl Fn(&Heap, Oop) -> bool) -> VmResult<Oop> {
    vm.heap.full_collect(&mut vm.s, false);
    vm.note_collections();
    walked(vm, keep)
}

/// An Array of every object the walk meets that `keep` accepts (no collection first).
fn walked(vm: &mut Vm, keep: impl Fn(&Heap, Oop) -> bool) -> VmResult<Oop> {
    let mut found = Vec::new();
    vm.heap.walk(|heap, oop| {
        if keep(heap, oop) {
            found.push(oop);
        }
    });
    let base = vm.s.scratch.len();
    vm.s.scratch.extend(found);
    vm.new_array_from_scratch(base)
}

/// Per class index: is it `class` or one of its subclasses (metaclasses of subclasses
/// for a metaclass)?
fn subclass_table(vm: &Vm, class: ClassIndex) -> Vec<bool> {
    (0..vm.s.classes.len())
        .map(|i| vm.s.classes[i].is_some() && vm.inherits(ClassIndex(i as u32), class))
        .collect()
}

/// `Class>>allInstances`: the live instances of exactly this class.
pub(super) fn all_instances(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(class) = receiver_class(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    Ok(Prim::Value(live_objects(vm, |heap, o| {
        heap.class_index(o) == class
    })?))
}

/// `Class>>allSubInstances`: the live instances of this class and its subclasses
/// (`Object allSubInstances` is every live heap object).
pub(super) fn all_sub_instances(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(class) = receiver_class(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let table = subclass_table(vm, class);
    Ok(Prim::Value(live_objects(vm, |heap, o| {
        table
            .get(heap.class_index(o).index())
            .copied()
            .unwrap_or(false)
    })?))
}

/// `Class>>instanceCount`: how many live instances of exactly this class (no Array).
pub(super) fn instance_count(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let Some(class) = receiver_class(vm, argc) else {
        return Ok(Prim::Fail(Fail::Primitive));
    };
    let mut n: i64 = 0;
    vm.heap.walk_live(&mut vm.s, |heap, o| {
        if heap.class_index(o) == class {
            n += 1;
        }
    });
    Ok(Prim::Value(Oop::small_int(n)))
}

/// `System>>allClasses`: every class (not metaclass) the VM has loaded, in load order.
pub(super) fn all_classes(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    let base = vm.s.scratch.len();
    for i in 0..vm.s.classes.len() {
        if vm.s.classes[i].as_ref().is_some_and(|c| !c.is_meta) {
            let class = vm.heap.class_at(ClassIndex(i as u32));
            if class.is_ptr() {
                vm.s.scratch.push(class);
            }
        }
    }
    Ok(Prim::Value(vm.new_array_from_scratch(base)?))
}

/// `System>>globalNames`: the Symbols of the bound globals (classes loaded so far and
/// values stored with `Smalltalk at:put:`), in no particular order.
pub(super) fn global_names(vm: &mut Vm, _argc: usize) -> VmResult<Prim> {
    let ids: Vec<u32> = (0..vm.s.global_slot.len())
        .filter(|&id| {
            let slot = vm.s.global_slot[id];
            slot != u32::MAX && vm.s.global_bound[slot as usize]
        })
        .map(|id| id as u32)
        .collect();
    Ok(Prim::Value(vm.new_array_of(ids, |vm, id| vm.symbol(id))?))
}

/// `System>>pointersTo: anObject`: the live objects with a pointer slot (a field, an
/// element, a literal) holding `anObject` (the stack is not an object: a method's
/// temporaries do not count). An immediate has no identity to search for: the answer
/// is empty.
pub(super) fn pointers_to(vm: &mut Vm, argc: usize) -> VmResult<Prim> {
    let target = vm.arg(argc, 0);
    if !target.is_ptr() {
        return Ok(Prim::Value(vm.new_array(0)?));
    }
    // The collection may move the target (out of the nursery): read it again after.
    vm.heap.full_collect(&mut vm.s, false);
    vm.note_collections();
    let target = vm.arg(argc, 0);
    Ok(Prim::Value(walked(vm, |heap, o| {
        (0..heap.slot_count(o)).any(|i| heap.fetch(o, i) == target)
    })?))
}
