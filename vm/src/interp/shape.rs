//! What running code assumes about the objects it reaches without checks, and where
//! each assumption is re-established when something could break it.
//!
//! The loop reads and writes instance variables (`PushField`/`StoreField`/`PopField`)
//! and temp-vector slots (`PushTempVec`...) unchecked, and a block activation reads its
//! closure's slots unchecked. [`Needs`] (computed once when a method or block is
//! installed) says how many named slots the receiver and how many slots each temp vector
//! must have. Two routes can hand running code an object without that shape after the
//! code started: `become:` (every reference, including a frame's receiver, a frame's
//! temp vector and a closure's captured receiver, may now denote another object) and,
//! later, the images issue's class-shape migration (instances re-made with a new shape
//! while methods of the old one are on the stack). The rule (docs/design/become.md):
//!
//! - a running frame is checked by whoever swaps references: [`Vm::become_swap_checked`]
//!   refuses, changing nothing, when afterwards some frame's receiver or temp vector
//!   would no longer fit its code ([`Vm::frames_fit_after`], which a migration calls with
//!   its old→new map);
//! - a closure that is not running is checked when it is activated
//!   ([`Vm::block_arity`]): one precomputed flag, then the receiver and copied temp
//!   vectors; a closure that does not fit is not a runnable block, so `value` fails with
//!   `PrimitiveFailed` instead of touching memory;
//! - objects the VM itself relies on by identity are never swapped (nil, true, false,
//!   the `system` object, classes and metaclasses, methods, Symbols).

use cairn_gc::{Format, Oop};

use crate::bytecode::{decode_all, Instr};
use crate::interp::frames::Frame;
use crate::vm::Vm;

/// Slots of a closure before its copied values: method index, receiver, home serial.
const CLOSURE_HEADER: usize = 3;

/// The shape that a method's or block's own code (not its nested blocks) relies on.
#[derive(Clone, Debug, Default)]
pub struct Needs {
    /// Named slots the receiver must have: one more than the highest field index the
    /// code touches, 0 when it touches none.
    pub fields: u16,
    /// Locals the code uses as temp vectors, each with the slots it must have.
    pub temp_vecs: Box<[(u8, u16)]>,
    /// For a block: the copied values (as closure slot indices) that are temp vectors,
    /// each with the slots it must have.
    pub copied_vecs: Box<[(u8, u16)]>,
    /// `fields != 0 || !copied_vecs.is_empty()`: a closure of this code is checked
    /// before it runs.
    pub check_closure: bool,
}

impl Needs {
    /// The needs of `code` whose frame has `num_args` arguments and `num_copied` copied
    /// values after the receiver. Code that does not decode (the verifier refuses it
    /// anyway) needs more fields than any object has.
    pub fn of(code: &[u8], num_args: usize, num_copied: usize) -> Needs {
        let Ok(instrs) = decode_all(code) else {
            return Needs {
                fields: u16::MAX,
                check_closure: true,
                ..Needs::default()
            };
        };
        let mut fields = 0u16;
        let mut vecs: Vec<(u8, u16)> = Vec::new();
        let mut need_vec = |local: u8, slots: u16| match vecs.iter_mut().find(|v| v.0 == local) {
            Some(v) => v.1 = v.1.max(slots),
            None => vecs.push((local, slots)),
        };
        for (_, i) in instrs {
            match i {
                Instr::PushField { n } | Instr::StoreField { n } | Instr::PopField { n } => {
                    fields = fields.max(n as u16 + 1)
                }
                Instr::PushTempVec { vec, idx }
                | Instr::StoreTempVec { vec, idx }
                | Instr::PopTempVec { vec, idx } => need_vec(vec, idx as u16 + 1),
                Instr::MakeTempVec { n, size } => need_vec(n, size as u16),
                _ => {}
            }
        }
        let first_copied = 1 + num_args;
        let copied_vecs: Box<[(u8, u16)]> = vecs
            .iter()
            .filter(|&&(local, _)| {
                (first_copied..first_copied + num_copied).contains(&(local as usize))
            })
            .map(|&(local, slots)| {
                (
                    (CLOSURE_HEADER + local as usize - first_copied) as u8,
                    slots,
                )
            })
            .collect();
        Needs {
            fields,
            check_closure: fields != 0 || !copied_vecs.is_empty(),
            temp_vecs: vecs.into_boxed_slice(),
            copied_vecs,
        }
    }
}

/// Why `become:` refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BecomeRefused {
    /// An immediate (SmallInteger, Character, immediate Double) has no references to swap.
    Immediate,
    /// nil, true, false or the `system` object: the VM holds and compares them by identity.
    Special,
    /// A class or metaclass: the class table, method holders and instance headers name it.
    Class,
    /// A method or primitive object: its method index is trusted by reflection.
    Method,
    /// A Symbol: the symbol table maps its text to it.
    Symbol,
    /// A shared one-character String (`State::char_strings`): every `charAt:` of its
    /// byte answers it, so a swap would change what every String answers.
    SharedString,
    /// Afterwards the running frame at this index would find a receiver without the
    /// fields, or a temp vector without the slots, that its code uses.
    RunningFrame(usize),
}

impl Vm {
    /// Two-way `become:` under the rule of this module: refused (nothing changed) when
    /// either object is one the VM relies on by identity or when a running frame would
    /// not survive it; otherwise every reference to `a` and to `b` is exchanged.
    /// Does not allocate.
    pub(crate) fn become_swap_checked(&mut self, a: Oop, b: Oop) -> Result<(), BecomeRefused> {
        self.swappable(a)?;
        self.swappable(b)?;
        if a == b {
            return Ok(());
        }
        self.frames_fit_after(&|o| {
            if o == a {
                b
            } else if o == b {
                a
            } else {
                o
            }
        })?;
        self.heap
            .become_swap(a, b, &mut self.s)
            .map_err(|_| BecomeRefused::Immediate)?;
        self.s.swaps += 1;
        // A literal may now name the young object of the pair.
        self.s.all_methods_suspect = true;
        Ok(())
    }

    /// Whether `become:` may swap references to `o`.
    fn swappable(&self, o: Oop) -> Result<(), BecomeRefused> {
        let sp = &self.s.specials;
        if !o.is_ptr() {
            Err(BecomeRefused::Immediate)
        } else if [sp.nil, sp.true_, sp.false_, sp.system].contains(&o) {
            Err(BecomeRefused::Special)
        } else if self.heap.format(o) == Format::CompiledCode {
            Err(BecomeRefused::Method)
        } else if self.is_symbol(o) {
            Err(BecomeRefused::Symbol)
        } else if self.is_shared_char_string(o) {
            Err(BecomeRefused::SharedString)
        } else if self.class_index_of_class_object(o).is_some() {
            Err(BecomeRefused::Class)
        } else {
            Ok(())
        }
    }

    /// Checks every frame of every process (the active one's and each suspended one's)
    /// as if each reference `r` in a frame's receiver slot or temp-vector slots denoted
    /// `after(r)`: the receiver must keep the named slots its code touches and each temp
    /// vector the slots its code indexes. Swapping routes (`become:`, and the
    /// class-shape migration with its old→new map) call this first.
    pub(crate) fn frames_fit_after(&self, after: &dyn Fn(Oop) -> Oop) -> Result<(), BecomeRefused> {
        self.stack_fits_after(&self.s.frames, &self.s.stack, after)?;
        for p in self.s.sched.table.iter() {
            self.stack_fits_after(&p.saved.frames, &p.saved.slots, after)?;
        }
        Ok(())
    }

    /// [`Vm::frames_fit_after`] for one process's `frames` over its slots `stack`.
    fn stack_fits_after(
        &self,
        frames: &[Frame],
        stack: &[Oop],
        after: &dyn Fn(Oop) -> Oop,
    ) -> Result<(), BecomeRefused> {
        for (i, f) in frames.iter().enumerate() {
            // SAFETY: frames name boxed MethodInfos that are never freed.
            let needs = unsafe { &(*f.method).needs };
            let fp = f.fp as usize;
            let receiver = after(stack[fp]);
            let vecs_fit = needs
                .temp_vecs
                .iter()
                .all(|&(local, n)| self.fits_temp_vec(after(stack[fp + local as usize]), n, true));
            if !self.has_named_slots(receiver, needs.fields) || !vecs_fit {
                return Err(BecomeRefused::RunningFrame(i));
            }
        }
        Ok(())
    }

    /// The argument count of a block closure that may run now, or None for anything
    /// else: not a Block1..3 instance, or a closure [`Vm::closure_runnable`] refuses.
    /// Every block activation asks this first (`value` fails with `PrimitiveFailed`, an
    /// unwind skips an ensure block that cannot run, a signal sends `value:` to a
    /// handler that cannot run, which then fails).
    #[inline]
    pub(crate) fn block_arity(&self, oop: Oop) -> Option<usize> {
        if !oop.is_ptr() {
            return None;
        }
        // The block method's count is the arity: Block3 holds every block of two or
        // more parameters, so the class alone would run a 3-parameter block with 2.
        // `closure_runnable` reads only slots the object has, whatever its class, so
        // the class is compared after it, against the one class the arity allows.
        let arity = self.closure_runnable(oop)?;
        (self.class_of(oop).0 == self.s.known.blocks[arity.min(2)]).then_some(arity)
    }

    /// Which of Block1, Block2, Block3 (0, 1, 2) `oop` is an instance of, if any.
    #[inline(always)]
    pub(crate) fn block_class_position(&self, oop: Oop) -> Option<usize> {
        if !oop.is_ptr() {
            return None;
        }
        let c = self.class_of(oop).0;
        self.s.known.blocks.iter().position(|&b| b == c)
    }

    /// Whether the object `c` (any pointer object; its class is checked by the caller)
    /// may be activated as a closure: its method index names a block whose copied values it holds, its
    /// receiver has the fields the block touches and its copied temp vectors the slots
    /// the block indexes. Answers the block's argument count.
    #[inline(always)]
    pub(crate) fn closure_runnable(&self, c: Oop) -> Option<usize> {
        let n = self.heap.slot_count(c);
        if n < CLOSURE_HEADER {
            return None;
        }
        // SAFETY: `c` has at least CLOSURE_HEADER pointer slots (checked above).
        let index = unsafe { self.heap.fetch_unchecked(c, 0) };
        if !index.is_small_int() {
            return None;
        }
        let m = self
            .s
            .methods
            .get(usize::try_from(index.as_small_int()).ok()?)?;
        if !m.is_block || n != CLOSURE_HEADER + m.num_copied {
            return None;
        }
        // Before the first swap nothing can have changed a closure's receiver or temp
        // vectors (reflection sees no fields in a closure), so they still fit.
        if m.needs.check_closure && self.s.swaps != 0 && !self.closure_fits(c, &m.needs) {
            return None;
        }
        Some(m.num_args)
    }

    /// The slow half of [`Vm::closure_runnable`], for blocks that touch fields or copy
    /// temp vectors.
    #[inline(never)]
    fn closure_fits(&self, c: Oop, needs: &Needs) -> bool {
        // SAFETY (both reads): the caller checked the slot count against the block's
        // copied values; `copied_vecs` names copied-value slots only.
        let receiver = unsafe { self.heap.fetch_unchecked(c, 1) };
        self.has_named_slots(receiver, needs.fields)
            && needs.copied_vecs.iter().all(|&(slot, n)| {
                // SAFETY: as above.
                let v = unsafe { self.heap.fetch_unchecked(c, slot as usize) };
                self.fits_temp_vec(v, n, false)
            })
    }

    /// Whether `o` has pointer format and at least `n` named slots (always true for 0).
    #[inline(always)]
    pub(crate) fn has_named_slots(&self, o: Oop, n: u16) -> bool {
        n == 0
            || (o.is_ptr()
                && self.heap.format(o).is_pointers()
                && self.heap.fixed_slot_count(o) >= n as usize)
    }

    /// Whether `o` can serve as a temp vector indexed below `n`. A frame's temp-vector
    /// slot is nil until its `MakeTempVec` runs (`nil_ok`); a closure's copy never is.
    fn fits_temp_vec(&self, o: Oop, n: u16, nil_ok: bool) -> bool {
        (nil_ok && o == self.nil())
            || (o.is_ptr()
                && self.heap.format(o).is_pointers()
                && self.heap.slot_count(o) >= n as usize)
    }
}
