//! [`MethodRef`]: the read-only view of an installed method that a tier compiles from
//! (`MethodInfo` stays private to `vm`).
//!
//! A `MethodRef` is made only by `Vm::tier_up` from a pointer to a boxed `MethodInfo`,
//! and MethodInfos are never freed while the VM lives, so its accessors are safe. The
//! compiler reads the bytecode, the shapes of the frame and the send sites; the literal
//! buffer's address may be embedded in code (the `Vec` never grows after install, and
//! the values are re-read at each use because the collector updates them in place).

use cairn_gc::{ClassIndex, Oop};

use crate::methods::{MethodInfo, MethodKind, POLY_ENTRIES};
use crate::vm::Vm;

/// A method or block handed to [`super::Tier::compile`].
#[derive(Clone, Copy)]
pub struct MethodRef {
    method: *mut MethodInfo,
}

/// A send site as the compiler sees it.
#[derive(Clone, Copy, Debug)]
pub struct SiteView {
    /// Argument count.
    pub argc: usize,
    /// Selector id.
    pub selector: u32,
}

/// What a receiver class's cached method at a send site does, as far as compiled code
/// may do it inline (docs/design/jit.md §6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `^field n`.
    Getter(u8),
    /// `field n := arg`, answering the receiver.
    Setter(u8),
    /// `^literal`: the address of the literal's slot in its method's literal buffer
    /// (stable; the value is re-read at each use).
    Literal(*const Oop),
    /// `^self`.
    ReturnSelf,
    /// A bytecode method: compiled code may push its frame and call its native entry
    /// directly (when it has one at run time).
    Call(CallTarget),
    /// The `value` primitive of a block class (`value`, `value:`, `value:with:` ...):
    /// compiled code may activate the closure directly when the method it names is a
    /// block of this argument count with native code (`closure_key`).
    BlockValue,
    /// A primitive compiled code does inline (after the class guard).
    Prim(InlinePrim),
    /// Anything else: a primitive, a missing one.
    Other,
}

/// A primitive compiled code does inline, its own checks included (`prims.rs` of the
/// tier); whatever they refuse takes the generic send, which runs the primitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InlinePrim {
    /// `Array>>length`: the size field of an object with indexed pointer slots only.
    ArrayLength,
    /// `String>>length`: the bytes of a byte-format object.
    ByteLength,
    /// `String>>charAt:` (and Symbol's): the shared one-character String of the byte
    /// at a SmallInteger index in range.
    CharAt,
    /// `Integer>>max:` with a SmallInteger receiver and argument.
    Max,
    /// `Integer>>min:`, likewise.
    Min,
    /// `Class>>new` of class `class`, whose instances have `fixed` named slots only.
    New {
        /// The instance's class index.
        class: u32,
        /// Its named slots.
        fixed: u8,
    },
    /// `Array class>>new:` of class `class`, whose instances have indexed pointer slots
    /// only.
    NewArray {
        /// The instance's class index.
        class: u32,
    },
}

impl InlinePrim {
    /// Its argument count.
    pub fn argc(self) -> usize {
        match self {
            InlinePrim::ArrayLength | InlinePrim::ByteLength | InlinePrim::New { .. } => 0,
            InlinePrim::Max
            | InlinePrim::Min
            | InlinePrim::CharAt
            | InlinePrim::NewArray { .. } => 1,
        }
    }
}

/// A bytecode method a send may call directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallTarget {
    /// The `MethodInfo` (boxed, never freed): the frame's `method`, and where its native
    /// entry is read (`FrameOffsets::entry`).
    pub method: usize,
    /// Frame slots (receiver, arguments, temporaries).
    pub slots: usize,
    /// Slots a push must find free above `fp` (`Vm::push_method_frame`'s reservation:
    /// the frame, its operand stack bound, 8).
    pub room: usize,
    /// Argument count.
    pub num_args: usize,
}

/// A send site's inline cache as the compiler sees it: the receiver classes seen so far
/// (heap classes and SmallInteger; other immediates are never guarded inline) with
/// their targets.
#[derive(Clone, Debug, Default)]
pub struct SiteProfile {
    /// (class index, target) in the order the site met them.
    pub entries: Vec<(u32, Target)>,
    /// More classes than the cache holds were seen.
    pub megamorphic: bool,
}

/// The block class (Block1, Block2 or Block3, by `argc`) whose method for `selector` is
/// the `value` primitive, if it is.
fn block_value_class(vm: &Vm, selector: u32, argc: usize) -> Option<u32> {
    let class = *vm.s.known.blocks.get(argc.min(2))?;
    let info = vm.s.classes.get(class as usize)?.as_ref()?;
    let &m = info.methods.get(&selector)?;
    match vm.s.methods.get(m as usize)?.kind {
        MethodKind::Primitive(def) if crate::prims::is_block_value(def) => Some(class),
        _ => None,
    }
}

impl MethodRef {
    /// Send site `i`'s profile, read from its inline cache (the interpreter's
    /// `SendSite`). Classes whose instances are immediates are left out, except
    /// SmallInteger (`ClassIndex::SMALL_INTEGER`, guarded by its tag).
    pub fn site_profile(&self, vm: &Vm, i: usize) -> SiteProfile {
        let Some(site) = self.info().sites.get(i) else {
            return SiteProfile::default();
        };
        let known = &vm.s.known;
        // Integer's index is SmallInteger's (the loader reserves it so): its entries
        // stay, and compiled code guards them by the tag (heap LargeIntegers by class).
        let immediate = [
            known.double,
            known.character,
            ClassIndex::CHARACTER.0,
            ClassIndex::SMALL_FLOAT.0,
        ];
        let n = (site.len as usize).min(POLY_ENTRIES);
        let entries = site.entries[..n]
            .iter()
            .filter(|(class, _)| !immediate.contains(class))
            .map(|&(class, m)| {
                let target = match vm.s.methods.get(m as usize).map(|m| (m.kind, m)) {
                    Some((MethodKind::Getter(n), _)) => Target::Getter(n),
                    Some((MethodKind::Setter(n), _)) => Target::Setter(n),
                    Some((MethodKind::Literal(l), info)) => info
                        .literals
                        .get(l as usize)
                        .map_or(Target::Other, |slot| Target::Literal(slot as *const Oop)),
                    Some((MethodKind::ReturnSelf, _)) => Target::ReturnSelf,
                    Some((MethodKind::Bytecode, info)) if !info.is_block => {
                        Target::Call(CallTarget {
                            method: &**info as *const MethodInfo as usize,
                            slots: info.frame_size(),
                            room: info.room,
                            num_args: info.num_args,
                        })
                    }
                    Some((MethodKind::Primitive(def), _)) if crate::prims::is_block_value(def) => {
                        Target::BlockValue
                    }
                    Some((MethodKind::Primitive(def), _)) => crate::prims::inline_prim(def)
                        .or_else(|| crate::prims::inline_by_class(vm, def, class))
                        .map_or(Target::Other, Target::Prim),
                    _ => Target::Other,
                };
                (class, target)
            })
            .collect::<Vec<_>>();
        let mut profile = SiteProfile {
            entries,
            megamorphic: site.len as usize > POLY_ENTRIES,
        };
        // A `value` send whose cache has not met a closure yet (`--jit=always`, or a
        // site that sees other receivers first) still gets the block case: the
        // primitive is the only `value` a block class has.
        if let Some(class) = block_value_class(vm, site.selector, site.argc as usize) {
            if !profile.entries.iter().any(|&(c, _)| c == class) {
                profile.entries.push((class, Target::BlockValue));
            }
        }
        profile
    }

    pub(crate) fn new(method: *mut MethodInfo) -> MethodRef {
        MethodRef { method }
    }

    fn info(&self) -> &MethodInfo {
        // SAFETY: made from a boxed MethodInfo that is never freed while the VM runs
        // (`State::methods` only grows); the tier reads it during `compile` only.
        unsafe { &*self.method }
    }

    /// The bytecode (verified when installed: decodes, never falls off the end, one
    /// stack depth per instruction).
    pub fn code(&self) -> &[u8] {
        &self.info().code
    }

    /// Frame slots: receiver, arguments, copied values, temporaries (+ closure).
    pub fn slots(&self) -> usize {
        self.info().slots
    }

    /// Argument count.
    pub fn num_args(&self) -> usize {
        self.info().num_args
    }

    /// True for a block.
    pub fn is_block(&self) -> bool {
        self.info().is_block
    }

    /// Exception-machinery marks (non-zero: `on:do:`, `ensure:`, `ifCurtailed:`).
    pub fn marks(&self) -> u8 {
        self.info().marks
    }

    /// Send site `i`.
    pub fn site(&self, i: usize) -> Option<SiteView> {
        self.info().sites.get(i).map(|s| SiteView {
            argc: s.argc as usize,
            selector: s.selector,
        })
    }

    /// Number of literals, and the address of the literal buffer (stable: see above).
    pub fn literals(&self) -> (usize, *const Oop) {
        let l = &self.info().literals;
        (l.len(), l.as_ptr())
    }

    /// Number of send sites.
    pub fn num_sites(&self) -> usize {
        self.info().sites.len()
    }

    /// Number of nested block methods (`MakeClosure` operands index them).
    pub fn num_blocks(&self) -> usize {
        self.info().blocks.len()
    }

    /// The method index of nested block `i` (a `MakeClosure` operand) and the class
    /// of its closures.
    pub fn closure(&self, vm: &Vm, i: usize) -> Option<ClosureFacts> {
        let method = *self.info().blocks.get(i)?;
        let argc = vm.s.methods.get(method as usize)?.num_args;
        Some(ClosureFacts {
            method,
            class: vm.s.known.blocks[argc.min(3)],
        })
    }

    /// Number of global sites.
    pub fn num_globals(&self) -> usize {
        self.info().globals.len()
    }

    /// Source file and first line, for diagnostics.
    pub fn location(&self) -> (String, u32) {
        (self.info().file.to_string(), self.info().line)
    }
}

/// What a `MakeClosure` allocates: the block method's index (slot 0 of the closure) and
/// the closure's class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClosureFacts {
    /// Index of the block method in the VM's method table.
    pub method: u32,
    /// Class index of the closure (by the block's argument count).
    pub class: u32,
}
