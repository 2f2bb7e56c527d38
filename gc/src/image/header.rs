//! The image file's fixed 128-byte header: its fields, their encoding, the checks that
//! refuse a foreign, truncated or corrupt file, the BLAKE3 checksum, and the section
//! layout the header describes (`docs/design/images.md`, "The file").

use super::ImageError;

/// The first eight bytes of every image file.
pub const MAGIC: [u8; 8] = *b"CAIRNIMG";
/// The format version of an unsigned image.
pub const FORMAT_VERSION: u32 = 1;
/// The format version of a signed image: the image of version 1 followed by a
/// [`SIGNATURE_TRAILER_BYTES`] trailer that the header's file length does not count.
pub const SIGNED_FORMAT_VERSION: u32 = 2;
/// The first eight bytes of the signature trailer.
pub const SIGNATURE_MAGIC: [u8; 8] = *b"CAIRNSIG";
/// Bytes of the signature trailer: magic, the signer's 32-byte ed25519 public key, the
/// 64-byte signature.
pub const SIGNATURE_TRAILER_BYTES: usize = 8 + 32 + 64;
/// Bytes per word in the images this crate reads (the heap's word).
pub const WORD_BYTES: u32 = 8;
/// Bytes of the header; the manifest follows it.
pub const HEADER_BYTES: usize = 128;
/// Where the checksum lies in the header (it covers every other byte of the file).
const CHECKSUM_AT: usize = 96;

/// The decoded header of an image file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageHeader {
    /// Total length of the file.
    pub file_bytes: u64,
    /// Length of the manifest (before padding to a word).
    pub manifest_bytes: u64,
    /// Where the root words start.
    pub roots_offset: u64,
    /// Class-table entries (roots after nil).
    pub class_count: u64,
    /// Finalization-registry entries (after the class table).
    pub finalizable_count: u64,
    /// Finalization-queue entries (after the registry).
    pub finalized_count: u64,
    /// The VM's roots (last).
    pub vm_root_count: u64,
    /// Where the object section starts.
    pub objects_offset: u64,
    /// Length of the object section.
    pub object_bytes: u64,
    /// The identity-hash generator's state.
    pub hash_state: u64,
    /// BLAKE3 of the file without these 32 bytes (and without a signature trailer).
    pub checksum: [u8; 32],
    /// Format version 2: a signature trailer follows the `file_bytes` of the image.
    pub signed: bool,
}

/// Byte ranges of the sections, checked against the file's length.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sections {
    pub(crate) manifest: (usize, usize),
    pub(crate) roots: (usize, usize),
    pub(crate) objects: (usize, usize),
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut w = [0; 4];
    w.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(w)
}

/// Rounds up to a whole word.
pub(crate) fn padded(n: u64) -> Option<u64> {
    n.checked_add(7).map(|n| n & !7)
}

impl ImageHeader {
    /// Decodes and checks the header of `bytes` (the whole file): magic, version, word
    /// size, and the file's length against the header's. Does not check the checksum.
    pub fn decode(bytes: &[u8]) -> Result<ImageHeader, ImageError> {
        let seen = bytes.len().min(MAGIC.len());
        if bytes[..seen] != MAGIC[..seen] {
            return Err(ImageError::NotAnImage);
        }
        if bytes.len() < HEADER_BYTES {
            return Err(ImageError::Truncated {
                found: bytes.len() as u64,
                expected: HEADER_BYTES as u64,
            });
        }
        let version = u32_at(bytes, 8);
        if version != FORMAT_VERSION && version != SIGNED_FORMAT_VERSION {
            return Err(ImageError::Version { found: version });
        }
        let signed = version == SIGNED_FORMAT_VERSION;
        let word = u32_at(bytes, 12);
        if word != WORD_BYTES {
            return Err(ImageError::WordSize { found: word });
        }
        let mut checksum = [0; 32];
        checksum.copy_from_slice(&bytes[CHECKSUM_AT..HEADER_BYTES]);
        let h = ImageHeader {
            file_bytes: u64_at(bytes, 16),
            manifest_bytes: u64_at(bytes, 24),
            roots_offset: u64_at(bytes, 32),
            class_count: u64_at(bytes, 40),
            finalizable_count: u64_at(bytes, 48),
            finalized_count: u64_at(bytes, 56),
            vm_root_count: u64_at(bytes, 64),
            objects_offset: u64_at(bytes, 72),
            object_bytes: u64_at(bytes, 80),
            hash_state: u64_at(bytes, 88),
            checksum,
            signed,
        };
        let found = bytes.len() as u64;
        if signed {
            return h.check_signed_length(bytes);
        }
        if found < h.file_bytes {
            return Err(ImageError::Truncated {
                found,
                expected: h.file_bytes,
            });
        }
        if found > h.file_bytes {
            return Err(ImageError::Inconsistent(format!(
                "the file has {found} bytes, its header says {}",
                h.file_bytes
            )));
        }
        Ok(h)
    }

    /// A signed file is the image (`file_bytes`) and then exactly the trailer.
    fn check_signed_length(self, bytes: &[u8]) -> Result<ImageHeader, ImageError> {
        let found = bytes.len() as u64;
        let expected = self
            .file_bytes
            .checked_add(SIGNATURE_TRAILER_BYTES as u64)
            .ok_or_else(|| ImageError::Inconsistent("header: file length out of range".into()))?;
        if found < expected {
            return Err(ImageError::Truncated { found, expected });
        }
        if found > expected {
            return Err(ImageError::Inconsistent(format!(
                "the signed file has {found} bytes, its header says {} and the signature {}",
                self.file_bytes, SIGNATURE_TRAILER_BYTES
            )));
        }
        if self.file_bytes < HEADER_BYTES as u64 {
            return Err(ImageError::Inconsistent(
                "header: a file length shorter than the header".into(),
            ));
        }
        // `file_bytes` is now below the slice's length.
        let at = self.file_bytes as usize;
        if bytes[at..at + SIGNATURE_MAGIC.len()] != SIGNATURE_MAGIC {
            return Err(ImageError::Inconsistent(
                "the signature trailer does not start with its magic".into(),
            ));
        }
        Ok(self)
    }

    /// The header's bytes, checksum included as it is in `self`.
    pub fn encode(&self) -> [u8; HEADER_BYTES] {
        let mut out = [0; HEADER_BYTES];
        out[..8].copy_from_slice(&MAGIC);
        let version = if self.signed {
            SIGNED_FORMAT_VERSION
        } else {
            FORMAT_VERSION
        };
        out[8..12].copy_from_slice(&version.to_le_bytes());
        out[12..16].copy_from_slice(&WORD_BYTES.to_le_bytes());
        let fields = [
            self.file_bytes,
            self.manifest_bytes,
            self.roots_offset,
            self.class_count,
            self.finalizable_count,
            self.finalized_count,
            self.vm_root_count,
            self.objects_offset,
            self.object_bytes,
            self.hash_state,
        ];
        for (i, f) in fields.iter().enumerate() {
            out[16 + 8 * i..24 + 8 * i].copy_from_slice(&f.to_le_bytes());
        }
        out[CHECKSUM_AT..].copy_from_slice(&self.checksum);
        out
    }

    /// All root words: nil, the class table, both finalization lists, the VM's roots.
    pub fn root_count(&self) -> Option<u64> {
        1u64.checked_add(self.class_count)?
            .checked_add(self.finalizable_count)?
            .checked_add(self.finalized_count)?
            .checked_add(self.vm_root_count)
    }

    /// The sections' byte ranges, when the header describes exactly a file of its
    /// length with the sections back to back; a description of the mismatch otherwise.
    pub(crate) fn sections(&self) -> Result<Sections, ImageError> {
        let bad = |what: &str| Err(ImageError::Inconsistent(format!("header: {what}")));
        let Some(manifest_end) = (HEADER_BYTES as u64).checked_add(self.manifest_bytes) else {
            return bad("manifest length out of range");
        };
        let Some(roots_at) = padded(manifest_end) else {
            return bad("manifest length out of range");
        };
        if self.roots_offset != roots_at {
            return bad("the roots do not follow the manifest");
        }
        let roots_end = self
            .root_count()
            .and_then(|n| n.checked_mul(8))
            .and_then(|n| n.checked_add(roots_at));
        if roots_end != Some(self.objects_offset) {
            return bad("the objects do not follow the roots");
        }
        if self.objects_offset.checked_add(self.object_bytes) != Some(self.file_bytes) {
            return bad("the objects do not end the file");
        }
        if !self.object_bytes.is_multiple_of(8) {
            return bad("the object section is not whole words");
        }
        if self.hash_state == 0 {
            return bad("identity-hash state 0");
        }
        // Every offset is now at most `file_bytes`, the length of a slice in memory.
        let r = |a: u64, b: u64| (a as usize, b as usize);
        Ok(Sections {
            manifest: r(HEADER_BYTES as u64, manifest_end),
            roots: r(roots_at, self.objects_offset),
            objects: r(self.objects_offset, self.file_bytes),
        })
    }
}

/// BLAKE3 of `file` without the checksum field. `file` must hold a whole header and
/// no signature trailer.
pub(crate) fn checksum(file: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&file[..CHECKSUM_AT]);
    hasher.update(&file[HEADER_BYTES..]);
    *hasher.finalize().as_bytes()
}

/// Recomputes and stores the checksum of an image edited in memory (the tracer, tests,
/// the fuzz target, signing). A file whose version says signed is hashed without its
/// last [`SIGNATURE_TRAILER_BYTES`] (the trailer, when it is long enough to hold one).
/// Returns false, changing nothing, when `file` is shorter than a header.
pub fn reseal(file: &mut [u8]) -> bool {
    if file.len() < HEADER_BYTES {
        return false;
    }
    let mut end = file.len();
    if u32_at(file, 8) == SIGNED_FORMAT_VERSION && end >= HEADER_BYTES + SIGNATURE_TRAILER_BYTES {
        end -= SIGNATURE_TRAILER_BYTES;
    }
    let sum = checksum(&file[..end]);
    file[CHECKSUM_AT..HEADER_BYTES].copy_from_slice(&sum);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ImageHeader {
        ImageHeader {
            file_bytes: 128 + 8 + 8 * 10 + 16,
            manifest_bytes: 5,
            roots_offset: 136,
            class_count: 8,
            finalizable_count: 0,
            finalized_count: 0,
            vm_root_count: 1,
            objects_offset: 136 + 80,
            object_bytes: 16,
            hash_state: 77,
            checksum: [3; 32],
            signed: false,
        }
    }

    #[test]
    fn a_header_decodes_to_what_was_encoded() {
        let h = sample();
        let mut file = h.encode().to_vec();
        file.resize(h.file_bytes as usize, 0);
        assert_eq!(ImageHeader::decode(&file).unwrap(), h);
        let s = h.sections().unwrap();
        assert_eq!(s.manifest, (128, 133));
        assert_eq!(s.roots, (136, 216));
        assert_eq!(s.objects, (216, 232));
    }

    #[test]
    fn sections_that_do_not_tile_the_file_are_refused() {
        for edit in [
            |h: &mut ImageHeader| h.roots_offset += 8,
            |h: &mut ImageHeader| h.class_count = u64::MAX,
            |h: &mut ImageHeader| h.object_bytes -= 4,
            |h: &mut ImageHeader| h.manifest_bytes = u64::MAX - 3,
            |h: &mut ImageHeader| h.hash_state = 0,
        ] {
            let mut h = sample();
            edit(&mut h);
            assert!(matches!(h.sections(), Err(ImageError::Inconsistent(_))));
        }
    }

    #[test]
    fn the_checksum_ignores_only_itself() {
        let h = sample();
        let mut file = h.encode().to_vec();
        file.resize(h.file_bytes as usize, 0);
        assert!(reseal(&mut file));
        let sum = checksum(&file);
        file[CHECKSUM_AT] ^= 1;
        assert_eq!(checksum(&file), sum, "the checksum field is not hashed");
        file[HEADER_BYTES] ^= 1;
        assert_ne!(checksum(&file), sum);
        file[HEADER_BYTES] ^= 1;
        file[CHECKSUM_AT - 1] ^= 1;
        assert_ne!(checksum(&file), sum);
        assert!(!reseal(&mut [0u8; 100]));
    }

    #[test]
    fn a_signed_file_is_the_image_and_exactly_the_trailer() {
        let mut h = sample();
        h.signed = true;
        let mut file = h.encode().to_vec();
        assert_eq!(u32_at(&file, 8), SIGNED_FORMAT_VERSION);
        file.resize(h.file_bytes as usize, 0);
        file.extend_from_slice(&SIGNATURE_MAGIC);
        file.resize(h.file_bytes as usize + SIGNATURE_TRAILER_BYTES, 9);
        assert_eq!(ImageHeader::decode(&file).unwrap(), h);
        // The trailer is not hashed.
        assert!(reseal(&mut file));
        let sum = checksum(&file[..h.file_bytes as usize]);
        assert_eq!(file[CHECKSUM_AT..HEADER_BYTES], sum);
        let last = file.len() - 1;
        file[last] ^= 1;
        assert!(reseal(&mut file));
        assert_eq!(file[CHECKSUM_AT..HEADER_BYTES], sum);
        // Short, long, without the magic, or a file length below a header: refused.
        assert!(matches!(
            ImageHeader::decode(&file[..last]),
            Err(ImageError::Truncated { .. })
        ));
        let mut long = file.clone();
        long.push(0);
        assert!(matches!(
            ImageHeader::decode(&long),
            Err(ImageError::Inconsistent(_))
        ));
        let mut bad = file.clone();
        bad[h.file_bytes as usize] ^= 1;
        assert!(matches!(
            ImageHeader::decode(&bad),
            Err(ImageError::Inconsistent(_))
        ));
        h.file_bytes = 100;
        let mut tiny = h.encode().to_vec();
        tiny.resize(100 + SIGNATURE_TRAILER_BYTES, 0);
        assert!(matches!(
            ImageHeader::decode(&tiny),
            Err(ImageError::Inconsistent(_))
        ));
    }
}
