//! Fuzz target `image`: arbitrary bytes through the image loader (`cairn_gc::image`).
//! The first input byte picks the mode, the rest is the file: with bit 0 set the file's
//! checksum is recomputed before loading, so the fuzzer gets past the checksum to the
//! layout checks, the relocation and the heap verifier. A panic, a crash or a timeout is
//! a finding; so is a loaded heap that fails the verifier after a full collection.
#![no_main]

use cairn_gc::{image, HeapConfig};
use libfuzzer_sys::fuzz_target;

/// A small heap, so that each execution is cheap.
fn config() -> HeapConfig {
    HeapConfig {
        nursery_bytes: 256 << 10,
        old_segment_bytes: 64 << 10,
        large_object_bytes: 16 << 10,
        max_heap_bytes: 16 << 20,
        hash_seed: Some(1),
        ..HeapConfig::without_env()
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, file)) = data.split_first() else {
        return;
    };
    let mut file = file.to_vec();
    if mode & 1 == 1 {
        image::reseal(&mut file);
    }
    if let Ok(mut loaded) = image::load(&file, config()) {
        let mut roots = loaded.roots;
        loaded.heap.full_collect(&mut roots, true);
        if let Err(v) = loaded.heap.verify(&mut roots) {
            panic!("a loaded image fails the verifier after a collection: {}", v[0]);
        }
    }
});
