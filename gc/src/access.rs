//! Reading and writing objects: class, format, sizes, pointer slots (every store goes
//! through the write barrier), raw bytes and words, identity hash, flags.
//!
//! Soundness contract: an `Oop` handed to these methods must be an immediate or a live
//! object of this heap, read after the last call that may have collected. Debug builds
//! check that pointers fall inside the heap; release builds trust the caller, exactly as
//! the JIT's inline code does. Indices are always checked. An immediate where an object
//! is expected (a VM bug: the primitive layer checks receivers and arguments first) stops
//! a debug build; a release build sees an empty object (no slots, no bytes) and never
//! reads or writes memory for it. A wrong-format object is answered by its real format:
//! pointer accessors see its pointer slots, byte accessors its raw part, never more.

use crate::format::Format;
use crate::header::{ClassIndex, Header, IMMUTABLE_BIT, PINNED_BIT};
use crate::heap::Heap;
use crate::object;
use crate::oop::{Oop, TAG_CHAR, TAG_FLOAT, TAG_SMALL_INT};

impl Heap {
    #[inline(always)]
    pub(crate) fn header_of(&self, oop: Oop) -> Header {
        if !oop.is_ptr() {
            debug_assert!(false, "header of the immediate {oop:?}");
            // An empty object: zero slots, no prefix, so no accessor touches memory.
            return Header::new(ClassIndex::FREE, 0, 0);
        }
        debug_assert!(self.contains(oop), "{oop:?} is not an object of this heap");
        // SAFETY: by the soundness contract `oop` names a live object.
        unsafe { object::header(oop.addr()) }
    }

    #[inline(always)]
    fn set_header_of(&mut self, oop: Oop, h: Header) {
        if !oop.is_ptr() {
            debug_assert!(false, "header of the immediate {oop:?}");
            return;
        }
        debug_assert!(self.contains(oop), "{oop:?} is not an object of this heap");
        // SAFETY: as in `header_of`; callers only change flags or the hash.
        unsafe { object::set_header(oop.addr(), h) }
    }

    /// True when `oop` points into the nursery, an old segment or a large segment
    /// (not a full validity check: see [`Heap::verify`]).
    pub fn contains(&self, oop: Oop) -> bool {
        oop.is_ptr()
            && (self.nursery.contains_ptr(oop.bits()) || self.old.find(oop.addr()).is_some())
    }

    /// The class index of any Oop; immediates answer their fixed indices.
    #[inline(always)]
    pub fn class_index(&self, oop: Oop) -> ClassIndex {
        match oop.tag() {
            0 => self.header_of(oop).class(),
            TAG_SMALL_INT => ClassIndex::SMALL_INTEGER,
            TAG_CHAR => ClassIndex::CHARACTER,
            TAG_FLOAT => ClassIndex::SMALL_FLOAT,
            _ => ClassIndex::FREE,
        }
    }

    /// Replaces the class index of an object (the VM's `primitiveChangeClass`); the new
    /// class must describe the same format.
    pub fn set_class_index(&mut self, oop: Oop, class: ClassIndex) {
        let h = self.header_of(oop);
        self.set_header_of(oop, h.with_class(class));
    }

    /// The format of a heap object.
    #[inline(always)]
    pub fn format(&self, oop: Oop) -> Format {
        self.header_of(oop).format()
    }

    /// Bytes the object occupies: prefix word, header and body (0 for immediates).
    pub fn object_bytes(&self, oop: Oop) -> usize {
        if !oop.is_ptr() {
            return 0;
        }
        let h = self.header_of(oop);
        // SAFETY: `oop` names a live object.
        unsafe { object::total_bytes(oop.addr(), h) }
    }

    /// Number of pointer slots (named and indexed; literals for compiled code).
    #[inline(always)]
    pub fn slot_count(&self, oop: Oop) -> usize {
        let h = self.header_of(oop);
        // SAFETY: `oop` names a live object.
        unsafe { object::pointer_slots(oop.addr(), h) }
    }

    /// Number of named pointer slots.
    pub fn fixed_slot_count(&self, oop: Oop) -> usize {
        let h = self.header_of(oop);
        // SAFETY: `oop` names a live object.
        unsafe { object::fixed_slots(oop.addr(), h) }
    }

    /// Number of indexed elements in the format's unit (bytes for byte formats and
    /// compiled code, 32-bit words for `Words32`, ...).
    #[inline]
    pub fn indexable_len(&self, oop: Oop) -> usize {
        let h = self.header_of(oop);
        // SAFETY: `oop` names a live object.
        let body = unsafe { object::body_words(oop.addr(), h) };
        let format = h.format();
        match format {
            Format::Zero | Format::Fixed | Format::Ephemeron => 0,
            Format::Indexable | Format::FixedIndexable | Format::Weak => {
                // SAFETY: as above.
                body - unsafe { object::fixed_slots(oop.addr(), h) }
            }
            Format::Words64
            | Format::Words32
            | Format::Words16
            | Format::Bytes
            | Format::CompiledCode => {
                // SAFETY: as above.
                let fixed = unsafe { object::fixed_slots(oop.addr(), h) };
                (body - fixed) * format.elements_per_word()
                    - Format::unused_from_code(h.code()) as usize
            }
        }
    }

    /// Pointer slot `i`.
    ///
    /// # Panics
    /// If `i` is not below [`Heap::slot_count`] (a bad index would read outside the
    /// object); [`Heap::try_fetch`] returns `None` instead.
    #[inline(always)]
    pub fn fetch(&self, oop: Oop, i: usize) -> Oop {
        assert!(i < self.slot_count(oop), "slot {i} out of range");
        // SAFETY: index checked against the object's pointer slots.
        Oop::from_bits(unsafe { object::read_slot(oop.addr(), i) })
    }

    /// Stores `val` into pointer slot `i`, through the write barrier.
    ///
    /// # Panics
    /// If `i` is not below [`Heap::slot_count`] (a bad index would corrupt the heap);
    /// [`Heap::try_store`] returns `false` instead.
    #[inline(always)]
    pub fn store(&mut self, oop: Oop, i: usize, val: Oop) {
        assert!(i < self.slot_count(oop), "slot {i} out of range");
        // SAFETY: index checked against the object's pointer slots.
        unsafe { object::write_slot(oop.addr(), i, val.bits()) };
        self.write_barrier(oop, val);
    }

    /// Pointer slot `i`, or `None` when `i` is not below [`Heap::slot_count`] (for
    /// primitives that turn a bad index into a primitive failure).
    #[inline]
    pub fn try_fetch(&self, oop: Oop, i: usize) -> Option<Oop> {
        // SAFETY: index checked against the object's pointer slots.
        (i < self.slot_count(oop))
            .then(|| Oop::from_bits(unsafe { object::read_slot(oop.addr(), i) }))
    }

    /// [`Heap::store`], or `false` (and nothing stored) when `i` is not below
    /// [`Heap::slot_count`].
    #[inline]
    #[must_use = "a failed store must be reported"]
    pub fn try_store(&mut self, oop: Oop, i: usize, val: Oop) -> bool {
        if i >= self.slot_count(oop) {
            return false;
        }
        // SAFETY: index checked against the object's pointer slots.
        unsafe { object::write_slot(oop.addr(), i, val.bits()) };
        self.write_barrier(oop, val);
        true
    }

    /// Pointer slot `i` without the bounds check (interpreter and JIT paths that have
    /// already checked, or that index named slots of a known class).
    ///
    /// # Safety
    /// `oop` must be a live object of this heap and `i` below its [`Heap::slot_count`].
    #[inline(always)]
    pub unsafe fn fetch_unchecked(&self, oop: Oop, i: usize) -> Oop {
        debug_assert!(i < self.slot_count(oop), "slot {i} out of range");
        // SAFETY: the caller guarantees the slot exists.
        Oop::from_bits(unsafe { object::read_slot(oop.addr(), i) })
    }

    /// [`Heap::store`] without the bounds check; the barrier still runs.
    ///
    /// # Safety
    /// As [`Heap::fetch_unchecked`].
    #[inline(always)]
    pub unsafe fn store_unchecked(&mut self, oop: Oop, i: usize, val: Oop) {
        debug_assert!(i < self.slot_count(oop), "slot {i} out of range");
        // SAFETY: the caller guarantees the slot exists.
        unsafe { object::write_slot(oop.addr(), i, val.bits()) };
        self.write_barrier(oop, val);
    }

    /// The indexed part of a byte, word or compiled-code object as bytes (exact length:
    /// element count × element size). Pointer objects have none: empty.
    #[inline]
    pub fn bytes(&self, oop: Oop) -> &[u8] {
        let (ptr, len) = self.raw_part(oop);
        // SAFETY: `raw_part` returns the object's non-pointer body, borrowed with `self`.
        unsafe { std::slice::from_raw_parts(ptr as *const u8, len) }
    }

    /// Mutable view of [`Heap::bytes`].
    pub fn bytes_mut(&mut self, oop: Oop) -> &mut [u8] {
        let (ptr, len) = self.raw_part(oop);
        // SAFETY: as `bytes`; `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(ptr as *mut u8, len) }
    }

    /// The body of a `Words64` object.
    pub fn words64(&self, oop: Oop) -> &[u64] {
        self.words::<u64>(oop, Format::Words64)
    }

    /// Mutable body of a `Words64` object.
    pub fn words64_mut(&mut self, oop: Oop) -> &mut [u64] {
        self.words_mut::<u64>(oop, Format::Words64)
    }

    /// The body of a `Words32` object.
    pub fn words32(&self, oop: Oop) -> &[u32] {
        self.words::<u32>(oop, Format::Words32)
    }

    /// Mutable body of a `Words32` object.
    pub fn words32_mut(&mut self, oop: Oop) -> &mut [u32] {
        self.words_mut::<u32>(oop, Format::Words32)
    }

    /// The body of a `Words16` object.
    pub fn words16(&self, oop: Oop) -> &[u16] {
        self.words::<u16>(oop, Format::Words16)
    }

    /// Mutable body of a `Words16` object.
    pub fn words16_mut(&mut self, oop: Oop) -> &mut [u16] {
        self.words_mut::<u16>(oop, Format::Words16)
    }

    /// The `want`-format body as `T`s. An object of another format has none: debug
    /// builds stop (a VM bug), release builds answer an empty slice.
    fn words<T>(&self, oop: Oop, want: Format) -> &[T] {
        let (ptr, len) = self.words_part(oop, want);
        // SAFETY: the body is 8-aligned and `len` bytes long, a multiple of `T`'s size.
        unsafe { std::slice::from_raw_parts(ptr as *const T, len / std::mem::size_of::<T>()) }
    }

    /// Mutable [`Heap::words`].
    fn words_mut<T>(&mut self, oop: Oop, want: Format) -> &mut [T] {
        let (ptr, len) = self.words_part(oop, want);
        // SAFETY: as `words`, unique through `&mut self`.
        unsafe { std::slice::from_raw_parts_mut(ptr as *mut T, len / std::mem::size_of::<T>()) }
    }

    /// [`Heap::raw_part`] of an object of format `want`; no bytes for another format.
    fn words_part(&self, oop: Oop, want: Format) -> (usize, usize) {
        let format = self.format(oop);
        if format != want {
            debug_assert!(false, "{want:?} access to a {format:?} object");
            return (object::slot_addr(oop.addr(), 0), 0);
        }
        self.raw_part(oop)
    }

    /// Address and byte length of the non-pointer part of the body (length 0 for
    /// pointer formats, whose element size is 0).
    #[inline]
    fn raw_part(&self, oop: Oop) -> (usize, usize) {
        if !oop.is_ptr() {
            debug_assert!(false, "raw part of the immediate {oop:?}");
            // Empty, at an address aligned for every element type.
            return (std::ptr::NonNull::<u64>::dangling().as_ptr() as usize, 0);
        }
        let h = self.header_of(oop);
        let format = h.format();
        // SAFETY: `oop` names a live object.
        let fixed = unsafe { object::fixed_slots(oop.addr(), h) };
        let len = self.indexable_len(oop) * format.element_bytes();
        (object::slot_addr(oop.addr(), fixed), len)
    }

    /// The identity hash: assigned on first request, kept across moves. Immediates hash
    /// by value (low 32 bits of their payload).
    pub fn identity_hash(&mut self, oop: Oop) -> u32 {
        if !oop.is_ptr() {
            return (oop.bits() >> 3) as u32;
        }
        let h = self.header_of(oop);
        if h.hash() != 0 {
            return h.hash();
        }
        let hash = self.next_hash();
        self.set_header_of(oop, h.with_hash(hash));
        hash
    }

    /// The identity hash if already assigned (0 otherwise); does not assign.
    pub fn peek_identity_hash(&self, oop: Oop) -> u32 {
        if !oop.is_ptr() {
            return (oop.bits() >> 3) as u32;
        }
        self.header_of(oop).hash()
    }

    /// True for a young (nursery) object. Immediates are not young.
    #[inline(always)]
    pub fn is_young(&self, oop: Oop) -> bool {
        self.nursery.contains_ptr(oop.bits())
    }

    /// True for an immutable object; immediates are immutable.
    pub fn is_immutable(&self, oop: Oop) -> bool {
        !oop.is_ptr() || self.header_of(oop).has(IMMUTABLE_BIT)
    }

    /// Sets or clears the immutable flag. The heap does not refuse stores into immutable
    /// objects: the VM checks the flag before a Smalltalk-level store.
    pub fn set_immutable(&mut self, oop: Oop, immutable: bool) {
        let h = self.header_of(oop);
        self.set_header_of(
            oop,
            if immutable {
                h.set(IMMUTABLE_BIT)
            } else {
                h.clear(IMMUTABLE_BIT)
            },
        );
    }

    /// Pins an old object so that compaction never moves it; `false` (and nothing done)
    /// for a young object, which must be allocated with [`Heap::alloc_old`] to be pinned.
    pub fn pin(&mut self, oop: Oop) -> bool {
        if self.is_young(oop) {
            return false;
        }
        let h = self.header_of(oop);
        self.set_header_of(oop, h.set(PINNED_BIT));
        true
    }

    /// Unpins an object.
    pub fn unpin(&mut self, oop: Oop) {
        let h = self.header_of(oop);
        self.set_header_of(oop, h.clear(PINNED_BIT));
    }

    /// True for a pinned object.
    pub fn is_pinned(&self, oop: Oop) -> bool {
        oop.is_ptr() && self.header_of(oop).has(PINNED_BIT)
    }
}
