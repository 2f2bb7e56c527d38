//! `cairn run IMAGE` (`docs/design/images.md`, "Running an image"), with the real
//! binary: a built image runs its main class with the arguments, the boot class ran at
//! build time only (a failing boot class or an unknown main class fails the build);
//! and every damaged or foreign file is refused before anything runs,
//! with exit status 2, nothing on stdout, and one line on stderr naming the file and
//! what is wrong: bit flips at every header byte and at 200 offsets past it, truncation
//! at 120 lengths, a wrong version and word size, an inconsistent heap behind a valid
//! checksum, a non-image file.

mod image_common;

use std::path::Path;

use cairn_gc::image::{reseal, ImageHeader, HEADER_BYTES};
use image_common::{build_args, built_image, cairn, refusal_text, scratch};

#[test]
fn a_built_image_runs_its_main_class_with_the_arguments() {
    let dir = scratch("image-run");
    let image = built_image(&dir);
    let o = cairn(&[
        "run".as_ref(),
        image.as_os_str(),
        "one".as_ref(),
        "two".as_ref(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "hello from the image\nHello\none\ntwo\n"
    );
    // By content too: a file starting with the magic, under another name.
    let renamed = dir.join("app.img");
    std::fs::copy(&image, &renamed).unwrap();
    let o = cairn(&["run".as_ref(), renamed.as_os_str()]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "hello from the image\nHello\n"
    );
    // An image without a main class is refused.
    let plain = dir.join("plain.image");
    let o = cairn(&build_args(&dir, &plain, &[]));
    assert!(o.status.success());
    let o = cairn(&["run".as_ref(), plain.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("names no main class"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failing_boot_class_or_an_unknown_main_class_fails_the_build() {
    let dir = scratch("image-boot-fails");
    std::fs::write(dir.join("src/Hello.som"), "Hello = ( run = ( ) )\n").unwrap();
    std::fs::write(dir.join("Boot.som"), "Boot = ( run = ( nil fooBar ) )\n").unwrap();
    let out = dir.join("app.image");
    let boot = dir.join("Boot.som");
    let o = cairn(&build_args(&dir, &out, &["--boot", boot.to_str().unwrap()]));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("fooBar"), "{stderr}");
    assert!(!out.exists());
    let o = cairn(&build_args(&dir, &out, &["--main", "NoSuchClass"]));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("main class NoSuchClass"), "{stderr}");
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs `cairn run` on `bytes` written to `name` and checks the refusal: status 2,
/// no output, one stderr line `cairn: PATH: ` followed by text containing `expected`.
fn refused(dir: &Path, name: &str, bytes: &[u8], expected: &[&str], case: &str) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let o = cairn(&["run".as_ref(), path.as_os_str()]);
    let text = refusal_text(&o, &path, case);
    assert!(
        expected.iter().any(|e| text.starts_with(e)),
        "{case}: expected one of {expected:?}, got {text}"
    );
}

/// The refusal a flipped bit at `at` calls for.
fn expected_for(at: usize) -> &'static [&'static str] {
    match at {
        0..8 => &["not a Cairn image"],
        8..12 => &["unsupported image format version"],
        12..16 => &["image word size"],
        16..24 => &["truncated image", "inconsistent image: the file has"],
        _ => &["image checksum mismatch"],
    }
}

#[test]
fn damaged_and_foreign_files_are_refused_with_their_own_message() {
    let dir = scratch("image-refusals");
    let good = std::fs::read(built_image(&dir)).unwrap();
    let len = good.len();
    // Bit flips: every header byte, then 200 offsets spread over the rest.
    let offsets = (0..HEADER_BYTES)
        .chain((0..200).map(|i| HEADER_BYTES + i * (len - HEADER_BYTES - 1) / 199));
    for (n, at) in offsets.enumerate() {
        let mut bad = good.clone();
        bad[at] ^= 1 << (n % 8);
        refused(
            &dir,
            "flip.image",
            &bad,
            expected_for(at),
            &format!("bit {} at {at}", n % 8),
        );
    }
    // Truncation at 120 lengths, from empty to one byte short.
    for i in 0..120 {
        let cut = i * (len - 1) / 119;
        refused(
            &dir,
            "cut.image",
            &good[..cut],
            &["truncated image"],
            &format!("cut at {cut}"),
        );
    }
    // A wrong version and a wrong word size, spelled out.
    for (at, value, message) in [
        (
            8,
            3u32,
            "unsupported image format version 3 (this VM reads version 1, 2 when signed)",
        ),
        (12, 4, "image word size 4 bytes, this VM has 8-byte words"),
    ] {
        let mut bad = good.clone();
        bad[at..at + 4].copy_from_slice(&value.to_le_bytes());
        refused(&dir, "field.image", &bad, &[message], message);
    }
    // An inconsistent heap behind a valid checksum: the first root points nowhere.
    let h = ImageHeader::decode(&good).unwrap();
    let mut i = good.clone();
    let at = h.roots_offset as usize;
    i[at..at + 8].copy_from_slice(&0x7fff_fff8u64.to_le_bytes());
    assert!(reseal(&mut i));
    refused(
        &dir,
        "heap.image",
        &i,
        &["inconsistent image: root 0 points to"],
        "heap",
    );
    // A file that is no image: by name, and by content under any name it is a class.
    refused(
        &dir,
        "notes.image",
        b"Hello = ( run = ( 'x' println ) )\n",
        &["not a Cairn image"],
        "text",
    );
    refused(
        &dir,
        "empty.image",
        b"",
        &["truncated image: 0 bytes of 128"],
        "empty",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
