//! [`TierLayout`]: the field offsets and stable addresses compiled code reads.
//!
//! Offsets are computed here with `std::mem::offset_of!`, so no VM struct needs
//! `#[repr(C)]` and no field becomes public. Addresses are stable for the VM's lifetime:
//! the interrupt word lives in an `Arc`, the runtime functions are statics. Nothing
//! heap-allocated by the collector is ever embedded in code (docs/design/jit.md §11).

use std::mem::offset_of;

use crate::vm::Vm;

use super::runtime::RuntimeTable;

/// What compiled code needs to know about a VM.
#[derive(Clone, Copy, Debug)]
pub struct TierLayout {
    /// Offset in `Vm` of the stack base pointer (`*mut Oop`, re-read after every
    /// runtime call: the stack may grow).
    pub stack_base: i32,
    /// Offsets in `Vm` of nil, true and false (old objects that compaction may move:
    /// loaded at each use, never constants).
    pub nil: i32,
    /// See `nil`.
    pub true_: i32,
    /// See `nil`.
    pub false_: i32,
    /// Address of the interrupt word (a 32-bit word; non-zero = a safepoint is due).
    pub interrupt: usize,
    /// Offsets in `Vm` of the entry address and `fp` a runtime call answering `ENTER`
    /// leaves for its caller.
    pub enter_entry: i32,
    /// See `enter_entry`.
    pub enter_fp: i32,
    /// Class index of Array (the `at:`/`at:put:` fast path's exact class).
    pub array_class: u64,
    /// Header bits: class index mask, and the shift of the 8-bit size field (255 =
    /// the size is in a prefix word: at least 255 slots).
    pub class_mask: u64,
    /// See `class_mask`.
    pub size_shift: u32,
    /// Byte offset of body word 0 from an object's address (gc's body-word rule).
    pub first_slot: i32,
    /// The runtime calls.
    pub runtime: RuntimeTable,
}

impl TierLayout {
    /// The layout of `vm`.
    pub fn of(vm: &Vm) -> TierLayout {
        TierLayout {
            stack_base: offset_of!(Vm, s.stack_base) as i32,
            nil: offset_of!(Vm, s.specials.nil) as i32,
            true_: offset_of!(Vm, s.specials.true_) as i32,
            false_: offset_of!(Vm, s.specials.false_) as i32,
            interrupt: std::sync::Arc::as_ptr(&vm.interrupt) as usize,
            enter_entry: offset_of!(Vm, tier.enter_entry) as i32,
            enter_fp: offset_of!(Vm, tier.enter_fp) as i32,
            array_class: vm.s.known.array as u64,
            class_mask: cairn_gc::header::CLASS_MASK,
            size_shift: cairn_gc::header::SLOTS_SHIFT,
            first_slot: 8,
            runtime: RuntimeTable::get(),
        }
    }
}
