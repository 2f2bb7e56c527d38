//! `write_image_file` (`docs/design/images.md`, "Writing a file"): the history keeps the
//! `keep` previous files, newest as `.1`, and drops the oldest; `keep` 0 keeps none; a
//! file already kept as `.1` (the same header) is not kept twice; a failed write leaves
//! the target and no temporary file behind. Crashes mid-write: `tests/image_crash.rs`.

use std::path::{Path, PathBuf};

use cairn_vm::image::{history_path, write_image_file};

/// 256 bytes that differ by generation in the first 128 (the header's place).
fn contents(generation: u8) -> Vec<u8> {
    (0..=255u8).map(|i| i ^ generation).collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cairn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The generation of each of `target`, `.1` ... `.5` that exists.
fn generations(target: &Path) -> Vec<Option<u8>> {
    std::iter::once(target.to_path_buf())
        .chain((1..=5).map(|n| history_path(target, n)))
        .map(|p| std::fs::read(p).ok().map(|b| b[0]))
        .collect()
}

#[test]
fn the_history_keeps_the_newest_previous_files() {
    let dir = scratch("image-file-history");
    let target = dir.join("app.image");
    for g in 1..=5 {
        write_image_file(&target, &contents(g), 3).unwrap();
    }
    assert_eq!(
        generations(&target),
        [Some(5), Some(4), Some(3), Some(2), None, None]
    );
    // The same image again: the target (5) is kept as .1 once, and a second identical
    // write finds it there and keeps nothing more.
    write_image_file(&target, &contents(5), 3).unwrap();
    assert_eq!(
        generations(&target),
        [Some(5), Some(5), Some(4), Some(3), None, None]
    );
    write_image_file(&target, &contents(5), 3).unwrap();
    assert_eq!(
        generations(&target),
        [Some(5), Some(5), Some(4), Some(3), None, None]
    );
    // keep 0: the target is replaced, the history left as it is.
    write_image_file(&target, &contents(6), 0).unwrap();
    assert_eq!(generations(&target)[..2], [Some(6), Some(5)]);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_write_changes_nothing() {
    let dir = scratch("image-file-fails");
    let missing = dir.join("no-such-dir").join("app.image");
    assert!(write_image_file(&missing, &contents(1), 2).is_err());
    assert!(!missing.exists());
    // A target that is a directory: the rename fails, the temporary file goes.
    let target = dir.join("taken");
    std::fs::create_dir_all(target.join("inside")).unwrap();
    assert!(write_image_file(&target, &contents(1), 0).is_err());
    assert!(target.join("inside").is_dir());
    assert!(!dir.join("taken.tmp").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
