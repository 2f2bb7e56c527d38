//! Images of a whole VM (`docs/design/images.md`): [`Vm::save_image`] writes the heap
//! (through `cairn_gc::image`, which owns the file's byte layout) together with the VM
//! record, the Rust-side tables that live outside the heap (`tables.rs`, encoded by
//! `record.rs`); [`Vm::load_image`] loads both back into a VM that runs without booting
//! the kernel again. `build.rs` makes an image from source directories, deterministically;
//! `file.rs` writes image files atomically with a history; `info.rs` answers what an
//! image holds (`cairn image info` and `verify`); `sign.rs` signs images and checks
//! their signatures (ed25519).
//!
//! The record is kept in the heap, as a byte object named by the first image root; the
//! Oops it mentions are the image roots after it, in the order the record names them.
//! So the heap's checksum covers it and the heap's relocation moves its Oops.
//!
//! This slice saves a VM at rest: no frame on the stack, no other process. The save
//! gate and processes of issue 13 come later.

mod build;
mod file;
mod info;
mod record;
mod sign;
mod tables;

use std::path::PathBuf;

use cairn_gc::image::{self, ImageError, LoadedImage};
use cairn_gc::{ClassIndex, Format, HeapConfig, Oop};

pub use build::{build_image, class_files, manifest_main, BuildInputs};
pub use file::{history_path, write_image_file, PAUSE_ENV};
pub use info::{image_info, ClassCount, ImageInfo};
use record::{In, Out};
pub use sign::{
    check_signature, hex, keygen, public_key_path, read_signing_key, read_verifying_key,
    sign_image, SignError,
};

use crate::vm::{Vm, VmError, VmResult};

fn inconsistent(why: impl std::fmt::Display) -> ImageError {
    ImageError::Inconsistent(format!("VM record: {why}"))
}

impl Vm {
    /// The image of this VM: its heap and its Rust-side tables, with `manifest` (JSON)
    /// in the header's wake. The VM must be at rest (between runs, one process); it goes
    /// on running afterwards. Runs a full collection.
    pub fn save_image(&mut self, manifest: &[u8]) -> VmResult<Vec<u8>> {
        let processes = self.s.sched.table.iter().count();
        if !self.s.frames.is_empty() || self.s.sp != 0 || processes != 1 {
            return Err(VmError::Fatal(format!(
                "an image is saved from a VM at rest: {} frames, {} stack slots, {processes} processes",
                self.s.frames.len(),
                self.s.sp
            )));
        }
        // Weak symbols nobody references go first, so the record does not keep them.
        self.heap.full_collect(&mut self.s, false);
        let mut out = Out::default();
        self.write_record(&mut out).map_err(VmError::Fatal)?;
        let Out { bytes, oops } = out;
        let base = self.s.scratch.len();
        self.s.scratch.extend(oops);
        let record = self.alloc_old(
            ClassIndex(self.s.known.string),
            Format::Bytes,
            0,
            bytes.len(),
        );
        let oops: Vec<Oop> = self.s.scratch.drain(base..).collect();
        let record = record?;
        self.heap.bytes_mut(record).copy_from_slice(&bytes);
        let mut roots: Vec<Oop> = std::iter::once(record).chain(oops).collect();
        Ok(self.heap.save_image(&mut self.s, &mut roots, manifest))
    }

    /// A VM loaded from an image, with the class path for classes the image does not
    /// hold and a memory budget. Refuses what `cairn_gc::image::load` refuses, and a
    /// VM record that does not decode or names entries its tables lack.
    pub fn load_image(
        bytes: &[u8],
        class_path: Vec<PathBuf>,
        max_heap_bytes: usize,
    ) -> Result<Vm, ImageError> {
        Vm::load_image_with_manifest(bytes, class_path, max_heap_bytes).map(|(vm, _)| vm)
    }

    /// [`Vm::load_image`], also answering the image's manifest (the build's JSON).
    pub fn load_image_with_manifest(
        bytes: &[u8],
        class_path: Vec<PathBuf>,
        max_heap_bytes: usize,
    ) -> Result<(Vm, Vec<u8>), ImageError> {
        let config = HeapConfig::default().with_max_heap(max_heap_bytes);
        Vm::from_loaded(image::load(bytes, config)?, class_path)
    }

    /// [`Vm::load_image_with_manifest`] of the file at `path`, mapped read-only
    /// (`cairn_gc::image::load_file`) rather than read.
    pub fn load_image_file(
        path: &std::path::Path,
        class_path: Vec<PathBuf>,
        max_heap_bytes: usize,
    ) -> Result<(Vm, Vec<u8>), ImageError> {
        let config = HeapConfig::default().with_max_heap(max_heap_bytes);
        Vm::from_loaded(image::load_file(path, config)?, class_path)
    }

    /// A VM around a loaded heap: the VM record read back and checked.
    fn from_loaded(
        loaded: LoadedImage,
        class_path: Vec<PathBuf>,
    ) -> Result<(Vm, Vec<u8>), ImageError> {
        let LoadedImage {
            heap,
            roots,
            manifest,
        } = loaded;
        let Some((&record, oops)) = roots.split_first() else {
            return Err(inconsistent("no record root"));
        };
        if !record.is_ptr() || heap.format(record) != Format::Bytes {
            return Err(inconsistent("the first root is not a byte object"));
        }
        let bytes = heap.bytes(record).to_vec();
        let mut vm = Vm::assemble(heap, class_path);
        let mut r = In::new(&bytes, oops);
        vm.read_record(&mut r).map_err(inconsistent)?;
        if !r.finished() {
            return Err(inconsistent("bytes or roots left over"));
        }
        vm.tier.note_methods(&vm.s.methods);
        vm.verify_loaded_methods().map_err(inconsistent)?;
        vm.check_instance_shapes().map_err(inconsistent)?;
        Ok((vm, manifest))
    }

    /// Every object of a class the record describes has the shape the class gives its
    /// instances (format and named slots), since compiled field accesses rely on it
    /// (safety.md, I4). Classes of special shape check their instances themselves.
    fn check_instance_shapes(&mut self) -> Result<(), String> {
        let classes = &self.s.classes;
        let mut bad = None;
        self.heap.walk(|heap, o| {
            if bad.is_some() {
                return;
            }
            let ci = heap.class_index(o);
            let Some(Some(info)) = classes.get(ci.index()) else {
                return;
            };
            if info.shape == crate::classes::Shape::Special {
                return;
            }
            let (format, fixed, _) = info.instance_format(heap.indexable_len(o));
            if heap.format(o) != format || heap.fixed_slot_count(o) != fixed {
                bad = Some(format!(
                    "an instance of {} is {:?} with {} named slots, its class makes {format:?} with {fixed}",
                    info.name,
                    heap.format(o),
                    heap.fixed_slot_count(o)
                ));
            }
        });
        bad.map_or(Ok(()), Err)
    }

    /// Checks every loaded method as the loader checks one before installing it: the
    /// bytecode verifier (safety.md, I7), and the fields it reads without checks
    /// within its holder's (I4). The kinds that skip a frame are checked the same way.
    fn verify_loaded_methods(&self) -> Result<(), String> {
        use crate::methods::MethodKind;
        for (i, m) in self.s.methods.iter().enumerate() {
            let code = self.compiled_code_of(i as u32, 0)?;
            if let Err(v) = crate::verifier::verify(&code) {
                return Err(format!("method {i} fails the bytecode verifier: {v:?}"));
            }
            let fields = self
                .s
                .classes
                .get(m.holder.index())
                .and_then(|c| c.as_ref())
                .map_or(0, |c| c.fields.len());
            let ok = m.needs.fields as usize <= fields
                && match m.kind {
                    MethodKind::Getter(n) | MethodKind::Setter(n) => (n as usize) < fields,
                    MethodKind::Literal(l) => (l as usize) < m.literals.len(),
                    MethodKind::Bytecode => !m.code.is_empty(),
                    _ => true,
                };
            if !ok {
                return Err(format!("method {i} reaches past its receiver or literals"));
            }
        }
        Ok(())
    }

    /// The installed method `index` as the compiler's output, for the verifier: its
    /// blocks nested (at most 64 deep; `check_indices` made them a forest), its
    /// literals as placeholders (the verifier checks indices, not values).
    fn compiled_code_of(
        &self,
        index: u32,
        depth: usize,
    ) -> Result<crate::compiler::CompiledCode, String> {
        use crate::compiler::{CompiledCode, SiteDef};
        use crate::syntax::ast::Literal;
        let m = &self.s.methods[index as usize];
        if depth > 64 {
            return Err("blocks nested too deep".into());
        }
        let blocks = m
            .blocks
            .iter()
            .map(|&b| self.compiled_code_of(b, depth + 1))
            .collect::<Result<_, _>>()?;
        Ok(CompiledCode {
            selector: self.s.symbols.name(m.selector).to_string(),
            is_block: m.is_block,
            primitive: !matches!(m.kind, crate::methods::MethodKind::Bytecode) && m.code.is_empty(),
            num_args: m.num_args,
            num_copied: m.num_copied,
            num_temps: m.num_temps,
            code: m.code.to_vec(),
            literals: m.literals.iter().map(|_| Literal::Nil).collect(),
            sites: m
                .sites
                .iter()
                .map(|s| SiteDef {
                    selector: self.s.symbols.name(s.selector).to_string(),
                    argc: s.argc,
                })
                .collect(),
            globals: m
                .globals
                .iter()
                .map(|&g| self.s.symbols.name(g).to_string())
                .collect(),
            blocks,
            lines: m.lines.to_vec(),
            line: m.line,
        })
    }
}
