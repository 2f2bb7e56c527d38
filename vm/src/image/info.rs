//! What an image holds, for `cairn image info` and `cairn image verify`
//! (`docs/design/images.md`, "Inspecting and verifying"): the header's sizes, the
//! manifest, and, from a full load (which runs the heap verifier and the bytecode
//! verifier over every method), the object count and the instances per class.

use std::collections::HashMap;

use cairn_gc::image::{self, ImageError, ImageHeader};

use crate::vm::Vm;

/// Objects of one class in an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassCount {
    /// The class's name (`class index N` for an index no class describes).
    pub name: String,
    /// Its instances.
    pub objects: u64,
    /// Their bytes, prefix words and headers included.
    pub bytes: u64,
}

/// An image's figures: header, manifest and object statistics from a verified load.
#[derive(Clone, Debug)]
pub struct ImageInfo {
    /// The checked header.
    pub header: ImageHeader,
    /// The signer's public key (hex) and whether the signature verifies; None unsigned.
    pub signer: Option<(String, bool)>,
    /// The manifest's text (JSON written by the build).
    pub manifest: String,
    /// Objects in the loaded heap.
    pub objects: u64,
    /// Their bytes.
    pub object_bytes: u64,
    /// Classes the VM record describes.
    pub classes: usize,
    /// Installed methods, blocks included (each passed the bytecode verifier).
    pub methods: usize,
    /// Instances per class, most objects first (ties by name).
    pub by_class: Vec<ClassCount>,
}

/// Loads `bytes` as a VM would before running it (every check of `Vm::load_image`) and
/// answers what it holds. Refuses what the loader refuses.
pub fn image_info(bytes: &[u8], max_heap_bytes: usize) -> Result<ImageInfo, ImageError> {
    let file = image::read(bytes)?;
    let header = file.header;
    let signer = file.signature.map(|trailer| {
        let verifies = super::sign::check_signature(bytes, None).is_ok();
        (hex(trailer.get(..32).unwrap_or_default()), verifies)
    });
    let (mut vm, manifest) = Vm::load_image_with_manifest(bytes, Vec::new(), max_heap_bytes)?;
    let mut counts: HashMap<u32, (u64, u64)> = HashMap::new();
    let (mut objects, mut object_bytes) = (0u64, 0u64);
    vm.heap.walk(|heap, o| {
        let size = heap.object_bytes(o) as u64;
        let e = counts.entry(heap.class_index(o).0).or_default();
        e.0 += 1;
        e.1 += size;
        objects += 1;
        object_bytes += size;
    });
    let classes = &vm.s.classes;
    let mut by_class: Vec<ClassCount> = counts
        .into_iter()
        .map(|(index, (objects, bytes))| ClassCount {
            name: match classes.get(index as usize) {
                Some(Some(info)) => info.name.clone(),
                _ => format!("class index {index}"),
            },
            objects,
            bytes,
        })
        .collect();
    by_class.sort_by(|a, b| b.objects.cmp(&a.objects).then(a.name.cmp(&b.name)));
    Ok(ImageInfo {
        header,
        signer,
        manifest: String::from_utf8_lossy(&manifest).into_owned(),
        objects,
        object_bytes,
        classes: vm.s.classes.iter().flatten().count(),
        methods: vm.s.methods.len(),
        by_class,
    })
}

impl ImageInfo {
    /// The report `cairn image info` prints: sizes, the manifest, counts, and the `top`
    /// classes by objects and by bytes.
    pub fn report(&self, top: usize) -> String {
        use std::fmt::Write as _;
        let h = &self.header;
        let manifest = serde_json::from_str::<serde_json::Value>(&self.manifest)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| self.manifest.clone());
        let mut out = String::new();
        let _ = writeln!(
            out,
            "format version {}, {}-byte words, {} bytes{}",
            if h.signed {
                image::SIGNED_FORMAT_VERSION
            } else {
                image::FORMAT_VERSION
            },
            image::WORD_BYTES,
            h.file_bytes
                + if h.signed {
                    image::SIGNATURE_TRAILER_BYTES as u64
                } else {
                    0
                },
            if h.signed {
                format!(
                    " (a {}-byte signature trailer included)",
                    image::SIGNATURE_TRAILER_BYTES
                )
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            out,
            "sections: header {} bytes, manifest {} bytes, roots {} ({} class-table entries, {} VM roots), objects {} bytes",
            image::HEADER_BYTES,
            h.manifest_bytes,
            h.root_count().unwrap_or(0),
            h.class_count,
            h.vm_root_count,
            h.object_bytes
        );
        let _ = writeln!(out, "checksum (BLAKE3): {}", hex(&h.checksum));
        let _ = match &self.signer {
            Some((key, true)) => writeln!(out, "signed: yes (ed25519), signer {key}, verifies"),
            Some((key, false)) => {
                writeln!(out, "signed: yes (ed25519), signer {key}, DOES NOT VERIFY")
            }
            None => writeln!(out, "signed: no"),
        };
        let _ = writeln!(out, "manifest:\n{manifest}");
        let _ = writeln!(
            out,
            "objects: {} ({} bytes); classes: {}; methods: {}",
            self.objects, self.object_bytes, self.classes, self.methods
        );
        let _ = writeln!(out, "top classes by objects:");
        for c in self.by_class.iter().take(top) {
            let _ = writeln!(
                out,
                "  {:>9} objects {:>11} bytes  {}",
                c.objects, c.bytes, c.name
            );
        }
        let mut by_bytes: Vec<&ClassCount> = self.by_class.iter().collect();
        by_bytes.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.name.cmp(&b.name)));
        let _ = writeln!(out, "top classes by bytes:");
        for c in by_bytes.into_iter().take(top) {
            let _ = writeln!(
                out,
                "  {:>11} bytes {:>9} objects  {}",
                c.bytes, c.objects, c.name
            );
        }
        out
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
