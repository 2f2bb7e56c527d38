//! Image files (`docs/design/images.md`): a hand-made heap with every format, cycles,
//! large, pinned, immutable, weak, young and finalizable objects round-trips through
//! the bytes; saving is deterministic; and every kind of bad file is refused with its
//! own error and message.

mod common;
#[path = "image/graph.rs"]
mod graph;

use cairn_gc::image::{self, ImageError, ImageHeader, HEADER_BYTES};
use cairn_gc::{ClassIndex, Format, Heap, HeapConfig, Oop};
use common::{boot, small_config, MockVm};
use graph::{assert_same_graph, save};

/// A heap whose roots reach one object of every format, a cycle, a large array, a
/// pinned and an immutable object, a young object, hashes, weak and ephemeron objects,
/// and a finalization registration. Returns the heap and its roots.
fn sample_heap() -> (Heap, Vec<Oop>) {
    let (mut heap, class) = boot(small_config());
    let other = heap.register_class(Oop::small_int(77)).unwrap();
    let mut vm = MockVm::default();
    let shapes: [(Format, usize, usize); 11] = [
        (Format::Zero, 0, 0),
        (Format::Fixed, 3, 0),
        (Format::Indexable, 0, 300),
        (Format::FixedIndexable, 2, 5),
        (Format::Weak, 1, 3),
        (Format::Ephemeron, 2, 0),
        (Format::Words64, 0, 3),
        (Format::Words32, 0, 5),
        (Format::Words16, 0, 7),
        (Format::Bytes, 0, 13),
        (Format::CompiledCode, 3, 21),
    ];
    for (i, &(format, fixed, len)) in shapes.iter().enumerate() {
        let c = if i % 2 == 0 { class } else { other };
        let o = if i % 3 == 0 {
            heap.alloc_old(&mut vm, c, format, fixed, len).unwrap()
        } else {
            heap.alloc(&mut vm, c, format, fixed, len).unwrap()
        };
        for (k, b) in heap.bytes_mut(o).iter_mut().enumerate() {
            *b = (k * 7 + i) as u8;
        }
        vm.roots.push(o);
    }
    let large = heap
        .alloc(&mut vm, class, Format::Indexable, 0, 4000)
        .unwrap();
    vm.roots.push(large);
    let r = vm.roots.clone();
    // A cycle through the Fixed object, the large array and the FixedIndexable one.
    heap.store(r[1], 0, r[11]);
    heap.store(r[11], 3999, r[3]);
    heap.store(r[3], 6, r[1]);
    heap.store(r[1], 2, Oop::from_char(0x263A));
    heap.store(r[3], 0, Oop::try_from_f64(1.5).unwrap());
    heap.store(r[2], 299, Oop::small_int(-12345));
    // Compiled code: literals point at objects.
    heap.store(r[10], 0, r[9]);
    heap.store(r[10], 2, Oop::small_int(5));
    // A weak slot to a live object, and one to an object only it references.
    heap.store(r[4], 1, r[6]);
    let doomed = heap.alloc(&mut vm, class, Format::Fixed, 1, 0).unwrap();
    let r = vm.roots.clone();
    heap.store(r[4], 2, doomed);
    // An ephemeron whose key is alive.
    heap.store(r[5], 0, r[7]);
    heap.store(r[5], 1, r[8]);
    for &o in &r[..6] {
        heap.identity_hash(o);
    }
    assert!(heap.pin(r[0]));
    heap.set_immutable(r[9], true);
    heap.register_finalizer(r[2]);
    (heap, r)
}

#[test]
fn a_heap_of_every_format_round_trips() {
    let (mut heap, mut roots) = sample_heap();
    let bytes = save(&mut heap, &mut roots, b"{\"build\":1}");
    let mut loaded = image::load(&bytes, small_config()).expect("the image loads");
    assert_eq!(loaded.manifest, b"{\"build\":1}");
    let n = assert_same_graph(&heap, &roots, &loaded.heap, &loaded.roots);
    assert!(n >= 13, "{n} objects compared");
    assert!(
        loaded.heap.fetch(loaded.roots[4], 2) == loaded.heap.nil(),
        "the weak slot of the dead object was cleared before saving"
    );
    assert_eq!(loaded.heap.finalizable_count(), 1);
    assert!(
        loaded.heap.occupancy().large_objects >= 1,
        "the large array has its own segment"
    );
    // The loaded heap works: it allocates, collects and hashes like any other.
    let mut vm = MockVm {
        roots: loaded.roots.clone(),
    };
    let fresh = loaded
        .heap
        .alloc(&mut vm, ClassIndex(8), Format::Fixed, 1, 0)
        .unwrap();
    vm.roots.push(fresh);
    loaded.heap.full_collect(&mut vm, true);
    common::assert_verified(&mut loaded.heap, &mut vm);
    assert_same_graph(&heap, &roots, &loaded.heap, &vm.roots[..roots.len()]);
}

#[test]
fn saving_is_deterministic() {
    let (mut heap, mut roots) = sample_heap();
    let first = save(&mut heap, &mut roots, b"m");
    let again = save(&mut heap, &mut roots, b"m");
    assert_eq!(first, again, "saving the same heap twice");
    let mut loaded = image::load(&first, small_config()).unwrap();
    let resaved = save(&mut loaded.heap, &mut loaded.roots, b"m");
    assert_eq!(first, resaved, "saving the loaded heap");
    let (mut other, mut other_roots) = sample_heap();
    assert_eq!(
        first,
        save(&mut other, &mut other_roots, b"m"),
        "the same graph built again, at other addresses"
    );
}

#[test]
fn identity_hashes_continue_the_saved_sequence() {
    let (mut heap, mut roots) = sample_heap();
    let bytes = save(&mut heap, &mut roots, b"");
    let mut loaded = image::load(&bytes, small_config()).unwrap();
    let fresh_here = heap.identity_hash(roots[6]);
    let fresh_there = loaded.heap.identity_hash(loaded.roots[6]);
    assert_eq!(fresh_here, fresh_there);
}

fn sample_image() -> Vec<u8> {
    let (mut heap, mut roots) = sample_heap();
    save(&mut heap, &mut roots, b"{}")
}

fn refusal(bytes: &[u8]) -> ImageError {
    match image::load(bytes, small_config()) {
        Ok(_) => panic!("a bad image was loaded"),
        Err(e) => e,
    }
}

#[test]
fn a_file_that_is_not_an_image_is_refused() {
    let e = refusal(b"Object subclass: #Foo\n");
    assert!(matches!(e, ImageError::NotAnImage), "{e:?}");
    assert_eq!(
        e.to_string(),
        "not a Cairn image: the file does not start with the image magic"
    );
}

#[test]
fn another_version_or_word_size_is_refused() {
    let mut bytes = sample_image();
    bytes[8..12].copy_from_slice(&3u32.to_le_bytes());
    let e = refusal(&bytes);
    assert!(matches!(e, ImageError::Version { found: 3 }), "{e:?}");
    assert!(e.to_string().contains("version 3"), "{e}");
    let mut bytes = sample_image();
    bytes[12..16].copy_from_slice(&4u32.to_le_bytes());
    let e = refusal(&bytes);
    assert!(matches!(e, ImageError::WordSize { found: 4 }), "{e:?}");
    assert!(e.to_string().contains("word size 4"), "{e}");
}

#[test]
fn truncations_are_refused_at_every_length() {
    let bytes = sample_image();
    let step = (bytes.len() / 300).max(1);
    for len in (0..bytes.len()).step_by(step).chain([bytes.len() - 1]) {
        let e = refusal(&bytes[..len]);
        match e {
            ImageError::Truncated { found, .. } => assert_eq!(found, len as u64),
            other => panic!("truncated to {len}: {other:?}"),
        }
    }
    assert!(refusal(&bytes[..1000])
        .to_string()
        .starts_with("truncated image: 1000 bytes of"));
}

#[test]
fn a_flipped_bit_fails_the_checksum() {
    let bytes = sample_image();
    let step = (bytes.len() / 400).max(1);
    for at in (24..bytes.len()).step_by(step) {
        let mut bad = bytes.clone();
        bad[at] ^= 1 << (at % 8);
        let e = refusal(&bad);
        assert!(matches!(e, ImageError::Checksum), "flip at {at}: {e:?}");
    }
    let mut bad = bytes.clone();
    bad[HEADER_BYTES - 1] ^= 0x80;
    assert_eq!(
        refusal(&bad).to_string(),
        "image checksum mismatch: the file is corrupt"
    );
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = sample_image();
    bytes.extend_from_slice(&[0; 8]);
    let e = refusal(&bytes);
    assert!(matches!(e, ImageError::Inconsistent(_)), "{e:?}");
}

/// The offset of the object section and the header of the sample image.
fn layout(bytes: &[u8]) -> (usize, ImageHeader) {
    let h = image::read(bytes).unwrap().header;
    (h.objects_offset as usize, h)
}

/// Rewrites the word at byte `at` with `edit`, reseals the file and loads it.
fn refusal_after_edit(bytes: &mut [u8], at: usize, edit: impl Fn(u64) -> u64) -> ImageError {
    let w = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    bytes[at..at + 8].copy_from_slice(&edit(w).to_le_bytes());
    image::reseal(bytes);
    refusal(bytes)
}

#[test]
fn a_pointer_into_the_middle_of_an_object_is_refused() {
    let mut bytes = sample_image();
    let (_, h) = layout(&bytes);
    // Root 0 (nil) points to offset 8 of the object section: the body of the first object.
    let e = refusal_after_edit(&mut bytes, h.roots_offset as usize, |w| w + 8);
    assert!(matches!(e, ImageError::Inconsistent(_)), "{e:?}");
    assert!(e.to_string().contains("no object's header"), "{e}");
}

#[test]
fn a_heap_that_fails_the_verifier_is_refused() {
    let mut bytes = sample_image();
    let (objects, _) = layout(&bytes);
    // The first object (nil, no prefix): set its class index past the class table.
    let e = refusal_after_edit(&mut bytes, objects, |w| (w & !0x3F_FFFF) | 0x3F_FFF0);
    assert!(matches!(e, ImageError::Inconsistent(_)), "{e:?}");
    assert!(e.to_string().contains("heap verifier"), "{e}");
}

#[test]
fn an_object_overrunning_the_file_is_refused() {
    let (mut heap, _) = boot(small_config());
    let mut bytes = save(&mut heap, &mut [], b"");
    let (objects, h) = layout(&bytes);
    assert_eq!(h.object_bytes, 16, "nil alone");
    // nil claims a body of 200 words.
    let e = refusal_after_edit(&mut bytes, objects, |w| (w & !(0xFF << 56)) | (200 << 56));
    assert!(e.to_string().contains("runs past the end"), "{e}");
}

#[test]
fn an_image_larger_than_the_maximum_heap_is_refused() {
    let (mut heap, class) = boot(small_config());
    let mut vm = MockVm::default();
    for _ in 0..40 {
        let o = heap
            .alloc(&mut vm, class, Format::Bytes, 0, 60_000)
            .unwrap();
        vm.roots.push(o);
    }
    let bytes = heap.save_image(&mut cairn_gc::NoRoots, &mut vm.roots, b"");
    let tight = HeapConfig {
        max_heap_bytes: 3 << 20,
        ..small_config()
    };
    let e = refusal_with(&bytes, tight);
    assert!(matches!(e, ImageError::TooLarge { .. }), "{e:?}");
    assert!(e.to_string().contains("do not fit"), "{e}");
    assert!(image::load(&bytes, small_config()).is_ok());
}

fn refusal_with(bytes: &[u8], config: HeapConfig) -> ImageError {
    match image::load(bytes, config) {
        Ok(_) => panic!("loaded"),
        Err(e) => e,
    }
}

#[test]
fn files_are_mapped_and_loaded() {
    let dir = std::env::temp_dir().join(format!("cairn-image-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sample.image");
    let bytes = sample_image();
    std::fs::write(&path, &bytes).unwrap();
    let loaded = image::load_file(&path, small_config()).unwrap();
    assert_eq!(loaded.manifest, b"{}");
    let empty = dir.join("empty.image");
    std::fs::write(&empty, b"").unwrap();
    let e = image::load_file(&empty, small_config()).err().unwrap();
    assert!(matches!(e, ImageError::Truncated { found: 0, .. }), "{e:?}");
    let e = image::load_file(&dir.join("missing.image"), small_config())
        .err()
        .unwrap();
    assert!(e.to_string().starts_with("cannot read the image"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes the seed inputs of the `image` fuzz target (`vm/fuzz/`) into the directory
/// named by `CAIRN_IMAGE_SEEDS`: a mode byte (images.md, "The fuzz target") and a valid
/// image, nil alone and the sample heap. Run it again when the format changes:
/// `CAIRN_IMAGE_SEEDS=vm/fuzz/seeds/image cargo test -p cairn-gc --test image -- --ignored`.
#[test]
#[ignore = "writes the fuzz seeds when CAIRN_IMAGE_SEEDS names a directory"]
fn write_fuzz_seeds() {
    let Ok(dir) = std::env::var("CAIRN_IMAGE_SEEDS") else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    let (mut tiny, _) = boot(small_config());
    let seeds = [
        ("nil", 0u8, save(&mut tiny, &mut [], b"{}")),
        ("sample", 1u8, sample_image()),
    ];
    for (name, mode, bytes) in seeds {
        image::load(&bytes, small_config()).expect("a seed is a valid image");
        let mut input = vec![mode];
        input.extend_from_slice(&bytes);
        std::fs::write(dir.join(name), input).unwrap();
    }
}
