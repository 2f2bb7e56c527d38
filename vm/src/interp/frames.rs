//! Activation records and frame push/pop on the managed process stack.
//!
//! A frame's slots live on `State::stack` from `fp`: receiver (local 0), arguments,
//! copied values (blocks), temporaries, and for a block the closure in the last slot;
//! its operand stack follows. The [`Frame`] record (a Rust `Vec` beside the slot stack,
//! holding no Oops) keeps the method, the saved pc, `fp`, a serial number, the home
//! frame's serial (non-local return) and flags. The limits are checked on every push,
//! so deep recursion signals `StackOverflow` instead of overrunning anything.

use cairn_gc::Oop;

use crate::methods::MethodInfo;
use crate::state::{MAX_NESTED_OVERFLOWS, OVERFLOW_RESERVE_FRAMES, SOFT_FRAME_LIMIT};
use crate::vm::{Vm, VmError, VmResult};

/// Frame flags.
pub mod flags {
    /// A handler frame whose handler block is running: skipped by `signal`.
    pub const HANDLER_DISABLED: u32 = 1;
    /// A handler block's activation: a normal return is `exception return: value`.
    pub const HANDLER_BLOCK: u32 = 2;
    /// An ensure/curtail block run by an unwind: its return continues the unwind.
    pub const UNWIND_CONT: u32 = 4;
    /// An ensure/curtail frame whose block has already been run by an unwind.
    pub const UNWIND_SEEN: u32 = 8;
    /// A block activation.
    pub const BLOCK: u32 = 16;
}

/// One activation record.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    /// The running method.
    pub method: *mut MethodInfo,
    /// Saved pc (valid while the frame is not the top one, or after `save_pc`).
    pub pc: u32,
    /// Index of the receiver slot.
    pub fp: u32,
    /// Unique, increasing serial.
    pub serial: u64,
    /// Serial of the home method frame (itself for a method).
    pub home: u64,
    /// See [`flags`].
    pub flags: u32,
}

/// Outcome of trying to push a frame.
pub(crate) enum Pushed {
    /// The frame is on the stack.
    Ok,
    /// The soft limit was reached: `StackOverflow` must be signalled instead.
    Overflow,
}

impl Vm {
    /// Pushes a frame for `method` whose receiver and arguments are the top `argc + 1`
    /// stack slots; nils the temporaries.
    #[inline(always)]
    pub(crate) fn push_method_frame(
        &mut self,
        method: *mut MethodInfo,
        argc: usize,
    ) -> VmResult<Pushed> {
        // SAFETY: method pointers name boxed MethodInfos that are never freed.
        let m = unsafe { &mut *method };
        let fp = self.s.sp - argc - 1;
        let size = m.frame_size();
        let need = fp + size + m.code.len() + 8;
        if let Some(p) = self.ensure_room(need)? {
            return Ok(p);
        }
        let nil = self.nil();
        for slot in &mut self.s.stack[self.s.sp..fp + size] {
            *slot = nil;
        }
        self.record_frame(method, fp, size, None, 0);
        Ok(Pushed::Ok)
    }

    /// Pushes a frame for the block closure at stack slot `sp - argc - 1`.
    pub(crate) fn push_block_frame(&mut self, argc: usize, extra_flags: u32) -> VmResult<Pushed> {
        let fp = self.s.sp - argc - 1;
        let closure = self.s.stack[fp];
        // SAFETY (all closure reads below): callers check `Vm::block_arity` first, which
        // checks that the closure has 3 + copied slots, that slot 0 names a block method
        // and that the receiver and copied temp vectors fit that block's code (shape.rs).
        let index = unsafe { self.heap.fetch_unchecked(closure, 0) }.as_small_int() as usize;
        let method: *mut MethodInfo = &mut *self.s.methods[index];
        // SAFETY: as in push_method_frame.
        let m = unsafe { &mut *method };
        let size = m.frame_size();
        let need = fp + size + m.code.len() + 8;
        if let Some(p) = self.ensure_room(need)? {
            return Ok(p);
        }
        // SAFETY: see above.
        let receiver = unsafe { self.heap.fetch_unchecked(closure, 1) };
        // SAFETY: see above.
        let home = unsafe { self.heap.fetch_unchecked(closure, 2) }.as_small_int() as u64;
        self.s.stack[fp] = receiver;
        let copied_base = fp + 1 + argc;
        for k in 0..m.num_copied {
            // SAFETY: see above; the block's method copies exactly its closure's values.
            self.s.stack[copied_base + k] = unsafe { self.heap.fetch_unchecked(closure, 3 + k) };
        }
        let nil = self.nil();
        for slot in &mut self.s.stack[copied_base + m.num_copied..fp + size - 1] {
            *slot = nil;
        }
        self.s.stack[fp + size - 1] = closure;
        self.record_frame(method, fp, size, Some(home), flags::BLOCK | extra_flags);
        Ok(Pushed::Ok)
    }

    /// Makes room for a frame reaching slot `need`: nothing to do on the fast path,
    /// else [`Vm::make_room`].
    #[inline(always)]
    fn ensure_room(&mut self, need: usize) -> VmResult<Option<Pushed>> {
        if self.s.frames.len() >= self.limits.frames || need >= self.s.stack.len() {
            return self.make_room(need);
        }
        Ok(None)
    }

    /// Finishes a push whose `size` slots at `fp` are filled: counts the invocation and
    /// records the frame. `home` is `None` for a method frame (its own home).
    #[inline(always)]
    fn record_frame(
        &mut self,
        method: *mut MethodInfo,
        fp: usize,
        size: usize,
        home: Option<u64>,
        flags: u32,
    ) {
        self.s.sp = fp + size;
        let serial = self.s.next_serial;
        self.s.next_serial += 1;
        // SAFETY: method pointers name boxed MethodInfos that are never freed.
        let m = unsafe { &mut *method };
        m.hot_countdown = m.hot_countdown.wrapping_sub(1);
        if m.hot_countdown == 0 {
            self.tier_up(method);
        }
        self.s.frames.push(Frame {
            method,
            pc: 0,
            fp: fp as u32,
            serial,
            home: home.unwrap_or(serial),
            flags,
        });
    }

    /// Grows the slot stack for a frame reaching slot `need`, or reports an overflow
    /// (too many frames or slots): `Some(Overflow)`, after granting a reserve zone in
    /// which the `StackOverflow` handler runs. A handler that overflows again gets the
    /// next zone, up to [`MAX_NESTED_OVERFLOWS`]; only past that is it an error.
    #[cold]
    fn make_room(&mut self, need: usize) -> VmResult<Option<Pushed>> {
        if self.s.frames.len() < self.limits.frames && need < self.limits.slots {
            self.grow_stack((need * 2).max(self.s.stack.len() * 2));
            return Ok(None);
        }
        if self.limits.grant_reserve(self.s.frames.len(), need) {
            return Ok(Some(Pushed::Overflow));
        }
        Err(VmError::Fatal(format!(
            "stack overflow while handling {MAX_NESTED_OVERFLOWS} nested stack overflows"
        )))
    }

    /// Grows the slot stack to `len` slots (at most the current slot limit), keeping the
    /// native tier's `stack_base` in step.
    pub(crate) fn grow_stack(&mut self, len: usize) {
        self.s
            .stack
            .resize(len.min(self.limits.slots), Oop::small_int(0));
        self.s.stack_base = self.s.stack.as_mut_ptr();
        self.s.stack_slots = self.s.stack.len();
    }

    /// The closure of a block frame.
    pub(crate) fn frame_closure(&self, frame: &Frame) -> Oop {
        // SAFETY: frames name live MethodInfos.
        let m = unsafe { &*frame.method };
        self.s.stack[frame.fp as usize + m.frame_size() - 1]
    }

    /// Index of the live frame with `serial`, searching from the top.
    pub(crate) fn frame_index_of(&self, serial: u64) -> Option<usize> {
        for (i, f) in self.s.frames.iter().enumerate().rev() {
            if f.serial == serial {
                return Some(i);
            }
            if f.serial < serial {
                return None;
            }
        }
        None
    }
}

/// Where the next `StackOverflow` is signalled. Normally at [`SOFT_FRAME_LIMIT`] frames
/// or at fifteen sixteenths of the slot stack's maximum (a quarter of the memory budget,
/// `Vm::new`); each overflow in progress adds a reserve zone above the point where it
/// happened, so its handler (and a handler of an overflow inside that handler, up to
/// [`MAX_NESTED_OVERFLOWS`]) has room to run: [`OVERFLOW_RESERVE_FRAMES`] frames and an
/// eighth of the kept sixteenth of slots each. Back to normal when an unwind leaves the
/// stack below half the soft frame limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StackLimits {
    /// Frames allowed.
    pub(crate) frames: usize,
    /// Stack slots allowed.
    pub(crate) slots: usize,
    /// Reserve zones granted (overflows in progress).
    overflows: usize,
    /// The slot stack's maximum.
    max_slots: usize,
    /// Frames allowed with no overflow in progress ([`SOFT_FRAME_LIMIT`] unless a
    /// harness lowered it).
    soft_frames: usize,
}

impl StackLimits {
    /// The normal limits for a slot stack of at most `max_slots`.
    pub(crate) fn new(max_slots: usize) -> StackLimits {
        StackLimits::with_frames(max_slots, SOFT_FRAME_LIMIT)
    }

    /// The normal limits with `frames` frames allowed instead of [`SOFT_FRAME_LIMIT`].
    pub(crate) fn with_frames(max_slots: usize, frames: usize) -> StackLimits {
        StackLimits {
            frames,
            slots: max_slots - max_slots / 16,
            overflows: 0,
            max_slots,
            soft_frames: frames,
        }
    }

    /// The slot stack's maximum.
    pub(crate) fn max_slots(&self) -> usize {
        self.max_slots
    }

    /// After an unwind left `frames` frames: back to the normal limits once the stack is
    /// below half the normal frame limit (the overflows in progress are over).
    pub(crate) fn settle(&mut self, frames: usize) {
        if frames < self.soft_frames / 2 {
            self.reset();
        }
    }

    /// Back to the normal limits (no overflow in progress).
    pub(crate) fn reset(&mut self) {
        *self = self.normal();
    }

    /// The normal limits of a stack like this one (a new process's).
    pub(crate) fn normal(&self) -> StackLimits {
        StackLimits::with_frames(self.max_slots, self.soft_frames)
    }

    /// Grants the next reserve zone above `frames` frames and slot `need`; false when
    /// every zone is in use.
    fn grant_reserve(&mut self, frames: usize, need: usize) -> bool {
        if self.overflows == MAX_NESTED_OVERFLOWS {
            return false;
        }
        self.overflows += 1;
        self.frames = self.frames.max(frames) + OVERFLOW_RESERVE_FRAMES;
        let zone = self.max_slots / 16 / MAX_NESTED_OVERFLOWS;
        self.slots = (self.slots.max(need) + zone).min(self.max_slots);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_overflow_grants_one_zone_until_the_last() {
        let max = crate::state::STACK_SLOTS;
        let mut l = StackLimits::new(max);
        for k in 1..=MAX_NESTED_OVERFLOWS {
            assert!(l.grant_reserve(l.frames, l.slots));
            assert_eq!(l.frames, SOFT_FRAME_LIMIT + k * OVERFLOW_RESERVE_FRAMES);
            assert!(l.slots <= max);
        }
        assert_eq!(l.slots, max, "the zones use up exactly the slot stack");
        assert!(!l.grant_reserve(l.frames, l.slots));
        l.reset();
        assert_eq!(l, StackLimits::new(max));
    }

    #[test]
    fn an_unwind_below_half_the_normal_frame_limit_ends_the_overflows() {
        let normal = StackLimits::with_frames(1 << 20, 5_000);
        let mut l = normal;
        assert!(l.grant_reserve(5_000, 0));
        l.settle(3_000);
        assert_ne!(l, normal, "still above half of a lowered limit");
        l.settle(2_000);
        assert_eq!(l, normal);
    }
}
