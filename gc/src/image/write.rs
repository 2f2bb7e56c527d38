//! Saving: [`Heap::save_image`] collects the heap, then writes the header, the manifest,
//! the roots and every object reachable from them, breadth first in root order, with
//! pointers rewritten as offsets into the object section. The order depends only on the
//! object graph and the roots, so equal graphs give equal bytes.

use rustc_hash::FxHashMap;

use super::header::{self, padded, ImageHeader, HEADER_BYTES};
use crate::header::{GREY_BIT, MARKED_BIT, REMEMBERED_BIT};
use crate::heap::Heap;
use crate::object::{self, WORD};
use crate::oop::Oop;
use crate::roots::RootSet;

/// The VM's roots plus the image's own during the collection before a save, so that the
/// image roots are updated if objects move.
struct WithImageRoots<'a> {
    vm: &'a mut dyn RootSet,
    image: &'a mut [Oop],
}

impl RootSet for WithImageRoots<'_> {
    fn visit_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.vm.visit_roots(visitor);
        self.image.iter_mut().for_each(visitor);
    }

    fn visit_weak_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop) -> bool) {
        self.vm.visit_weak_roots(visitor);
    }

    fn external_bytes(&self) -> usize {
        self.vm.external_bytes()
    }
}

/// Offsets assigned in breadth-first order, and the objects still to write.
struct Layout {
    offsets: FxHashMap<usize, u64>,
    order: Vec<usize>,
    next: u64,
}

impl Layout {
    /// The file word for `bits`: immediates unchanged, a pointer as the offset of its
    /// target, which is queued for writing the first time it is seen.
    fn word(&mut self, bits: u64) -> u64 {
        if bits & 7 != 0 {
            return bits;
        }
        let addr = bits as usize;
        if let Some(&off) = self.offsets.get(&addr) {
            return off;
        }
        // SAFETY: after a full collection every pointer in a root or a live object
        // names a live old object (safety.md, I2 and I3).
        let h = unsafe { object::header(addr) };
        let prefix = (addr - object::start_of(addr, h)) as u64;
        let off = self.next + prefix;
        // SAFETY: as above.
        self.next += unsafe { object::total_bytes(addr, h) } as u64;
        self.offsets.insert(addr, off);
        self.order.push(addr);
        off
    }
}

fn push_word(out: &mut Vec<u8>, w: u64) {
    out.extend_from_slice(&w.to_le_bytes());
}

impl Heap {
    /// Writes the heap as an image file and returns its bytes.
    ///
    /// Runs a full collection first (the nursery is emptied into old space, weak
    /// references to dead objects cleared) with `roots` (the VM's) and `image_roots`,
    /// which the collection updates. The file holds nil, the class table, the
    /// finalization registry and queue, then `image_roots` in their order, and every
    /// object reachable from those; `manifest` goes between the header and the roots.
    /// Objects reachable only from `roots` are not saved.
    pub fn save_image(
        &mut self,
        roots: &mut dyn RootSet,
        image_roots: &mut [Oop],
        manifest: &[u8],
    ) -> Vec<u8> {
        self.full_collect(
            &mut WithImageRoots {
                vm: roots,
                image: image_roots,
            },
            false,
        );
        self.old.seal();
        let own = &self.own;
        let root_words: Vec<u64> = std::iter::once(own.nil)
            .chain(own.class_table.iter().copied())
            .chain(own.finalizable.iter().copied())
            .chain(own.finalized.iter().copied())
            .chain(image_roots.iter().copied())
            .map(Oop::bits)
            .collect();
        let mut layout = Layout {
            offsets: FxHashMap::default(),
            order: Vec::new(),
            next: 0,
        };
        let roots_file: Vec<u64> = root_words.iter().map(|&w| layout.word(w)).collect();

        let mut objects = Vec::new();
        let mut i = 0;
        while i < layout.order.len() {
            let addr = layout.order[i];
            i += 1;
            // SAFETY: `addr` is a live object (see `Layout::word`).
            let h = unsafe { object::header(addr) };
            if object::has_prefix(h) {
                // SAFETY: the prefix word precedes a header with the overflow size.
                push_word(&mut objects, unsafe { *((addr - WORD) as *const u64) });
            }
            push_word(
                &mut objects,
                h.clear(REMEMBERED_BIT | MARKED_BIT | GREY_BIT).0,
            );
            // SAFETY: as above; the object is only read.
            let (body, pointers) =
                unsafe { (object::body_words(addr, h), object::pointer_slots(addr, h)) };
            // SAFETY: as above; `body` words follow the header.
            let words = unsafe { object::slots(addr, 0..body) };
            for (k, &w) in words.iter().enumerate() {
                let w = if k < pointers { layout.word(w) } else { w };
                push_word(&mut objects, w);
            }
            if body == 0 {
                push_word(&mut objects, 0);
            }
        }
        debug_assert_eq!(objects.len() as u64, layout.next);

        let manifest_bytes = manifest.len() as u64;
        let roots_offset = padded(HEADER_BYTES as u64 + manifest_bytes).unwrap_or(u64::MAX);
        let objects_offset = roots_offset + 8 * roots_file.len() as u64;
        let own = &self.own;
        let head = ImageHeader {
            file_bytes: objects_offset + objects.len() as u64,
            manifest_bytes,
            roots_offset,
            class_count: own.class_table.len() as u64,
            finalizable_count: own.finalizable.len() as u64,
            finalized_count: own.finalized.len() as u64,
            vm_root_count: image_roots.len() as u64,
            objects_offset,
            object_bytes: objects.len() as u64,
            hash_state: self.hash_state,
            checksum: [0; 32],
            signed: false,
        };
        let mut out = Vec::with_capacity(head.file_bytes as usize);
        out.extend_from_slice(&head.encode());
        out.extend_from_slice(manifest);
        out.resize(roots_offset as usize, 0);
        for w in roots_file {
            push_word(&mut out, w);
        }
        out.extend_from_slice(&objects);
        header::reseal(&mut out);
        out
    }
}
