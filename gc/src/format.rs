//! Object formats: what the body of an object holds, and how its 5-bit header code is made.
//!
//! | code | format | body |
//! |---|---|---|
//! | 0 | [`Format::Zero`] | nothing (one padding word) |
//! | 1 | [`Format::Fixed`] | named pointer slots |
//! | 2 | [`Format::Indexable`] | indexed pointer slots |
//! | 3 | [`Format::FixedIndexable`] | named then indexed pointer slots |
//! | 4 | [`Format::Weak`] | named (strong) then indexed (weak) pointer slots |
//! | 5 | [`Format::Ephemeron`] | slot 0 the key, then values kept only while the key lives |
//! | 6–8 | – | reserved (invalid in a header) |
//! | 9 | [`Format::Words64`] | 64-bit words |
//! | 10–11 | [`Format::Words32`] | 32-bit words; code − 10 = unused 32-bit units at the end |
//! | 12–15 | [`Format::Words16`] | 16-bit units; code − 12 = unused units at the end |
//! | 16–23 | [`Format::Bytes`] | bytes; code − 16 = unused bytes at the end |
//! | 24–31 | [`Format::CompiledCode`] | pointer literals then bytes; code − 24 = unused bytes |
//!
//! The unused-tail encoding makes the exact element count recoverable from the word count.

/// What the body of an object holds (the header's 5-bit code without the tail count).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Format {
    /// No body.
    Zero,
    /// Named pointer slots only.
    Fixed,
    /// Indexed pointer slots only (Array).
    Indexable,
    /// Named pointer slots followed by indexed pointer slots.
    FixedIndexable,
    /// Named (strong) slots followed by indexed weak slots, cleared to nil when their
    /// referent dies.
    Weak,
    /// Slot 0 is the key; the other slots are kept alive only while the key is reachable
    /// from outside the ephemeron. When the key dies all slots are set to nil.
    Ephemeron,
    /// Indexed 64-bit words (boxed doubles, LargeInteger digits).
    Words64,
    /// Indexed 32-bit words.
    Words32,
    /// Indexed 16-bit units.
    Words16,
    /// Indexed bytes (String, Symbol, ByteArray).
    Bytes,
    /// Compiled code: `fixed` pointer literals, then bytes.
    CompiledCode,
}

/// First code of the 32-bit formats.
pub const CODE_WORDS32: u8 = 10;
/// First code of the 16-bit formats.
pub const CODE_WORDS16: u8 = 12;
/// First code of the 8-bit formats.
pub const CODE_BYTES: u8 = 16;
/// First code of the compiled-code formats.
pub const CODE_COMPILED: u8 = 24;

/// [`Format::from_code`] for every 5-bit code.
const DECODE: [Option<Format>; 32] = {
    let mut t = [None; 32];
    let mut c = 0;
    while c < 32 {
        t[c] = Format::decode_slow(c as u8);
        c += 1;
    }
    t
};

/// [`Format::unused_from_code`] for every 5-bit code.
const UNUSED: [u8; 32] = {
    let mut t = [0; 32];
    let mut c = 0;
    while c < 32 {
        t[c] = Format::unused_slow(c as u8);
        c += 1;
    }
    t
};

impl Format {
    /// Every format, for tests and tools.
    pub const ALL: [Format; 11] = [
        Format::Zero,
        Format::Fixed,
        Format::Indexable,
        Format::FixedIndexable,
        Format::Weak,
        Format::Ephemeron,
        Format::Words64,
        Format::Words32,
        Format::Words16,
        Format::Bytes,
        Format::CompiledCode,
    ];

    /// Decodes a 5-bit header code; `None` for the reserved codes 6–8 and codes above 31.
    /// A table lookup: header decoding lies on every object access.
    #[inline(always)]
    pub const fn from_code(code: u8) -> Option<Format> {
        if (code as usize) < DECODE.len() {
            DECODE[code as usize]
        } else {
            None
        }
    }

    /// The match [`DECODE`] is built from.
    const fn decode_slow(code: u8) -> Option<Format> {
        Some(match code {
            0 => Format::Zero,
            1 => Format::Fixed,
            2 => Format::Indexable,
            3 => Format::FixedIndexable,
            4 => Format::Weak,
            5 => Format::Ephemeron,
            9 => Format::Words64,
            10..=11 => Format::Words32,
            12..=15 => Format::Words16,
            16..=23 => Format::Bytes,
            24..=31 => Format::CompiledCode,
            _ => return None,
        })
    }

    /// The header code for this format with `unused` elements (of the format's unit)
    /// left over in the last body word.
    #[inline]
    pub const fn code(self, unused: u8) -> u8 {
        match self {
            Format::Zero => 0,
            Format::Fixed => 1,
            Format::Indexable => 2,
            Format::FixedIndexable => 3,
            Format::Weak => 4,
            Format::Ephemeron => 5,
            Format::Words64 => 9,
            Format::Words32 => CODE_WORDS32 + unused,
            Format::Words16 => CODE_WORDS16 + unused,
            Format::Bytes => CODE_BYTES + unused,
            Format::CompiledCode => CODE_COMPILED + unused,
        }
    }

    /// The number of unused elements encoded in a header code of this format.
    #[inline(always)]
    pub const fn unused_from_code(code: u8) -> u8 {
        if (code as usize) < UNUSED.len() {
            UNUSED[code as usize]
        } else {
            0
        }
    }

    /// The match [`UNUSED`] is built from.
    const fn unused_slow(code: u8) -> u8 {
        match code {
            10..=11 => code - CODE_WORDS32,
            12..=15 => code - CODE_WORDS16,
            16..=23 => code - CODE_BYTES,
            24..=31 => code - CODE_COMPILED,
            _ => 0,
        }
    }

    /// Size in bytes of one indexable element of the non-pointer part (0 for pointer
    /// formats and `Zero`).
    #[inline]
    pub const fn element_bytes(self) -> usize {
        match self {
            Format::Words64 => 8,
            Format::Words32 => 4,
            Format::Words16 => 2,
            Format::Bytes | Format::CompiledCode => 1,
            _ => 0,
        }
    }

    /// Elements of this format's unit in one body word (8 for bytes, 1 for 64-bit
    /// words; 0 for pointer formats and `Zero`), without a division.
    #[inline]
    pub const fn elements_per_word(self) -> usize {
        match self {
            Format::Words64 => 1,
            Format::Words32 => 2,
            Format::Words16 => 4,
            Format::Bytes | Format::CompiledCode => 8,
            _ => 0,
        }
    }

    /// True when the body holds only pointer slots (Zero counts: it has none).
    #[inline]
    pub const fn is_pointers(self) -> bool {
        matches!(
            self,
            Format::Zero
                | Format::Fixed
                | Format::Indexable
                | Format::FixedIndexable
                | Format::Weak
                | Format::Ephemeron
        )
    }

    /// True when the body has an indexed part.
    #[inline]
    pub const fn is_indexable(self) -> bool {
        !matches!(self, Format::Zero | Format::Fixed | Format::Ephemeron)
    }

    /// True for the raw (non-pointer) word and byte formats, compiled code excluded.
    #[inline]
    pub const fn is_bits(self) -> bool {
        matches!(
            self,
            Format::Words64 | Format::Words32 | Format::Words16 | Format::Bytes
        )
    }

    /// True for 8-bit indexable formats and compiled code (whose indexed part is bytes).
    #[inline]
    pub const fn is_bytes(self) -> bool {
        matches!(self, Format::Bytes | Format::CompiledCode)
    }

    /// True for the weak format.
    #[inline]
    pub const fn is_weak(self) -> bool {
        matches!(self, Format::Weak)
    }

    /// True for the ephemeron format.
    #[inline]
    pub const fn is_ephemeron(self) -> bool {
        matches!(self, Format::Ephemeron)
    }

    /// True for compiled code.
    #[inline]
    pub const fn is_compiled_code(self) -> bool {
        matches!(self, Format::CompiledCode)
    }

    /// True when objects of this format always carry the prefix word that records the
    /// number of fixed pointer slots (their split is not implied by the format).
    #[inline]
    pub const fn needs_prefix(self) -> bool {
        matches!(
            self,
            Format::FixedIndexable | Format::Weak | Format::CompiledCode
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_with_tails() {
        for f in Format::ALL {
            let max_unused = match f {
                Format::Words32 => 1,
                Format::Words16 => 3,
                Format::Bytes | Format::CompiledCode => 7,
                _ => 0,
            };
            for unused in 0..=max_unused {
                let code = f.code(unused);
                assert!(code < 32);
                assert_eq!(Format::from_code(code), Some(f));
                assert_eq!(Format::unused_from_code(code), unused);
            }
        }
        for reserved in [6, 7, 8, 32] {
            assert_eq!(Format::from_code(reserved), None);
        }
    }
}
