//! The primitive decoding layer: what each primitive accepts, and the one check that
//! runs before any primitive touches its receiver or arguments.
//!
//! Every table entry is a [`PrimDef`]: the selector, the function, the [`Kind`] of the
//! receiver and one [`Kind`] per argument. [`Vm::admits`] compares the values on the
//! stack with the definition (immediate tag, class index, object format: a few
//! instructions, no hashing, no allocation); `Vm::invoke` calls it for every primitive,
//! whatever the route (a send from the interpreter, `perform:` and its family,
//! `Method>>invokeOn:with:`), and a mismatch is `Fail::Primitive`, signalled through
//! `signalFailureOf:receiver:arguments:` like any other failure. So a primitive function
//! may rely on its receiver and arguments having the declared shapes; it still checks
//! values (ranges, indices via `index_arg`). See docs/design/primitives.md.

use cairn_gc::{ClassIndex, Format, Oop};

use crate::classes::Shape;

use super::PrimFn;
use crate::vm::Vm;

/// The shape a primitive requires of its receiver or of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Anything (the primitive reads no memory through it, or checks it itself).
    Any,
    /// A SmallInteger.
    SmallInt,
    /// A SmallInteger or a LargeInteger (class Integer, byte format, sign byte first).
    Integer,
    /// A Double: immediate, or boxed (class Double, one 64-bit word).
    Double,
    /// An Integer or a Double.
    Number,
    /// A Character (immediate).
    Character,
    /// A byte string: String, Symbol or an instance of a String subclass (byte format,
    /// not a LargeInteger; classes with byte instances cannot declare fields).
    String,
    /// A Symbol.
    Symbol,
    /// An object with indexed pointer slots (Array, WeakArray and their subclasses;
    /// a WeakArray's slots read as nil once the collector cleared them).
    Array,
    /// A class or a metaclass.
    Class,
    /// A Method or Primitive object (compiled-code format).
    Method,
    /// A block closure (Block1, Block2, Block3). Only a first filter: a primitive that
    /// declares it must validate the block itself before running it (`block_arity`),
    /// so a send skips this check (`receiver_implied`).
    Block,
    /// An Exception (or subclass) instance with the engine's four fields.
    Exception,
    /// The `system` object.
    System,
    /// A Process (or subclass) instance with the engine's three fields.
    Process,
    /// A Semaphore (or subclass) instance with the engine's two fields.
    Semaphore,
}

/// One primitive: selector, function and the kinds it accepts.
pub struct PrimDef {
    /// The selector, named once (error messages come from the method's selector).
    pub selector: &'static str,
    /// The function, called only after [`Vm::admits`].
    pub f: PrimFn,
    /// What the receiver must be.
    pub receiver: Kind,
    /// What each argument must be; its length is the primitive's argument count.
    pub args: &'static [Kind],
}

/// A table entry (const, so tables stay static data).
pub(crate) const fn def(
    selector: &'static str,
    receiver: Kind,
    args: &'static [Kind],
    f: PrimFn,
) -> PrimDef {
    PrimDef {
        selector,
        f,
        receiver,
        args,
    }
}

/// Fields every Exception has first (messageText signalFrame handlerFrame vmState).
pub(crate) const EXCEPTION_FIELDS: usize = 4;
/// Fields every Process has first (vmState priority name).
pub(crate) const PROCESS_FIELDS: usize = 3;
/// Fields every Semaphore has first (excessSignals vmState).
pub(crate) const SEMAPHORE_FIELDS: usize = 2;

/// The kernel class and engine field count of a fixed-shape kind.
fn kernel_fixed(kind: Kind, known: &crate::state::Known) -> (u32, usize) {
    match kind {
        Kind::Process => (known.process, PROCESS_FIELDS),
        _ => (known.semaphore, SEMAPHORE_FIELDS),
    }
}

impl Vm {
    /// True when the receiver and the `argc` arguments on top of the stack have the
    /// shapes `def` declares. The only gate in front of a primitive function.
    /// `receiver_known`: the caller found the method from the receiver's class and the
    /// holder implies the kind ([`receiver_implied`]), so only the arguments are checked.
    #[inline(always)]
    pub(crate) fn admits(&self, def: &PrimDef, argc: usize, receiver_known: bool) -> bool {
        if argc != def.args.len()
            || (!receiver_known && !self.is_kind(self.receiver(argc), def.receiver))
        {
            return false;
        }
        // A plain loop: the iterator chain was not inlined on the send path.
        let mut i = 0;
        while i < argc {
            if !self.is_kind(self.arg(argc, i), def.args[i]) {
                return false;
            }
            i += 1;
        }
        true
    }

    /// True when every instance of `holder` and of its subclasses has the kind `kind`,
    /// so a primitive of `holder` found by lookup from its receiver's own class needs no
    /// receiver check. Conservative: only kinds decided by the class chain and a shape
    /// that subclasses inherit (String and Array descendants, Exceptions, metaclasses),
    /// and Block,
    /// which its primitives validate themselves; answers false for a holder not yet
    /// defined.
    pub(crate) fn receiver_implied(&self, kind: Kind, holder: ClassIndex) -> bool {
        let Some(info) = self.s.classes.get(holder.index()).and_then(|c| c.as_ref()) else {
            return false;
        };
        let descends = |ancestor: u32| {
            let mut c = Some(holder);
            while let Some(ci) = c {
                if ci.0 == ancestor {
                    return true;
                }
                c = self
                    .s
                    .classes
                    .get(ci.index())
                    .and_then(|i| i.as_ref())
                    .and_then(|i| i.superclass);
            }
            false
        };
        let known = &self.s.known;
        match kind {
            Kind::Any => true,
            // The primitives declaring it validate the block themselves (`block_arity`,
            // `restart`'s frame check): the class test in front is only a first filter.
            Kind::Block => true,
            // A method of a metaclass found from the receiver's own class: that class
            // descends from a metaclass, so it is one (the loader refuses a metaclass as
            // the superclass of a class), and its instances are classes.
            Kind::Class => info.is_meta,
            Kind::String => info.shape == Shape::Bytes && descends(known.string),
            Kind::Array => {
                matches!(info.shape, Shape::Indexable | Shape::Weak) && descends(known.array)
            }
            Kind::Exception => {
                known.exception != 0
                    && info.shape == Shape::Fixed
                    && info.fields.len() >= EXCEPTION_FIELDS
                    && descends(known.exception)
            }
            Kind::Process | Kind::Semaphore => {
                let (class, fields) = kernel_fixed(kind, known);
                class != 0
                    && info.shape == Shape::Fixed
                    && info.fields.len() >= fields
                    && descends(class)
            }
            _ => false,
        }
    }

    /// True when `o` has the shape `kind` describes.
    #[inline(always)]
    pub(crate) fn is_kind(&self, o: Oop, kind: Kind) -> bool {
        match kind {
            Kind::Any => true,
            Kind::SmallInt => o.is_small_int(),
            Kind::Integer => o.is_small_int() || self.is_large_integer(o),
            Kind::Double => o.is_immediate_float() || self.is_boxed_double(o),
            Kind::Number => {
                o.is_small_int()
                    || o.is_immediate_float()
                    || self.is_large_integer(o)
                    || self.is_boxed_double(o)
            }
            Kind::Character => o.is_char(),
            Kind::String => self.is_byte_string(o),
            Kind::Symbol => {
                o.is_ptr()
                    && self.class_of(o).0 == self.s.known.symbol
                    && self.heap.format(o) == Format::Bytes
            }
            Kind::Array => {
                o.is_ptr()
                    && matches!(
                        self.heap.format(o),
                        Format::Indexable | Format::FixedIndexable | Format::Weak
                    )
            }
            Kind::Class => self.is_class_like(o),
            Kind::Method => {
                o.is_ptr() && {
                    let c = self.class_of(o).0;
                    (c == self.s.known.method || c == self.s.known.primitive)
                        && self.heap.format(o) == Format::CompiledCode
                }
            }
            // The class alone: the primitives taking a block check its arity and shape
            // (`block_arity`) before they run it.
            Kind::Block => self.block_class_position(o).is_some(),
            Kind::Exception => self.is_exception(o),
            Kind::System => o == self.s.specials.system,
            Kind::Process | Kind::Semaphore => {
                let (class, fields) = kernel_fixed(kind, &self.s.known);
                o.is_ptr()
                    && class != 0
                    && self.heap.format(o) == Format::Fixed
                    && self.heap.fixed_slot_count(o) >= fields
                    && self.inherits(self.class_of(o), ClassIndex(class))
            }
        }
    }

    /// A LargeInteger: class Integer, byte format, at least the sign byte.
    #[inline(always)]
    pub(crate) fn is_large_integer(&self, o: Oop) -> bool {
        o.is_ptr()
            && self.class_of(o).0 == self.s.known.integer
            && self.heap.format(o) == Format::Bytes
            && self.heap.indexable_len(o) > 0
    }

    /// A boxed Double: class Double, one 64-bit word.
    #[inline(always)]
    pub(crate) fn is_boxed_double(&self, o: Oop) -> bool {
        o.is_ptr()
            && self.class_of(o).0 == self.s.known.double
            && self.heap.format(o) == Format::Words64
    }

    /// A String, Symbol or String-subclass instance: byte format and not an Integer
    /// (the only other class with byte instances).
    #[inline(always)]
    pub(crate) fn is_byte_string(&self, o: Oop) -> bool {
        o.is_ptr()
            && self.heap.format(o) == Format::Bytes
            && self.class_of(o).0 != self.s.known.integer
    }

    /// An object whose class is a metaclass (so a class), or an instance of Metaclass.
    /// The primitive still resolves it with `class_index_of_class_object`.
    fn is_class_like(&self, o: Oop) -> bool {
        o.is_ptr() && {
            let c = self.class_of(o);
            c.0 == self.s.known.metaclass
                || self
                    .s
                    .classes
                    .get(c.index())
                    .and_then(|i| i.as_ref())
                    .is_some_and(|i| i.is_meta)
        }
    }

    /// An instance of Exception or a subclass, with the engine's fields.
    pub(crate) fn is_exception(&self, o: Oop) -> bool {
        o.is_ptr()
            && self.s.known.exception != 0
            && self.heap.format(o) == Format::Fixed
            && self.heap.fixed_slot_count(o) >= EXCEPTION_FIELDS
            && self.inherits(self.class_of(o), ClassIndex(self.s.known.exception))
    }
}
