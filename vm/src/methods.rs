//! Installed methods: the interpreter's view of a compiled method or block.
//!
//! A [`MethodInfo`] is created from a [`crate::compiler::CompiledCode`] when its class is
//! loaded. It lives in `State::methods` (boxed, so the interpreter can hold a raw pointer
//! to it while running) and is named by its index everywhere else: block closures and the
//! heap `Method` object store that index as a SmallInteger. It owns the literal frame
//! (Oops, visited as roots), the send sites with their inline caches, the global sites,
//! the line table and the invocation/back-edge counters. See docs/design/interpreter.md.

use cairn_gc::{ClassIndex, Oop};

use crate::prims::PrimDef;

/// Polymorphic inline caches hold up to this many classes before going megamorphic.
pub const POLY_ENTRIES: usize = 6;

/// How an invocation of the method runs.
#[derive(Clone, Copy)]
pub enum MethodKind {
    /// Interpret the bytecodes in a new frame.
    Bytecode,
    /// A primitive: a Rust function behind its receiver/argument check, no frame.
    Primitive(&'static PrimDef),
    /// A declared primitive the engine does not implement.
    MissingPrimitive,
    /// `^field`: answers instance variable n, no frame.
    Getter(u8),
    /// `field := arg` (answering self): no frame.
    Setter(u8),
    /// `^literal` (literal index): no frame.
    Literal(u16),
    /// `^self` with nothing else: no frame.
    ReturnSelf,
}

/// Frame marks for the exception machinery (docs/design/exceptions.md).
pub mod mark {
    /// `Block>>on:do:`: a handler frame.
    pub const HANDLER: u8 = 1;
    /// `Block>>ensure:`: runs its argument when left.
    pub const ENSURE: u8 = 2;
    /// `Block>>ifCurtailed:`: runs its argument when unwound.
    pub const CURTAIL: u8 = 4;
}

/// A marked method's pc while its protected block is running (after `self value`).
pub const PROTECTED_PC: u32 = 4;

/// One send site's inline cache.
#[derive(Clone)]
pub struct SendSite {
    /// Selector id.
    pub selector: u32,
    /// Argument count.
    pub argc: u8,
    /// Number of valid entries (POLY_ENTRIES + 1 = megamorphic).
    pub len: u8,
    /// (class index, method index) pairs.
    pub entries: [(u32, u32); POLY_ENTRIES],
}

impl SendSite {
    /// An empty site.
    pub fn new(selector: u32, argc: u8) -> SendSite {
        SendSite {
            selector,
            argc,
            len: 0,
            entries: [(u32::MAX, 0); POLY_ENTRIES],
        }
    }

    /// The cached method for `class`, if any.
    #[inline(always)]
    pub fn probe(&self, class: u32) -> Option<u32> {
        if self.entries[0].0 == class {
            return Some(self.entries[0].1);
        }
        let n = (self.len as usize).clamp(1, POLY_ENTRIES);
        self.entries[1..n]
            .iter()
            .find(|e| e.0 == class)
            .map(|e| e.1)
    }

    /// Records a lookup result; after POLY_ENTRIES classes the site is megamorphic
    /// and only the global lookup cache is used.
    pub fn record(&mut self, class: u32, method: u32) {
        let n = self.len as usize;
        if n < POLY_ENTRIES {
            self.entries[n] = (class, method);
            self.len += 1;
        } else {
            self.len = POLY_ENTRIES as u8 + 1;
        }
    }

    /// Forgets every entry (after a method is redefined).
    pub fn flush(&mut self) {
        self.len = 0;
        self.entries = [(u32::MAX, 0); POLY_ENTRIES];
    }
}

/// An installed method or block.
pub struct MethodInfo {
    /// How it runs.
    pub kind: MethodKind,
    /// Selector id (for blocks: the home method's selector).
    pub selector: u32,
    /// The class defining it (for blocks: the home method's holder).
    pub holder: ClassIndex,
    /// True for a block.
    pub is_block: bool,
    /// Exception-machinery marks (see [`mark`]).
    pub marks: u8,
    /// Argument count.
    pub num_args: usize,
    /// Values copied from the creating frame (blocks).
    pub num_copied: usize,
    /// Temporaries after arguments and copied values.
    pub num_temps: usize,
    /// Frame slots: receiver, arguments, copied values, temporaries, and the closure
    /// of a block frame.
    pub slots: usize,
    /// Bytecodes.
    pub code: Box<[u8]>,
    /// Literal frame (roots).
    pub literals: Vec<Oop>,
    /// Send sites.
    pub sites: Box<[SendSite]>,
    /// Global sites: symbol ids.
    pub globals: Box<[u32]>,
    /// Nested block methods (indices).
    pub blocks: Box<[u32]>,
    /// (pc, line) pairs.
    pub lines: Box<[(u32, u32)]>,
    /// First line.
    pub line: u32,
    /// Source file.
    pub file: std::rc::Rc<str>,
    /// The heap `Method`/`Primitive` object (nil for blocks until asked).
    pub heap_object: Oop,
    /// True when the method or one of its blocks reads or writes instance variables.
    pub uses_fields: bool,
    /// For a primitive: every instance of the holder's subtree has the receiver kind
    /// the primitive declares, so a send that found it from the receiver's own class
    /// skips the receiver check (`Vm::receiver_implied`).
    pub receiver_implied: bool,
    /// What this code (not its nested blocks) reads and writes without checks: see
    /// [`crate::interp::shape::Needs`] and docs/design/become.md.
    pub needs: crate::interp::shape::Needs,
    /// Invocations left before the tier compiles this method (`Vm::tier_up` runs when it
    /// reaches 0; it starts at the policy's trigger, 0 = wraps: practically never). A
    /// countdown, so the hot path is a decrement and a branch on its flags.
    pub hot_countdown: u32,
    /// Loop back-edges left before the tier compiles it (on-stack replacement).
    pub loop_countdown: u32,
    /// Native code from the installed tier; `None` = interpret (`vm/src/tier/`).
    pub entry: Option<crate::tier::NativeEntry>,
    /// Slots a frame push must find free above `fp`: the frame, its operand stack
    /// bound (the code's length) and 8, as `Vm::push_method_frame` reserves.
    pub room: usize,
    /// For a block, what compiled code compares a closure with before activating it
    /// without `Vm::block_arity` ([`closure_key`]); `u64::MAX` (matches nothing) for
    /// a method.
    pub closure_key: u64,
    /// Whether the tier compiled, declined or has not seen this method.
    pub tier_state: crate::tier::TierState,
    /// Recompilation bookkeeping while compiled (`tier/recompile.rs`).
    pub tier_watch: crate::tier::TierWatch,
}

/// A block's `MethodInfo::closure_key`: the closure's slot count (8 bits, below 255:
/// the header's size field holds it), the argument count (8 bits at [`ARGS_SHIFT`]),
/// [`CHECKED`] when its closures are checked before running (`Needs::check_closure`),
/// and [`BLOCK`]. Compiled code activates a closure of class Block1..3 directly when
/// `(size field | argc << ARGS_SHIFT | BLOCK)` equals the key of the method the
/// closure names, with `CHECKED` ignored while no `become:` has happened
/// (`State::swaps == 0`): exactly the closures `Vm::block_arity` accepts for `argc`.
pub mod closure_key {
    /// Where the argument count starts.
    pub const ARGS_SHIFT: u32 = 8;
    /// The closure's receiver or temp vectors are checked at activation.
    pub const CHECKED: u64 = 1 << 16;
    /// Set in every block's key.
    pub const BLOCK: u64 = 1 << 17;

    /// The key of a block with these counts.
    pub fn of(num_args: usize, num_copied: usize, checked: bool) -> u64 {
        let slots = 3 + num_copied;
        if slots >= 255 || num_args > 255 {
            return u64::MAX;
        }
        slots as u64 | (num_args as u64) << ARGS_SHIFT | if checked { CHECKED } else { 0 } | BLOCK
    }
}

impl MethodInfo {
    /// Slots of a frame of this method: receiver, args, copied, temps, plus the closure
    /// slot of a block frame.
    #[inline(always)]
    pub fn frame_size(&self) -> usize {
        self.slots
    }

    /// The source line of the code at `pc`.
    pub fn line_at(&self, pc: usize) -> u32 {
        let mut line = self.line;
        for &(at, l) in self.lines.iter() {
            if at as usize > pc {
                break;
            }
            line = l;
        }
        line
    }
}
