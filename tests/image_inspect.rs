//! `cairn image info` and `cairn image verify` (`docs/design/images.md`, "Inspecting and
//! verifying"), with the real binary: info prints the manifest, the sizes, the counts
//! and the top classes; verify passes a good image (its child process loads it and runs
//! both verifiers), fails a corrupt file at the checksum and a resealed inconsistent
//! one in the child, with status 1; a file that is no image is refused.

mod image_common;

use cairn_gc::image::{reseal, ImageHeader};
use image_common::{built_image, cairn, scratch};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn info_prints_the_manifest_sizes_counts_and_top_classes() {
    let dir = scratch("image-info");
    let image = built_image(&dir);
    let o = cairn(&["image".as_ref(), "info".as_ref(), image.as_os_str()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let len = std::fs::metadata(&image).unwrap().len();
    assert!(
        out.starts_with(&format!("format version 1, 8-byte words, {len} bytes\n")),
        "{out}"
    );
    for expected in [
        "\"main\": \"Hello\"",
        "\"class\": \"Hello\"",
        "\"created\": 1700000000",
        "top classes by objects:",
        "top classes by bytes:",
    ] {
        assert!(out.contains(expected), "{expected} missing in\n{out}");
    }
    // The counts agree with each other: the per-class lines are the top of the total.
    let objects: u64 = out
        .lines()
        .find_map(|l| l.strip_prefix("objects: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("an objects line");
    assert!(objects > 1000, "{out}");
    let top: Vec<u64> = out
        .lines()
        .skip_while(|l| *l != "top classes by objects:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(top.len(), 10, "{out}");
    assert!(top.windows(2).all(|w| w[0] >= w[1]), "{out}");
    assert!(top.iter().sum::<u64>() <= objects);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_passes_a_good_image_and_fails_damaged_ones() {
    let dir = scratch("image-verify");
    let image = built_image(&dir);
    let verify =
        |path: &std::path::Path| cairn(&["image".as_ref(), "verify".as_ref(), path.as_os_str()]);
    let o = verify(&image);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for expected in [
        "header and checksum: ok",
        "heap verifier: ok",
        "bytecode verifier: ok",
        ": pass",
    ] {
        assert!(out.contains(expected), "{expected} missing in\n{out}");
    }
    // A flipped bit in the objects: the checksum fails, no child needed.
    let good = std::fs::read(&image).unwrap();
    let mut bad = good.clone();
    let last = bad.len() - 9;
    bad[last] ^= 0x10;
    let flipped = dir.join("flipped.image");
    std::fs::write(&flipped, &bad).unwrap();
    let o = verify(&flipped);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("image checksum mismatch"),
        "{}",
        text(&o.stderr)
    );
    // A valid checksum over an inconsistent heap: the child's load fails.
    let h = ImageHeader::decode(&good).unwrap();
    let mut bad = good.clone();
    let at = h.roots_offset as usize;
    bad[at..at + 8].copy_from_slice(&0x7fff_fff8u64.to_le_bytes());
    assert!(reseal(&mut bad));
    let resealed = dir.join("resealed.image");
    std::fs::write(&resealed, &bad).unwrap();
    let o = verify(&resealed);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("header and checksum: ok"));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("inconsistent image: root 0") && stderr.contains("fail"),
        "{stderr}"
    );
    // Not an image at all.
    let o = cairn(&[
        "image".as_ref(),
        "info".as_ref(),
        dir.join("Boot.som").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not a Cairn image"),
        "{}",
        text(&o.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
