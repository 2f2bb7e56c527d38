//! Primitives, grouped by the class that declares them: one module per class, each with
//! a table of [`PrimDef`]s (selector, function, receiver and argument kinds) for the
//! instance side and one for the class side. `docs/design/primitives.md` is the
//! contract; [`find`] binds a kernel method declared `primitive` to its definition when
//! the class is loaded, and `Vm::invoke` checks the receiver and arguments against it
//! ([`spec`]) before the function runs.
//!
//! A primitive finds its receiver and arguments on the stack (`Vm::peek`), and answers
//! [`Prim::Value`] (replacing them), [`Prim::Done`] (it arranged the stack itself, e.g.
//! by pushing a frame or sending), or [`Prim::Fail`] (the engine then sends
//! `signalFailureOf:receiver:arguments:` to the named exception class).

mod array;
mod block;
mod census;
mod character;
mod class;
mod exception;
mod io;
mod number;
mod object;
mod process;
mod spec;
mod string;
mod system;

pub(crate) use block::is_block_value;

/// Which of the primitives compiled code does inline `def` is, if any
/// (`tier::view::InlinePrim`).
pub(crate) fn inline_prim(def: &PrimDef) -> Option<crate::tier::view::InlinePrim> {
    use crate::tier::view::InlinePrim as I;
    let inline: [(PrimFn, I); 5] = [
        (array::length, I::ArrayLength),
        (string::length, I::ByteLength),
        (string::char_at, I::CharAt),
        (number::max, I::Max),
        (number::min, I::Min),
    ];
    inline
        .iter()
        .find(|(f, _)| std::ptr::fn_addr_eq(*f, def.f))
        .map(|&(_, p)| p)
}

/// Which primitive compiled code does inline, given the receiver's class, when `def`
/// runs on a receiver of class `receiver_class`, if any: for a metaclass (the receiver
/// is its one instance), `Class>>new` of a class with named slots only (at most `INLINE_NEW_SLOTS`), and
/// `Array class>>new:` of a class with indexed pointer slots only. The instance's class
/// index and shape are bound when the method compiles (classes are never redefined in
/// a running VM; docs/design/jit.md §8 says what a shape migration must discard).
pub(crate) fn inline_by_class(
    vm: &Vm,
    def: &PrimDef,
    receiver_class: u32,
) -> Option<crate::tier::view::InlinePrim> {
    use crate::classes::Shape;
    use crate::tier::view::InlinePrim as I;
    let meta = vm.s.classes.get(receiver_class as usize)?.as_ref()?;
    let instance = meta.instance?;
    let info = vm.s.class(instance);
    if std::ptr::fn_addr_eq(def.f, class::new as PrimFn) {
        let fixed = info.fields.len();
        (info.shape == Shape::Fixed && fixed <= INLINE_NEW_SLOTS).then_some(I::New {
            class: instance.0,
            fixed: fixed as u8,
        })
    } else if std::ptr::fn_addr_eq(def.f, array::new as PrimFn) {
        (info.shape == Shape::Indexable && info.fields.is_empty())
            .then_some(I::NewArray { class: instance.0 })
    } else {
        None
    }
}

/// The most named slots an inline `new` fills (one store each).
const INLINE_NEW_SLOTS: usize = 32;

pub(crate) use spec::{def, Kind, PrimDef};

use cairn_gc::Oop;

use crate::vm::{Vm, VmResult};

/// What a primitive did.
pub enum Prim {
    /// Answer this value.
    Value(Oop),
    /// The stack and frames are already arranged.
    Done,
    /// Failed: signal the named failure.
    Fail(Fail),
}

/// Which exception a failure signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fail {
    /// PrimitiveFailed.
    Primitive,
    /// SubscriptOutOfBounds.
    Bounds,
    /// ZeroDivide.
    ZeroDivide,
}

/// A primitive: receives the VM and the argument count.
pub type PrimFn = fn(&mut Vm, usize) -> VmResult<Prim>;

/// A table of one side of one class.
pub(crate) type Table = &'static [PrimDef];

/// (class name, instance side, class side)
const TABLES: &[(&str, Table, Table)] = &[
    ("Object", object::INSTANCE, &[]),
    ("ObjectProtocol", object::PROTOCOL, &[]),
    ("Class", class::INSTANCE, &[]),
    ("Method", class::METHOD, &[]),
    ("Primitive", class::METHOD, &[]),
    ("Block", block::BLOCK, &[]),
    ("Character", character::INSTANCE, character::CLASS),
    ("Block1", block::BLOCK1, &[]),
    ("Block2", block::BLOCK2, &[]),
    ("Block3", block::BLOCK3, &[]),
    ("Exception", exception::INSTANCE, &[]),
    ("Integer", number::INTEGER, number::INTEGER_CLASS),
    ("Double", number::DOUBLE, number::DOUBLE_CLASS),
    ("String", string::INSTANCE, string::CLASS),
    ("Symbol", string::SYMBOL, &[]),
    ("Array", array::INSTANCE, array::CLASS),
    ("System", system::INSTANCE, &[]),
    ("Process", process::PROCESS, &[]),
    ("Processor", &[], process::PROCESSOR_CLASS),
    ("Semaphore", process::SEMAPHORE, &[]),
    ("Io", &[], io::IO_CLASS),
];

/// The primitive `class>>selector` (class side when `meta`), if the engine has it.
pub fn find(class: &str, meta: bool, selector: &str) -> Option<&'static PrimDef> {
    let (_, inst, cls) = TABLES.iter().find(|(c, _, _)| *c == class)?;
    let table = if meta { cls } else { inst };
    table.iter().find(|d| d.selector == selector)
}

/// Every primitive the engine implements, as (class, class side, selector), including
/// the marked methods the loader gives VM-defined bodies (`Block>>on:do:` ...).
pub fn implemented() -> Vec<(&'static str, bool, &'static str)> {
    let mut out = Vec::new();
    for (class, inst, cls) in TABLES {
        out.extend(inst.iter().map(|d| (*class, false, d.selector)));
        out.extend(cls.iter().map(|d| (*class, true, d.selector)));
    }
    out.extend(
        crate::loader::MARKED_SELECTORS
            .iter()
            .map(|s| ("Block", false, *s)),
    );
    out
}

impl Vm {
    /// The receiver of a primitive with `argc` arguments.
    #[inline(always)]
    pub(crate) fn receiver(&self, argc: usize) -> Oop {
        self.peek(argc)
    }

    /// Argument `i` (0-based) of a primitive with `argc` arguments.
    #[inline(always)]
    pub(crate) fn arg(&self, argc: usize, i: usize) -> Oop {
        self.peek(argc - 1 - i)
    }
}

/// Indexed element `k` (0-based, below `indexable_len`) of an object of kind
/// [`Kind::Array`]: its indexed slots follow its named fields.
pub(crate) fn element(vm: &Vm, array: Oop, k: usize) -> Oop {
    vm.heap.fetch(array, vm.heap.fixed_slot_count(array) + k)
}

/// Answers a SmallInteger-or-fail index argument as a usize in 1..=len (0-based result).
pub(crate) fn index_arg(v: Oop, len: usize) -> Result<usize, Fail> {
    if !v.is_small_int() {
        return Err(Fail::Primitive);
    }
    let i = v.as_small_int();
    if i < 1 || i as usize > len {
        return Err(Fail::Bounds);
    }
    Ok(i as usize - 1)
}
