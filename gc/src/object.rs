//! Raw object layout: sizes from (format, fixed, indexable length), and reads of the
//! header, prefix and body of an object at a given address.
//!
//! Everything here works on addresses that the caller guarantees to name an object (or a
//! free chunk) inside one of the heap's spaces; the functions are `unsafe` for that reason.

use crate::format::Format;
use crate::header::{
    is_prefix_word, prefix_word, ClassIndex, Header, MAX_BODY_WORDS, MAX_FIXED_SLOTS,
    PREFIX_FIXED_MASK, PREFIX_FIXED_SHIFT, PREFIX_SIZE_MASK, SLOTS_OVERFLOW,
};

/// Bytes in a word.
pub(crate) const WORD: usize = 8;

/// How an object of a given shape is laid out: what allocation writes, and what inline
/// allocation code (the JIT's) must write the same way: the prefix word if any
/// ([`ObjectLayout::prefix_word`]), the header word ([`ObjectLayout::header_word`]),
/// then the body (at least one word): `pointer_slots` words of nil, the rest zero. The
/// object's `Oop` is the address of the header word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectLayout {
    /// Body size in words.
    pub body_words: usize,
    /// Pointer slots at the start of the body (all body words for pointer formats).
    pub pointer_slots: usize,
    /// Fixed pointer slots recorded in the prefix word.
    pub fixed: usize,
    /// The 5-bit format code, tail included.
    pub code: u8,
    /// Whether a prefix word precedes the header.
    pub prefix: bool,
    /// Total size in bytes: prefix, header and body (at least one body word).
    pub total_bytes: usize,
}

impl ObjectLayout {
    /// The layout of an object with `fixed` named pointer slots and `len` indexed elements
    /// (in the format's unit). `None` when the shape is too large to encode or does not
    /// make sense for the format (named slots on a raw-bits format, indexed elements on
    /// a fixed format, an ephemeron without a key slot).
    #[inline(always)]
    pub fn new(format: Format, fixed: usize, len: usize) -> Option<ObjectLayout> {
        let (body_words, pointer_slots, unused) = match format {
            Format::Zero => {
                if fixed != 0 || len != 0 {
                    return None;
                }
                (0, 0, 0)
            }
            Format::Fixed => {
                if len != 0 {
                    return None;
                }
                (fixed, fixed, 0)
            }
            Format::Ephemeron => {
                if len != 0 || fixed == 0 {
                    return None;
                }
                (fixed, fixed, 0)
            }
            Format::Indexable => {
                if fixed != 0 {
                    return None;
                }
                (len, len, 0)
            }
            Format::FixedIndexable | Format::Weak => {
                let n = fixed.checked_add(len)?;
                (n, n, 0)
            }
            Format::Words64 | Format::Words32 | Format::Words16 | Format::Bytes => {
                if fixed != 0 {
                    return None;
                }
                let per_word = WORD / format.element_bytes();
                let words = len.div_ceil(per_word);
                (words, 0, words * per_word - len)
            }
            Format::CompiledCode => {
                let words = len.div_ceil(WORD);
                (fixed.checked_add(words)?, fixed, words * WORD - len)
            }
        };
        if body_words > MAX_BODY_WORDS || (format.needs_prefix() && fixed > MAX_FIXED_SLOTS) {
            return None;
        }
        let prefix = format.needs_prefix() || body_words as u64 >= SLOTS_OVERFLOW;
        let total_words = prefix as usize + 1 + body_words.max(1);
        Some(ObjectLayout {
            body_words,
            pointer_slots,
            fixed: if format.needs_prefix() { fixed } else { 0 },
            code: format.code(unused as u8),
            prefix,
            total_bytes: total_words * WORD,
        })
    }

    /// The header word of a fresh object of this layout and class (no flags, no hash,
    /// age 0).
    #[inline(always)]
    pub fn header_word(&self, class: ClassIndex) -> u64 {
        self.header(class).0
    }

    /// The prefix word, when the layout has one.
    #[inline(always)]
    pub fn prefix_word(&self) -> Option<u64> {
        self.prefix
            .then(|| prefix_word(self.body_words, self.fixed))
    }

    /// The header word for this layout.
    #[inline(always)]
    pub(crate) fn header(&self, class: ClassIndex) -> Header {
        let size_field = if self.prefix {
            SLOTS_OVERFLOW
        } else {
            self.body_words as u64
        };
        Header::new(class, self.code, size_field)
    }

    /// Writes prefix (if any) and header at `start`, returns the header address.
    ///
    /// # Safety
    /// `start .. start + total_bytes` must be writable memory owned by the heap.
    #[inline(always)]
    pub(crate) unsafe fn write_head(&self, start: usize, class: ClassIndex) -> usize {
        let mut at = start;
        if self.prefix {
            // SAFETY: the caller owns the range, and it starts with the prefix word.
            unsafe { *(at as *mut u64) = prefix_word(self.body_words, self.fixed) };
            at += WORD;
        }
        // SAFETY: the header word follows, inside the range.
        unsafe { *(at as *mut u64) = self.header(class).0 };
        at
    }
}

/// Reads the header of the object at `addr`.
///
/// # Safety
/// `addr` must be the header address of an object or free chunk in the heap.
#[inline(always)]
pub(crate) unsafe fn header(addr: usize) -> Header {
    // SAFETY: the caller guarantees a readable, aligned header word.
    Header(unsafe { *(addr as *const u64) })
}

/// Overwrites the header of the object at `addr`.
///
/// # Safety
/// As [`header`], and the new header must describe the same size and layout (or the
/// caller must be turning the object into a free chunk or forwarder on purpose).
#[inline(always)]
pub(crate) unsafe fn set_header(addr: usize, h: Header) {
    // SAFETY: the caller guarantees a writable, aligned header word.
    unsafe { *(addr as *mut u64) = h.0 }
}

/// True when the object's header says a prefix word precedes it.
#[inline(always)]
pub(crate) fn has_prefix(h: Header) -> bool {
    h.size_field() == SLOTS_OVERFLOW
}

/// Body size in words of the object at `addr`.
///
/// # Safety
/// As [`header`]; if the header has the overflow size the prefix word must be readable.
#[inline(always)]
pub(crate) unsafe fn body_words(addr: usize, h: Header) -> usize {
    if has_prefix(h) {
        // SAFETY: a prefix word precedes every header whose size field is 255.
        (unsafe { *((addr - WORD) as *const u64) } & PREFIX_SIZE_MASK) as usize
    } else {
        h.size_field() as usize
    }
}

/// Number of fixed pointer slots of a prefixed object (FixedIndexable, Weak, CompiledCode).
///
/// # Safety
/// As [`body_words`].
#[inline(always)]
pub(crate) unsafe fn prefix_fixed(addr: usize, h: Header) -> usize {
    if has_prefix(h) {
        // SAFETY: as in `body_words`.
        ((unsafe { *((addr - WORD) as *const u64) } >> PREFIX_FIXED_SHIFT) & PREFIX_FIXED_MASK)
            as usize
    } else {
        0
    }
}

/// Number of pointer slots at the start of the body (0 for raw-bits formats).
///
/// # Safety
/// As [`body_words`].
#[inline(always)]
pub(crate) unsafe fn pointer_slots(addr: usize, h: Header) -> usize {
    // Codes 0–5 are the pointer formats, 24–31 compiled code; the rest hold no pointers
    // (6–8 are invalid and never written). Tested on the raw code: this is on the path of
    // every checked slot access.
    let code = h.code();
    if code <= 5 {
        // SAFETY: forwarded from the caller.
        unsafe { body_words(addr, h) }
    } else if code >= crate::format::CODE_COMPILED {
        // SAFETY: forwarded from the caller.
        unsafe { prefix_fixed(addr, h) }
    } else {
        0
    }
}

/// Number of named (fixed) pointer slots.
///
/// # Safety
/// As [`body_words`].
#[inline(always)]
pub(crate) unsafe fn fixed_slots(addr: usize, h: Header) -> usize {
    match h.format() {
        // SAFETY: forwarded from the caller.
        Format::Fixed | Format::Ephemeron => unsafe { body_words(addr, h) },
        // SAFETY: forwarded from the caller.
        Format::FixedIndexable | Format::Weak | Format::CompiledCode => unsafe {
            prefix_fixed(addr, h)
        },
        _ => 0,
    }
}

/// Words occupied by a body of `body` words: at least one (room for a forwarding address),
/// except for free chunks, which are exactly their size.
#[inline(always)]
pub(crate) fn occupied_body(h: Header, body: usize) -> usize {
    if h.class() == ClassIndex::FREE {
        body
    } else {
        body.max(1)
    }
}

/// Address of the first word of the object (its prefix word, or its header).
#[inline(always)]
pub(crate) fn start_of(addr: usize, h: Header) -> usize {
    if has_prefix(h) {
        addr - WORD
    } else {
        addr
    }
}

/// Total bytes occupied by the object at `addr` (prefix, header, body).
///
/// # Safety
/// As [`body_words`].
#[inline(always)]
pub(crate) unsafe fn total_bytes(addr: usize, h: Header) -> usize {
    // SAFETY: forwarded from the caller.
    let body = unsafe { body_words(addr, h) };
    (has_prefix(h) as usize + 1 + occupied_body(h, body)) * WORD
}

/// [`total_bytes`] of an object known not to be a free chunk (the collectors' copy and
/// scan loops, which never meet free chunks).
///
/// # Safety
/// As [`body_words`], and `addr` must not be a free chunk.
#[inline(always)]
pub(crate) unsafe fn object_total_bytes(addr: usize, h: Header) -> usize {
    debug_assert!(h.class() != ClassIndex::FREE);
    // SAFETY: forwarded from the caller.
    let body = unsafe { body_words(addr, h) };
    (has_prefix(h) as usize + 1 + body.max(1)) * WORD
}

/// Address one past the end of the object at `addr`.
///
/// # Safety
/// As [`body_words`].
#[inline(always)]
pub(crate) unsafe fn end_of(addr: usize, h: Header) -> usize {
    // SAFETY: forwarded from the caller.
    start_of(addr, h) + unsafe { total_bytes(addr, h) }
}

/// Given the first word of an object or free chunk at `start`, the address of its header.
///
/// # Safety
/// `start` must be the first word of an object or free chunk in a walkable space.
#[inline(always)]
pub(crate) unsafe fn header_addr_from_start(start: usize) -> usize {
    // SAFETY: the caller guarantees the word is readable.
    if is_prefix_word(unsafe { *(start as *const u64) }) {
        start + WORD
    } else {
        start
    }
}

/// Address of body word `i` of the object at `addr`.
#[inline(always)]
pub(crate) const fn slot_addr(addr: usize, i: usize) -> usize {
    addr + WORD + i * WORD
}

/// Reads body word `i`.
///
/// # Safety
/// `addr` must name an object whose body has more than `i` words (or a padding word for
/// `i == 0`).
#[inline(always)]
pub(crate) unsafe fn read_slot(addr: usize, i: usize) -> u64 {
    // SAFETY: the caller guarantees the word is inside the object.
    unsafe { *(slot_addr(addr, i) as *const u64) }
}

/// Writes body word `i` (no barrier: callers inside the collector only).
///
/// # Safety
/// As [`read_slot`].
#[inline(always)]
pub(crate) unsafe fn write_slot(addr: usize, i: usize, v: u64) {
    // SAFETY: the caller guarantees the word is inside the object.
    unsafe { *(slot_addr(addr, i) as *mut u64) = v }
}

/// Body words `range` of the object at `addr` as a slice.
///
/// # Safety
/// `addr` must name a live object whose body holds `range`, and those words must not be
/// written while the slice lives.
#[inline(always)]
pub(crate) unsafe fn slots<'a>(addr: usize, range: std::ops::Range<usize>) -> &'a [u64] {
    let len = range.end.saturating_sub(range.start);
    // SAFETY: the caller guarantees the words exist and stay unchanged.
    unsafe { std::slice::from_raw_parts(slot_addr(addr, range.start) as *const u64, len) }
}

/// Body words `range` of the object at `addr` as a mutable slice.
///
/// # Safety
/// `addr` must name a live object whose body holds `range`, and no other reference to
/// those words may be used while the slice lives.
#[inline(always)]
pub(crate) unsafe fn slots_mut<'a>(addr: usize, range: std::ops::Range<usize>) -> &'a mut [u64] {
    let len = range.end.saturating_sub(range.start);
    // SAFETY: the caller guarantees the words exist and are not aliased.
    unsafe { std::slice::from_raw_parts_mut(slot_addr(addr, range.start) as *mut u64, len) }
}

/// Formats `words` words at `start` as one free chunk (class [`ClassIndex::FREE`]), so
/// that the space stays walkable. A one-word chunk is a bare header with size 0.
///
/// # Safety
/// `start .. start + words * 8` must be writable heap memory that holds no live object.
pub(crate) unsafe fn write_free(start: usize, words: usize) {
    debug_assert!(words >= 1);
    let body = words - 1;
    if (body as u64) < SLOTS_OVERFLOW {
        // SAFETY: the caller owns the range.
        unsafe { set_header(start, Header::new(ClassIndex::FREE, 0, body as u64)) };
    } else {
        // SAFETY: the caller owns the range; words >= 256 so prefix and header fit.
        unsafe {
            *(start as *mut u64) = prefix_word(words - 2, 0);
            set_header(
                start + WORD,
                Header::new(ClassIndex::FREE, 0, SLOTS_OVERFLOW),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_lengths_are_exact_through_the_tail_code() {
        for len in 0..40usize {
            for f in [
                Format::Bytes,
                Format::Words16,
                Format::Words32,
                Format::Words64,
            ] {
                let l = ObjectLayout::new(f, 0, len).unwrap();
                let unit = f.element_bytes();
                let unused = Format::unused_from_code(l.code) as usize;
                assert_eq!(l.body_words * WORD / unit - unused, len, "{f:?} {len}");
            }
        }
    }

    #[test]
    fn prefix_for_big_or_split_bodies() {
        assert!(!ObjectLayout::new(Format::Indexable, 0, 254).unwrap().prefix);
        assert!(ObjectLayout::new(Format::Indexable, 0, 255).unwrap().prefix);
        assert!(ObjectLayout::new(Format::Weak, 0, 1).unwrap().prefix);
        assert_eq!(
            ObjectLayout::new(Format::Zero, 0, 0).unwrap().total_bytes,
            16
        );
        assert!(ObjectLayout::new(Format::Fixed, 1, 1).is_none());
        assert!(ObjectLayout::new(Format::Ephemeron, 0, 0).is_none());
        assert!(ObjectLayout::new(Format::Bytes, 1, 0).is_none());
    }
}
