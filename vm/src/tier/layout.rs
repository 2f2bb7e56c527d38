//! [`TierLayout`]: the field offsets and stable addresses compiled code reads.
//!
//! Offsets are computed here with `std::mem::offset_of!`, so no VM struct needs
//! `#[repr(C)]` and no field becomes public. Addresses are stable for the VM's lifetime:
//! the interrupt word lives in an `Arc`, the runtime functions are statics. Nothing
//! heap-allocated by the collector is ever embedded in code (docs/design/jit.md §11).

use std::mem::offset_of;

use crate::vm::Vm;

use super::runtime::RuntimeTable;

/// Where compiled code finds what an inline frame push or pop reads and writes.
#[derive(Clone, Copy, Debug)]
pub struct FrameOffsets {
    /// `State::sp` (usize).
    pub sp: i32,
    /// `FrameStack` buffer pointer, length, capacity (in `Vm`).
    pub ptr: i32,
    /// See `ptr`.
    pub len: i32,
    /// See `ptr`.
    pub cap: i32,
    /// `State::next_serial` (u64).
    pub next_serial: i32,
    /// The frame limit (usize; it moves while a `StackOverflow` is handled).
    pub limit: i32,
    /// `State::stack_slots` (usize).
    pub stack_slots: i32,
    /// The native stack limit (usize).
    pub native_limit: i32,
    /// The direct-call counter (u64).
    pub direct_calls: i32,
    /// Bytes per `Frame`, and the offsets of its fields.
    pub size: i32,
    /// See `size`.
    pub method: i32,
    /// See `size` (u32).
    pub pc: i32,
    /// See `size` (u32).
    pub fp: i32,
    /// See `size` (u64).
    pub serial: i32,
    /// See `size` (u64).
    pub home: i32,
    /// See `size` (u32).
    pub flags: i32,
    /// The flag a block frame carries (a plain return ignores it).
    pub block_flag: u32,
    /// Offset of `MethodInfo::entry` (an `Option<NativeEntry>`: 0 = none).
    pub entry: i32,
}

/// Where compiled code finds what a direct block activation reads (`value`, `value:`
/// ... of a closure without the primitive; docs/design/jit.md).
#[derive(Clone, Copy, Debug)]
pub struct BlockOffsets {
    /// Offsets in `Vm` of the method table's buffer and length (usize each).
    pub methods_base: i32,
    /// See `methods_base`.
    pub methods_len: i32,
    /// Offset in `Vm` of `State::swaps` (u64: 0 until the first `become:`).
    pub swaps: i32,
    /// Offset in `Vm` of the block-call counter (u64).
    pub block_calls: i32,
    /// Offsets in `MethodInfo` of `closure_key` (u64), `room` and `slots` (usize).
    pub closure_key: i32,
    /// See `closure_key`.
    pub room: i32,
    /// See `closure_key`.
    pub slots: i32,
    /// `closure_key`'s bits: the checked flag, the block flag, the argument shift.
    pub checked: u64,
    /// See `checked`.
    pub block_bit: u64,
    /// See `checked`.
    pub args_shift: u32,
}

/// The header's format code, as inline primitives and block calls read it (gc's
/// formats, gc/src/format.rs).
#[derive(Clone, Copy, Debug)]
pub struct HeaderFacts {
    /// Shift and mask of the format code.
    pub format_shift: u32,
    /// See `format_shift`.
    pub format_mask: u64,
    /// Codes below this hold only pointer slots, whose count is the size field.
    pub pointer_formats: u64,
    /// The code of indexed pointer slots without named ones (Array).
    pub indexable_format: u64,
    /// The first byte-format code (code − it = unused bytes at the end, below 8).
    pub bytes_format: u64,
}

impl HeaderFacts {
    fn of() -> HeaderFacts {
        use cairn_gc::Format;
        HeaderFacts {
            format_shift: cairn_gc::header::FORMAT_SHIFT,
            format_mask: cairn_gc::header::FORMAT_MASK,
            pointer_formats: (0u8..32)
                .take_while(|&c| Format::from_code(c).is_some_and(|f| f.is_pointers()))
                .count() as u64,
            indexable_format: Format::Indexable.code(0) as u64,
            bytes_format: Format::Bytes.code(0) as u64,
        }
    }
}

impl BlockOffsets {
    fn of() -> BlockOffsets {
        use crate::methods::{closure_key, MethodInfo};
        BlockOffsets {
            methods_base: offset_of!(Vm, tier.methods_base) as i32,
            methods_len: offset_of!(Vm, tier.methods_len) as i32,
            swaps: offset_of!(Vm, s.swaps) as i32,
            block_calls: offset_of!(Vm, tier.block_calls) as i32,
            closure_key: offset_of!(MethodInfo, closure_key) as i32,
            room: offset_of!(MethodInfo, room) as i32,
            slots: offset_of!(MethodInfo, slots) as i32,
            checked: closure_key::CHECKED,
            block_bit: closure_key::BLOCK,
            args_shift: closure_key::ARGS_SHIFT,
        }
    }
}

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
    /// Inline frames (§3, stage 5): offsets in `Vm` of `State::sp`, the frame stack's
    /// buffer pointer, length and capacity, the next frame serial, the frame limit, the
    /// slot stack's length, the native stack limit and the direct-call counter.
    pub frames: FrameOffsets,
    /// Direct block activations.
    pub blocks: BlockOffsets,
    /// Format codes of the header.
    pub header: HeaderFacts,
    /// The class index SmallIntegers answer (`ClassIndex::SMALL_INTEGER`): a guard
    /// chain's case for it tests the tag.
    pub small_integer_class: u32,
    /// The inline write barrier's facts: the nursery's range (mapped once, for the
    /// heap's lifetime) and the remembered bit (gc/src/barrier.rs).
    pub barrier: cairn_gc::BarrierInfo,
    /// Addresses of eden's allocation cursor and limit (a `Box` in the heap: stable for
    /// its lifetime), for inline allocation (§8).
    pub alloc_cursor: usize,
    /// See `alloc_cursor`.
    pub alloc_limit: usize,
    /// Offset in `Vm` of the address of the 256 shared one-character Strings
    /// (`charAt:`'s answers), by byte.
    pub char_strings: i32,
    /// The closure classes by argument count (3 stands for 3 and more), as
    /// `Vm::make_closure` picks them.
    pub closure_classes: [u32; 4],
    /// The runtime calls.
    pub runtime: RuntimeTable,
}

impl TierLayout {
    /// The layout of `vm`.
    pub fn of(vm: &Vm) -> TierLayout {
        let (alloc_cursor, alloc_limit) = vm.heap.alloc_addresses();
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
            frames: FrameOffsets::of(),
            blocks: BlockOffsets::of(),
            header: HeaderFacts::of(),
            small_integer_class: cairn_gc::ClassIndex::SMALL_INTEGER.0,
            barrier: vm.heap.barrier_info(),
            alloc_cursor,
            alloc_limit,
            char_strings: offset_of!(Vm, tier.char_strings) as i32,
            closure_classes: vm.s.known.blocks,
            runtime: RuntimeTable::get(),
        }
    }
}

impl FrameOffsets {
    fn of() -> FrameOffsets {
        use crate::interp::frame_stack::{CAP_OFFSET, LEN_OFFSET, PTR_OFFSET};
        use crate::interp::frames::{flags, Frame};
        use crate::methods::MethodInfo;
        let frames = offset_of!(Vm, s.frames);
        FrameOffsets {
            sp: offset_of!(Vm, s.sp) as i32,
            ptr: (frames + PTR_OFFSET) as i32,
            len: (frames + LEN_OFFSET) as i32,
            cap: (frames + CAP_OFFSET) as i32,
            next_serial: offset_of!(Vm, s.next_serial) as i32,
            limit: offset_of!(Vm, limits.frames) as i32,
            stack_slots: offset_of!(Vm, s.stack_slots) as i32,
            native_limit: offset_of!(Vm, tier.native_limit) as i32,
            direct_calls: offset_of!(Vm, tier.direct_calls) as i32,
            size: std::mem::size_of::<Frame>() as i32,
            method: offset_of!(Frame, method) as i32,
            pc: offset_of!(Frame, pc) as i32,
            fp: offset_of!(Frame, fp) as i32,
            serial: offset_of!(Frame, serial) as i32,
            home: offset_of!(Frame, home) as i32,
            flags: offset_of!(Frame, flags) as i32,
            block_flag: flags::BLOCK,
            entry: offset_of!(MethodInfo, entry) as i32,
        }
    }
}
