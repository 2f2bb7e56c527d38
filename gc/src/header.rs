//! The object header word, the optional prefix word before it, and class indices.
//!
//! Every heap object starts with one 64-bit header; an `Oop` points at it.
//!
//! | bits | field |
//! |---|---|
//! | 0–21 | class index (22 bits) into the class table |
//! | 22–26 | format code (5 bits, see [`crate::format`]) |
//! | 27 | immutable |
//! | 28 | pinned (never moved by the collector; old space only) |
//! | 29 | remembered (old object in the remembered set) |
//! | 30 | marked (only during a full collection) |
//! | 31 | grey (only during a collection: scan pending / forwarding stored) |
//! | 32–53 | identity hash (22 bits, 0 = not assigned yet) |
//! | 54–55 | age in scavenges survived (young objects) |
//! | 56–63 | body size in words; 255 = the size is in the prefix word |
//!
//! The prefix word sits right before the header when the body size is 255 words or more,
//! or when the format needs it ([`Format::needs_prefix`]): its top byte is `0xFF` (so a
//! linear walk tells it from a header, whose size field is below 255 whenever no prefix
//! precedes it), bits 0–39 hold the body size in words and bits 40–55 the number of fixed
//! pointer slots.
//!
//! Every object occupies at least two words (header plus one body word, padding for
//! empty bodies) so that a forwarding address always fits in body word 0.

use crate::format::Format;

/// Bit position of the class index.
pub const CLASS_SHIFT: u32 = 0;
/// Width of the class index.
pub const CLASS_BITS: u32 = 22;
/// Mask of the class index (after shifting).
pub const CLASS_MASK: u64 = (1 << CLASS_BITS) - 1;
/// Bit position of the format code.
pub const FORMAT_SHIFT: u32 = 22;
/// Mask of the format code (after shifting).
pub const FORMAT_MASK: u64 = 0x1F;
/// Immutable flag.
pub const IMMUTABLE_BIT: u64 = 1 << 27;
/// Pinned flag.
pub const PINNED_BIT: u64 = 1 << 28;
/// Remembered flag: the object is in the remembered set. The JIT's barrier fast path tests
/// this bit.
pub const REMEMBERED_BIT: u64 = 1 << 29;
/// Marked flag (full collection only).
pub const MARKED_BIT: u64 = 1 << 30;
/// Grey flag (collection only).
pub const GREY_BIT: u64 = 1 << 31;
/// Bit position of the identity hash.
pub const HASH_SHIFT: u32 = 32;
/// Width of the identity hash.
pub const HASH_BITS: u32 = 22;
/// Mask of the identity hash (after shifting).
pub const HASH_MASK: u64 = (1 << HASH_BITS) - 1;
/// Bit position of the age.
pub const AGE_SHIFT: u32 = 54;
/// Mask of the age (after shifting).
pub const AGE_MASK: u64 = 0b11;
/// Largest age the header holds.
pub const MAX_AGE: u8 = 3;
/// Bit position of the body size.
pub const SLOTS_SHIFT: u32 = 56;
/// Body-size value meaning "read the prefix word".
pub const SLOTS_OVERFLOW: u64 = 255;
/// Top-byte marker of a prefix word.
pub const PREFIX_MARK: u64 = 0xFF << 56;
/// Mask of the body size in a prefix word.
pub const PREFIX_SIZE_MASK: u64 = (1 << 40) - 1;
/// Bit position of the fixed-slot count in a prefix word.
pub const PREFIX_FIXED_SHIFT: u32 = 40;
/// Mask of the fixed-slot count in a prefix word (after shifting).
pub const PREFIX_FIXED_MASK: u64 = 0xFFFF;
/// Largest number of fixed slots an object with a prefix word can declare.
pub const MAX_FIXED_SLOTS: usize = PREFIX_FIXED_MASK as usize;
/// Largest body size, in words.
pub const MAX_BODY_WORDS: usize = PREFIX_SIZE_MASK as usize;

/// An index into the class table: what an object's header names as its class.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ClassIndex(pub u32);

impl ClassIndex {
    /// Reserved: free chunks in old space carry this index (never a real class).
    pub const FREE: ClassIndex = ClassIndex(0);
    /// The class of SmallInteger immediates.
    pub const SMALL_INTEGER: ClassIndex = ClassIndex(1);
    /// The class of Character immediates.
    pub const CHARACTER: ClassIndex = ClassIndex(2);
    /// The class of immediate floats.
    pub const SMALL_FLOAT: ClassIndex = ClassIndex(3);
    /// Reserved: an object that the scavenger moved (its body word 0 holds the new
    /// address). Never visible outside a collection.
    pub const FORWARDED: ClassIndex = ClassIndex(4);
    /// First index handed out by [`crate::Heap::register_class`]; 5–7 are reserved.
    pub const FIRST_FREE: ClassIndex = ClassIndex(8);
    /// Largest class index the header holds.
    pub const MAX: ClassIndex = ClassIndex(CLASS_MASK as u32);

    /// The index as a `usize` (for table lookups).
    #[inline(always)]
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// One header word, decoded on demand.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Header(pub(crate) u64);

impl Header {
    /// A fresh header (hash unassigned, age 0, no flags).
    #[inline(always)]
    pub(crate) const fn new(class: ClassIndex, code: u8, size_field: u64) -> Header {
        // An index beyond the class table's range is a VM bug; masked, it cannot spill
        // into the format bits (the verifier reports the wrong class instead).
        debug_assert!(class.0 as u64 <= CLASS_MASK);
        Header(
            (((class.0 as u64) & CLASS_MASK) << CLASS_SHIFT)
                | ((code as u64) << FORMAT_SHIFT)
                | (size_field << SLOTS_SHIFT),
        )
    }

    #[inline(always)]
    pub(crate) const fn class(self) -> ClassIndex {
        ClassIndex(((self.0 >> CLASS_SHIFT) & CLASS_MASK) as u32)
    }

    #[inline(always)]
    pub(crate) const fn with_class(self, class: ClassIndex) -> Header {
        debug_assert!(class.0 as u64 <= CLASS_MASK);
        Header(
            (self.0 & !(CLASS_MASK << CLASS_SHIFT))
                | (((class.0 as u64) & CLASS_MASK) << CLASS_SHIFT),
        )
    }

    #[inline(always)]
    pub(crate) const fn code(self) -> u8 {
        ((self.0 >> FORMAT_SHIFT) & FORMAT_MASK) as u8
    }

    #[inline(always)]
    pub(crate) fn format(self) -> Format {
        // Headers written by the heap always carry a valid code; the verifier checks the
        // others before anything decodes them.
        Format::from_code(self.code()).unwrap_or(Format::Zero)
    }

    #[inline(always)]
    pub(crate) const fn size_field(self) -> u64 {
        self.0 >> SLOTS_SHIFT
    }

    #[inline(always)]
    pub(crate) const fn has(self, bit: u64) -> bool {
        self.0 & bit != 0
    }

    #[inline(always)]
    pub(crate) const fn set(self, bit: u64) -> Header {
        Header(self.0 | bit)
    }

    #[inline(always)]
    pub(crate) const fn clear(self, bit: u64) -> Header {
        Header(self.0 & !bit)
    }

    #[inline(always)]
    pub(crate) const fn hash(self) -> u32 {
        ((self.0 >> HASH_SHIFT) & HASH_MASK) as u32
    }

    #[inline(always)]
    pub(crate) const fn with_hash(self, hash: u32) -> Header {
        Header((self.0 & !(HASH_MASK << HASH_SHIFT)) | (((hash as u64) & HASH_MASK) << HASH_SHIFT))
    }

    #[inline(always)]
    pub(crate) const fn age(self) -> u8 {
        ((self.0 >> AGE_SHIFT) & AGE_MASK) as u8
    }

    #[inline(always)]
    pub(crate) const fn with_age(self, age: u8) -> Header {
        Header((self.0 & !(AGE_MASK << AGE_SHIFT)) | (((age as u64) & AGE_MASK) << AGE_SHIFT))
    }
}

/// A prefix word: body size and fixed-slot count.
#[inline(always)]
pub(crate) const fn prefix_word(body_words: usize, fixed: usize) -> u64 {
    PREFIX_MARK
        | ((fixed as u64 & PREFIX_FIXED_MASK) << PREFIX_FIXED_SHIFT)
        | (body_words as u64 & PREFIX_SIZE_MASK)
}

/// True when `word` is a prefix word (top byte 0xFF).
#[inline(always)]
pub(crate) const fn is_prefix_word(word: u64) -> bool {
    word >> 56 == 0xFF
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_overlap() {
        let h = Header::new(ClassIndex::MAX, 31, 254)
            .with_hash(HASH_MASK as u32)
            .with_age(MAX_AGE)
            .set(IMMUTABLE_BIT | PINNED_BIT | REMEMBERED_BIT | MARKED_BIT | GREY_BIT);
        assert_eq!(h.class(), ClassIndex::MAX);
        assert_eq!(h.code(), 31);
        assert_eq!(h.size_field(), 254);
        assert_eq!(h.hash(), HASH_MASK as u32);
        assert_eq!(h.age(), MAX_AGE);
        assert_eq!(
            h.0,
            u64::MAX ^ (1 << SLOTS_SHIFT),
            "every field bit is reachable and none overlap"
        );
        let cleared = h
            .clear(MARKED_BIT)
            .with_hash(5)
            .with_age(1)
            .with_class(ClassIndex(9));
        assert!(!cleared.has(MARKED_BIT) && cleared.has(GREY_BIT));
        assert_eq!(
            (cleared.hash(), cleared.age(), cleared.class()),
            (5, 1, ClassIndex(9))
        );
        assert_eq!(cleared.code(), 31);
    }

    #[test]
    fn prefix_words_are_recognised() {
        let p = prefix_word(MAX_BODY_WORDS, MAX_FIXED_SLOTS);
        assert!(is_prefix_word(p));
        assert!(!is_prefix_word(Header::new(ClassIndex::MAX, 31, 254).0));
        assert_eq!(p & PREFIX_SIZE_MASK, MAX_BODY_WORDS as u64);
        assert_eq!(
            (p >> PREFIX_FIXED_SHIFT) & PREFIX_FIXED_MASK,
            MAX_FIXED_SLOTS as u64
        );
    }
}
