//! Loading: [`read`] checks a file's header, checksum and section layout; [`load`]
//! then places every object in a fresh heap's old space, copies it there relocating its
//! pointers, restores the heap's own roots and runs the heap verifier. Every step reads
//! the file through bounds-checked slices, so no input can make it read out of bounds
//! or panic; the heap is handed out only when the verifier passes.

use std::path::Path;

use super::header::{checksum, ImageHeader, SIGNATURE_MAGIC};
use super::ImageError;
use crate::config::HeapConfig;
use crate::header::{
    is_prefix_word, ClassIndex, Header, PREFIX_FIXED_MASK, PREFIX_FIXED_SHIFT, PREFIX_SIZE_MASK,
    SLOTS_OVERFLOW,
};
use crate::heap::Heap;
use crate::oop::Oop;

/// A checked image file: header, checksum and section layout are valid; the objects
/// have not been looked at.
#[derive(Clone, Copy, Debug)]
pub struct ImageFile<'a> {
    /// The header.
    pub header: ImageHeader,
    /// The manifest's bytes (the VM's JSON).
    pub manifest: &'a [u8],
    /// What a signature covers: the header (checksum included) and the manifest.
    pub signed_part: &'a [u8],
    /// A signed image's trailer after its magic: the signer's public key (32 bytes) and
    /// the signature (64 bytes). Not checked here: the VM checks it (`vm/src/image/`).
    pub signature: Option<&'a [u8]>,
    roots: &'a [u8],
    objects: &'a [u8],
}

/// A loaded image: the heap, the VM's roots in the order they were saved, the manifest.
pub struct LoadedImage {
    /// The heap, verified.
    pub heap: Heap,
    /// The VM's roots (`image_roots` of [`Heap::save_image`]), relocated.
    pub roots: Vec<Oop>,
    /// The manifest's bytes.
    pub manifest: Vec<u8>,
}

/// The little-endian word at `at`, if the slice holds it.
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let w = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(w.try_into().ok()?))
}

/// Checks `bytes` as an image file: header (magic, version, word size, length),
/// checksum, then the section layout, in that order.
pub fn read(bytes: &[u8]) -> Result<ImageFile<'_>, ImageError> {
    let header = ImageHeader::decode(bytes)?;
    // `decode` checked `file_bytes` against the length.
    let (bytes, trailer) = bytes.split_at(header.file_bytes as usize);
    if checksum(bytes) != header.checksum {
        return Err(ImageError::Checksum);
    }
    let s = header.sections()?;
    Ok(ImageFile {
        header,
        manifest: &bytes[s.manifest.0..s.manifest.1],
        signed_part: &bytes[..s.manifest.1],
        signature: header.signed.then(|| &trailer[SIGNATURE_MAGIC.len()..]),
        roots: &bytes[s.roots.0..s.roots.1],
        objects: &bytes[s.objects.0..s.objects.1],
    })
}

/// Maps the file at `path` read-only and [`load`]s it.
pub fn load_file(path: &Path, config: HeapConfig) -> Result<LoadedImage, ImageError> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return load(&[], config);
    }
    // SAFETY: the mapping is only read, through the slice, while `map` lives. A file
    // changed by another process while mapped could change what is read, never the
    // bounds; images are replaced by rename, never written in place (images.md).
    let map = unsafe { memmap2::Mmap::map(&file)? };
    load(&map, config)
}

/// Loads an image from its bytes into a new heap made with `config`. Refuses a file
/// that [`read`] refuses, objects that overrun their section or point at anything but
/// an object's header, an image larger than the heap's maximum, and a heap that fails
/// [`Heap::verify`].
pub fn load(bytes: &[u8], config: HeapConfig) -> Result<LoadedImage, ImageError> {
    let file = read(bytes)?;
    let h = file.header;
    if h.class_count < ClassIndex::FIRST_FREE.index() as u64
        || h.class_count > ClassIndex::MAX.index() as u64 + 1
    {
        return Err(ImageError::Inconsistent(format!(
            "a class table of {} entries",
            h.class_count
        )));
    }
    let found = scan(file.objects)?;
    let mut heap = Heap::new(config).map_err(ImageError::Heap)?;
    let mut places = Vec::with_capacity(found.len());
    for o in &found {
        match heap.old_alloc_within_limit(o.words * 8) {
            Some(start) => places.push(start),
            None => {
                return Err(ImageError::TooLarge {
                    object_bytes: h.object_bytes,
                    max_heap_bytes: heap.config().max_heap_bytes,
                })
            }
        }
    }
    let relocate = |w: u64, what: &dyn Fn() -> String| -> Result<u64, ImageError> {
        if w & 7 != 0 {
            return Ok(w);
        }
        match found.binary_search_by_key(&w, |o| o.header as u64) {
            Ok(i) => Ok((places[i] + found[i].header - found[i].start) as u64),
            Err(_) => Err(ImageError::Inconsistent(format!(
                "{} points to offset {w:#x}, which is no object's header",
                what()
            ))),
        }
    };
    for (o, &dest) in found.iter().zip(&places) {
        let first = (o.header - o.start) / 8 + 1;
        let source = &file.objects[o.start..o.start + o.words * 8];
        // SAFETY: `dest` is a chunk of `o.words` words just taken from old space for
        // this object, aligned, and nothing else refers to it yet.
        let target = unsafe { std::slice::from_raw_parts_mut(dest as *mut u64, o.words) };
        for (k, (to, from)) in target.iter_mut().zip(source.chunks_exact(8)).enumerate() {
            let w = word_at(from, 0).unwrap_or(0);
            *to = if (first..first + o.pointers).contains(&k) {
                relocate(w, &|| {
                    format!("slot {} of the object at {:#x}", k - first, o.header)
                })?
            } else {
                w
            };
        }
    }
    let mut roots = Vec::with_capacity(file.roots.len() / 8);
    for (i, chunk) in file.roots.chunks_exact(8).enumerate() {
        let w = word_at(chunk, 0).unwrap_or(0);
        roots.push(Oop::from_bits(relocate(w, &|| format!("root {i}"))?));
    }
    let (cc, fz, fd) = (
        h.class_count as usize,
        h.finalizable_count as usize,
        h.finalized_count as usize,
    );
    let vm_roots = roots.split_off(1 + cc + fz + fd);
    heap.own.nil = roots[0];
    heap.own.class_table = roots[1..1 + cc].to_vec();
    heap.own.finalizable = roots[1 + cc..1 + cc + fz].to_vec();
    heap.own.finalized = roots[1 + cc + fz..].to_vec();
    heap.hash_state = h.hash_state;
    heap.settle_after_load(h.object_bytes as usize);
    let mut vm_roots = vm_roots;
    if let Err(violations) = heap.verify(&mut vm_roots) {
        return Err(ImageError::Inconsistent(format!(
            "the heap verifier found {} violations, the first: {}",
            violations.len(),
            violations[0]
        )));
    }
    Ok(LoadedImage {
        heap,
        roots: vm_roots,
        manifest: file.manifest.to_vec(),
    })
}

/// One object of the object section, by byte offsets into it.
struct Found {
    /// Its first word (prefix or header).
    start: usize,
    /// Its header word.
    header: usize,
    /// Words it occupies.
    words: usize,
    /// Pointer slots at the start of its body.
    pointers: usize,
}

/// Walks the object section, checking that each object's prefix word, header and body
/// lie inside it and agree with each other. The list is in offset order.
fn scan(objects: &[u8]) -> Result<Vec<Found>, ImageError> {
    let bad = |at: usize, what: &str| {
        Err(ImageError::Inconsistent(format!(
            "the object at {at:#x} {what}"
        )))
    };
    let mut found = Vec::new();
    let mut p = 0;
    while p < objects.len() {
        let Some(first) = word_at(objects, p) else {
            return bad(p, "is cut short");
        };
        let prefix = is_prefix_word(first).then_some(first);
        let at = if prefix.is_some() { p + 8 } else { p };
        let Some(h) = word_at(objects, at).map(Header) else {
            return bad(p, "has no header word");
        };
        if prefix.is_some() != (h.size_field() == SLOTS_OVERFLOW) {
            return bad(at, "has a prefix word and a size field that disagree");
        }
        if h.class() == ClassIndex::FREE {
            return bad(at, "is a free chunk");
        }
        let (body, fixed) = match prefix {
            Some(w) => (
                (w & PREFIX_SIZE_MASK) as usize,
                ((w >> PREFIX_FIXED_SHIFT) & PREFIX_FIXED_MASK) as usize,
            ),
            None => (h.size_field() as usize, 0),
        };
        if fixed > body {
            return bad(at, "declares more fixed slots than its body holds");
        }
        let code = h.code();
        let pointers = if code <= 5 {
            body
        } else if code >= crate::format::CODE_COMPILED {
            fixed
        } else {
            0
        };
        let words = prefix.is_some() as usize + 1 + body.max(1);
        let end = words
            .checked_mul(8)
            .and_then(|b| b.checked_add(p))
            .filter(|&e| e <= objects.len());
        let Some(end) = end else {
            return bad(at, "runs past the end of the object section");
        };
        found.push(Found {
            start: p,
            header: at,
            words,
            pointers,
        });
        p = end;
    }
    Ok(found)
}

impl Heap {
    /// The policy state after a load: the next full collection at the usual distance
    /// from the loaded data, the tenure reserve and eden's limit re-established.
    fn settle_after_load(&mut self, live: usize) {
        self.last_live = live;
        self.next_full_at = self.full_gc_threshold(live);
        self.refill_reserve();
    }
}
