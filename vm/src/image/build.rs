//! `cairn build`: an image from source directories, deterministically. The kernel is
//! booted with a fixed identity-hash seed, every class file of the directories is loaded
//! (directories in the order given, files sorted by name), and the image is saved with a
//! manifest whose only time is `created` (`SOURCE_DATE_EPOCH` when the caller passes it).
//! A boot class (`--boot FILE.som`) is loaded last and run (`run`, as `cairn run` would)
//! before the save; the main class (`--main`) is what `cairn run app.image` runs.
//! The same inputs give the same bytes (images.md, "Determinism").

use std::path::{Path, PathBuf};

use cairn_gc::HeapConfig;

use crate::vm::{Vm, VmError};

/// The identity-hash seed of every build.
const BUILD_HASH_SEED: u64 = 0x00C4_1236_0D5E_ED01;

/// What an image is built from.
#[derive(Clone, Debug)]
pub struct BuildInputs {
    /// Source directories holding `Name.som` class files, in load order.
    pub sources: Vec<PathBuf>,
    /// The manifest's creation time, seconds since the epoch (`SOURCE_DATE_EPOCH`).
    pub created: u64,
    /// The memory budget of the building VM.
    pub max_heap_bytes: usize,
    /// A class file run once at build time, after the sources are loaded.
    pub boot: Option<PathBuf>,
    /// The class `cairn run IMAGE` instantiates and sends `run:` (or `run`), recorded in
    /// the manifest as `main`.
    pub main: Option<String>,
}

/// One class file: its name as given, its class name and its content hash.
struct Source {
    path: String,
    class: String,
    hash: String,
}

/// The class files (`*.som`) of `dir`, sorted by name: the order a build loads them.
pub fn class_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "som"))
        .collect();
    files.sort();
    Ok(files)
}

fn sources_of(dir: &Path) -> Result<Vec<Source>, String> {
    class_files(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .into_iter()
        .map(|p| {
            let text = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            let class = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Source {
                path: p.display().to_string(),
                class,
                hash: blake3::hash(&text).to_hex().to_string(),
            })
        })
        .collect()
}

/// Builds the image of `inputs`: the kernel and every class of the source directories.
/// A class that does not load is an error naming it.
pub fn build_image(inputs: &BuildInputs) -> Result<Vec<u8>, VmError> {
    let mut sources = Vec::new();
    for dir in &inputs.sources {
        sources.extend(sources_of(dir).map_err(VmError::Compile)?);
    }
    let config = HeapConfig {
        hash_seed: Some(BUILD_HASH_SEED),
        ..HeapConfig::default().with_max_heap(inputs.max_heap_bytes)
    };
    let mut class_path = inputs.sources.clone();
    let boot = match &inputs.boot {
        Some(file) => {
            let text = std::fs::read(file)
                .map_err(|e| VmError::Compile(format!("{}: {e}", file.display())))?;
            let class = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            class_path.push(match file.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            });
            Some(Source {
                path: file.display().to_string(),
                class,
                hash: blake3::hash(&text).to_hex().to_string(),
            })
        }
        None => None,
    };
    let mut vm = Vm::with_heap_config(class_path, config)?;
    for s in sources.iter().chain(&boot) {
        if vm.load_global(&s.class)?.is_none() {
            return Err(VmError::Compile(format!(
                "{}: no class {} in it",
                s.path, s.class
            )));
        }
    }
    if let Some(b) = &boot {
        vm.run_program(std::slice::from_ref(&b.class))?;
    }
    if let Some(main) = &inputs.main {
        if vm.load_global(main)?.is_none() {
            return Err(VmError::Compile(format!(
                "the main class {main} is not among the image's classes"
            )));
        }
    }
    let mut build = blake3::Hasher::new();
    build.update(env!("CARGO_PKG_VERSION").as_bytes());
    for s in sources.iter().chain(&boot) {
        build.update(s.path.as_bytes());
        build.update(s.hash.as_bytes());
    }
    build.update(inputs.main.as_deref().unwrap_or("").as_bytes());
    let entry =
        |s: &Source| serde_json::json!({ "path": s.path, "class": s.class, "blake3": s.hash });
    let manifest = serde_json::json!({
        "format": cairn_gc::image::FORMAT_VERSION,
        "vm": env!("CARGO_PKG_VERSION"),
        "build": build.finalize().to_hex().to_string(),
        "created": inputs.created,
        "parent": null,
        "migrations": [],
        "sources": sources.iter().map(entry).collect::<Vec<_>>(),
        "boot": boot.as_ref().map(entry),
        "main": inputs.main,
    });
    vm.save_image(manifest.to_string().as_bytes())
}

/// The main class a manifest names (`"main"`), if any.
pub fn manifest_main(manifest: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(manifest)
        .ok()?
        .get("main")?
        .as_str()
        .map(str::to_string)
}
