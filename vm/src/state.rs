//! Everything the VM holds besides the heap, and the root set the collector scans.
//!
//! [`State`] owns every Oop the Rust side keeps: the process stack (every slot below
//! `sp`, and every suspended process's stack), global values, interned symbols, method literals, the special objects, pending
//! unwind values and scratch roots. It implements [`RootSet`], so an allocation is
//! `heap.alloc(&mut state, ...)` and nothing else needs registering. Oops are never kept
//! in Rust locals across an allocation: they are re-read from here.

use cairn_gc::{ClassIndex, Oop, RootSet};

use crate::classes::ClassInfo;
use crate::interp::frame_stack::FrameStack;
use crate::interp::frames::Frame;
use crate::methods::MethodInfo;
use crate::symbols::SymbolTable;

/// Most slots the process stack may grow to.
pub const STACK_SLOTS: usize = 1 << 23;
/// Slots the process stack starts with (it grows on demand).
pub const INITIAL_STACK_SLOTS: usize = 1 << 14;
/// Frames allowed before `StackOverflow` is signalled.
pub const SOFT_FRAME_LIMIT: usize = 100_000;
/// How many `StackOverflow`s may be in progress at once (a handler that overflows
/// again, and so on); each one grants a reserve zone to run its handler in.
pub const MAX_NESTED_OVERFLOWS: usize = 8;
/// Frames each reserve zone adds.
pub const OVERFLOW_RESERVE_FRAMES: usize = 5_000;

/// Objects the VM names directly.
#[derive(Clone, Copy)]
pub struct Specials {
    /// nil.
    pub nil: Oop,
    /// true.
    pub true_: Oop,
    /// false.
    pub false_: Oop,
    /// The `system` global.
    pub system: Oop,
}

/// A pending unwind (non-local return, exception return/retry/resume).
#[derive(Clone, Copy, Debug)]
pub struct Unwind {
    /// Frames to keep.
    pub keep: usize,
    /// What to do once only `keep` frames remain.
    pub action: UnwindAction,
}

/// The end of an unwind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnwindAction {
    /// Return the value from the (new) top frame.
    Return,
    /// Restart the top frame (an `on:do:` frame: `retry`).
    Restart,
    /// Replace the top of the top frame's operand stack with the value (`resume:`).
    Resume,
    /// Leave the value on the stack with no frame above `keep`: the process ends
    /// (`Process>>terminate`; for the run's owner, the run ends).
    Finish,
}

/// The VM's non-heap state and roots.
pub struct State {
    /// The process stack; slots `0..sp` are live.
    pub stack: Vec<Oop>,
    /// `stack.as_mut_ptr()`, kept in step wherever the stack is resized: compiled code
    /// reads it at a fixed offset (a `Vec`'s buffer pointer has none).
    pub stack_base: *mut Oop,
    /// `stack.len()`, kept in step with `stack_base` (compiled code's inline frame push
    /// checks room against it).
    pub stack_slots: usize,
    /// Next free stack slot.
    pub sp: usize,
    /// Activation records.
    pub frames: FrameStack,
    /// Serial of the next frame.
    pub next_serial: u64,
    /// Successful `become:`s so far. Until the first one, every closure still fits the
    /// receiver and temp vectors it was made with, so block activation skips the shape
    /// check (become.md, "Cost").
    pub swaps: u64,
    /// Interned symbols: ids, names, Symbol objects (weak or strong roots).
    pub symbols: SymbolTable,
    /// Global values by slot.
    pub global_values: Vec<Oop>,
    /// Whether a global slot is bound.
    pub global_bound: Vec<bool>,
    /// Global slot by symbol id (u32::MAX when none; only pinned ids have one).
    pub global_slot: Vec<u32>,
    /// Methods and blocks; boxed so pointers to them stay valid.
    pub methods: Vec<Box<MethodInfo>>,
    /// The methods whose literals or heap object may name a young object: the only
    /// method roots a scavenge visits (`RootSet::visit_young_roots`). A method joins
    /// when it is installed or gets its heap object ([`State::note_method_roots`]), and
    /// leaves once a scavenge finds all of them old. Without it every scavenge walked
    /// every literal of every method ever loaded or evaluated.
    pub young_methods: Vec<u32>,
    /// Set by a successful `become:`, which may put any object into any literal: the
    /// next scavenge visits every method and rebuilds `young_methods`.
    pub all_methods_suspect: bool,
    /// Classes by class index (None for unused indices).
    pub classes: Vec<Option<ClassInfo>>,
    /// Special objects.
    pub specials: Specials,
    /// The shared one-character Strings, one per byte value (old space, made at boot):
    /// `charAt:`, `at:` and `String class>>withCharCode:` answer them instead of a new
    /// String (Strings are immutable; kernel.md, "One-character Strings").
    pub char_strings: Vec<Oop>,
    /// Pending unwinds, innermost last.
    pub unwinds: Vec<Unwind>,
    /// The value each pending unwind carries.
    pub unwind_values: Vec<Oop>,
    /// Scratch roots for Rust code that must hold Oops across an allocation.
    pub scratch: Vec<Oop>,
    /// Global method lookup cache (megamorphic sites, IC misses).
    pub lookup_cache: LookupCache,
    /// Sends answered from ObjectProtocol: (class, selector) -> method index.
    pub protocol_cache: LookupCache,
    /// Well-known class indices.
    pub known: Known,
    /// The processes: the suspended ones' stacks, the ready and wait queues, deadlines
    /// (`vm/src/sched/`). The active process's stack is `stack`/`sp`/`frames` above.
    pub(crate) sched: crate::sched::Scheduler,
    /// Open files, sockets, pipes and subprocesses, requests in flight, signal
    /// registrations, and the I/O threads once started (`vm/src/io/`).
    pub(crate) io: crate::io::Io,
    /// The dispatch loop returns when the run's owner has this many frames; any other
    /// process ends when it has none (0). Set by `Vm::run` and `Vm::switch_to`.
    pub(crate) floor: usize,
}

/// A direct-mapped cache of lookups: (class, selector) -> method index.
pub struct LookupCache {
    entries: Box<[(u32, u32, u32)]>,
}

impl LookupCache {
    const SIZE: usize = 4096;

    /// An empty cache.
    pub fn new() -> LookupCache {
        LookupCache {
            entries: vec![(u32::MAX, u32::MAX, 0); Self::SIZE].into_boxed_slice(),
        }
    }

    #[inline(always)]
    fn slot(class: u32, selector: u32) -> usize {
        (class.wrapping_mul(0x9E37_79B1) ^ selector.wrapping_mul(0x85EB_CA6B)) as usize >> 7
            & (Self::SIZE - 1)
    }

    /// The cached method, if any.
    #[inline(always)]
    pub fn get(&self, class: u32, selector: u32) -> Option<u32> {
        let e = self.entries[Self::slot(class, selector)];
        (e.0 == class && e.1 == selector).then_some(e.2)
    }

    /// Caches a lookup result (replacing whatever shared its slot).
    pub fn put(&mut self, class: u32, selector: u32, method: u32) {
        self.entries[Self::slot(class, selector)] = (class, selector, method);
    }

    /// Forgets everything (a class was defined).
    pub fn clear(&mut self) {
        self.entries.fill((u32::MAX, u32::MAX, 0));
    }
}

impl Default for LookupCache {
    fn default() -> Self {
        Self::new()
    }
}

/// Class indices the VM needs at run time.
#[derive(Clone, Copy, Default)]
pub struct Known {
    /// Object.
    pub object: u32,
    /// Class.
    pub class: u32,
    /// Metaclass.
    pub metaclass: u32,
    /// Nil.
    pub nil: u32,
    /// True.
    pub true_: u32,
    /// False.
    pub false_: u32,
    /// Integer (also LargeIntegers).
    pub integer: u32,
    /// Double (immediate and boxed).
    pub double: u32,
    /// String.
    pub string: u32,
    /// Symbol.
    pub symbol: u32,
    /// Array.
    pub array: u32,
    /// Block1, Block2, Block3 (by argument count + 1; index 0 is Block1).
    pub blocks: [u32; 4],
    /// Method.
    pub method: u32,
    /// Primitive.
    pub primitive: u32,
    /// System.
    pub system: u32,
    /// Character (0 when the kernel has none).
    pub character: u32,
    /// Exception (the primitive layer checks exception receivers against it).
    pub exception: u32,
    /// Process (the process primitives' receivers).
    pub process: u32,
    /// Semaphore (the semaphore primitives' receivers).
    pub semaphore: u32,
}

impl State {
    /// The class info at `index`.
    #[inline(always)]
    pub fn class(&self, index: ClassIndex) -> &ClassInfo {
        self.classes[index.index()]
            .as_ref()
            .expect("class index in use")
    }
}

impl State {
    /// Method `index` may now name a young object (it was installed, or got its heap
    /// object): scavenges visit its literals until they are all old.
    pub(crate) fn note_method_roots(&mut self, index: u32) {
        if self.young_methods.last() != Some(&index) {
            self.young_methods.push(index);
        }
    }

    /// Every root except the methods' literals and heap objects.
    fn visit_roots_but_methods(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        for slot in &mut self.stack[..self.sp] {
            visitor(slot);
        }
        self.symbols.visit_strong(visitor);
        self.global_values.iter_mut().for_each(&mut *visitor);
        let s = &mut self.specials;
        for o in [&mut s.nil, &mut s.true_, &mut s.false_, &mut s.system] {
            visitor(o);
        }
        self.char_strings.iter_mut().for_each(&mut *visitor);
        self.unwind_values.iter_mut().for_each(&mut *visitor);
        self.scratch.iter_mut().for_each(&mut *visitor);
        self.sched.visit(visitor);
        self.io.visit(visitor);
    }
}

/// The Oops a method holds for the collector: its literals and its heap object.
fn method_roots(m: &mut MethodInfo) -> impl Iterator<Item = &mut Oop> {
    m.literals
        .iter_mut()
        .chain(std::iter::once(&mut m.heap_object))
}

impl RootSet for State {
    fn visit_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.visit_roots_but_methods(visitor);
        for m in &mut self.methods {
            method_roots(m).for_each(&mut *visitor);
        }
    }

    fn visit_young_roots(
        &mut self,
        visitor: &mut dyn FnMut(&mut Oop),
        still_young: &dyn Fn(Oop) -> bool,
    ) {
        self.visit_roots_but_methods(visitor);
        if std::mem::take(&mut self.all_methods_suspect) {
            self.young_methods = (0..self.methods.len() as u32).collect();
        }
        let methods = &mut self.methods;
        self.young_methods.retain(|&i| {
            let mut young = false;
            for slot in method_roots(&mut methods[i as usize]) {
                visitor(slot);
                young |= still_young(*slot);
            }
            young
        });
    }

    fn visit_weak_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop) -> bool) {
        self.symbols.visit_weak(visitor);
    }

    /// The tables that grow with the program's data: symbols, globals, the process
    /// stack and frames, pending unwinds, scratch roots. Method and class descriptions
    /// grow with the code loaded, not with data, and are not counted.
    fn external_bytes(&self) -> usize {
        use std::mem::size_of;
        self.symbols.external_bytes()
            + self.global_slot.capacity() * size_of::<u32>()
            + self.global_values.capacity() * (size_of::<Oop>() + size_of::<bool>())
            + self.stack.capacity() * size_of::<Oop>()
            + self.frames.capacity() * size_of::<Frame>()
            + self.unwinds.capacity() * size_of::<Unwind>()
            + (self.unwind_values.capacity() + self.scratch.capacity()) * size_of::<Oop>()
            + self.sched.external_bytes()
            + self.io.external_bytes()
    }
}
