//! Signed images (`docs/design/images.md`, "Signing"), with the real binary: `cairn
//! image keygen` writes a key pair; `cairn build --sign-key` signs; `cairn run
//! --trusted-key` runs an image signed by that key and refuses, with status 2, nothing
//! run and its own message naming the file, an unsigned image, one signed by another
//! key, and a signed image with a bit flipped in its signature or its manifest;
//! `cairn image info` shows the signer and `cairn image verify --trusted-key` checks it.

mod image_common;

use std::path::{Path, PathBuf};
use std::process::Output;

use cairn_gc::image::{ImageHeader, HEADER_BYTES, SIGNATURE_TRAILER_BYTES};
use image_common::{build_args, built_image, cairn, refusal_text, scratch};

/// `cairn image keygen -o DIR/NAME`: the secret and the public key file.
fn keygen(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(name);
    let o = cairn(&[
        "image".as_ref(),
        "keygen".as_ref(),
        "-o".as_ref(),
        key.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let public = dir.join(format!("{name}.pub"));
    for f in [&key, &public] {
        let text = std::fs::read_to_string(f).unwrap();
        assert_eq!(text.len(), 65, "{text:?}");
        assert!(text.trim_end().bytes().all(|b| b.is_ascii_hexdigit()));
    }
    (key, public)
}

/// The hello-world image of `built_image`, signed with `key`, as `DIR/signed.image`.
fn signed_image(dir: &Path, key: &Path) -> PathBuf {
    built_image(dir);
    let out = dir.join("signed.image");
    let o = cairn(&build_args(
        dir,
        &out,
        &["--main", "Hello", "--sign-key", key.to_str().unwrap()],
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn run_trusted(image: &Path, public: &Path) -> Output {
    cairn(&[
        "run".as_ref(),
        "--trusted-key".as_ref(),
        public.as_os_str(),
        image.as_os_str(),
        "x".as_ref(),
    ])
}

/// Status 2, nothing run, one line `cairn: IMAGE: ` + `expected`...
fn assert_refused(o: &Output, image: &Path, expected: &str) {
    let text = refusal_text(o, image, expected);
    assert!(
        text.starts_with(expected),
        "expected {expected:?}, got {text}"
    );
}

/// A scratch directory with two key pairs and the hello-world image signed by the first.
struct Signed {
    dir: PathBuf,
    public: PathBuf,
    other: PathBuf,
    image: PathBuf,
}

fn signed(name: &str) -> Signed {
    let dir = scratch(name);
    let (key, public) = keygen(&dir, "app.key");
    let (_, other) = keygen(&dir, "other.key");
    let image = signed_image(&dir, &key);
    Signed {
        dir,
        public,
        other,
        image,
    }
}

#[test]
fn a_signed_image_runs_with_its_key_and_is_refused_otherwise() {
    let Signed {
        dir,
        public,
        other,
        image,
    } = signed("image-sign");
    let unsigned = dir.join("app.image");

    let o = run_trusted(&image, &public);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "hello from the image\nHello\nx\n"
    );
    // Without --trusted-key a signed image runs too, its signature checked.
    let o = cairn(&["run".as_ref(), image.as_os_str()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    assert_refused(
        &run_trusted(&unsigned, &public),
        &unsigned,
        "the image is not signed",
    );
    assert_refused(
        &run_trusted(&image, &other),
        &image,
        "the image is signed by another key",
    );

    // Bit flips in a copy: in the signature (the trailer's last 64 bytes), the signer's
    // key, the trailer's magic, the header and the manifest (the checksum catches it first; the signature covers the checksum).
    let good = std::fs::read(&image).unwrap();
    let len = good.len();
    let manifest_at = HEADER_BYTES + 10;
    for (at, expected) in [
        (len - 1, "image signature mismatch"),
        (len - 64, "image signature mismatch"),
        (
            len - SIGNATURE_TRAILER_BYTES + 8,
            "image signature mismatch",
        ),
        (
            len - SIGNATURE_TRAILER_BYTES + 30,
            "image signature mismatch",
        ),
        (
            len - SIGNATURE_TRAILER_BYTES,
            "inconsistent image: the signature trailer does not start with its magic",
        ),
        (90, "image checksum mismatch"),
        (manifest_at, "image checksum mismatch"),
    ] {
        let mut bad = good.clone();
        bad[at] ^= 4;
        let path = dir.join("flip.image");
        std::fs::write(&path, &bad).unwrap();
        assert_refused(&run_trusted(&path, &public), &path, expected);
        let o = cairn(&["run".as_ref(), path.as_os_str()]);
        assert_refused(&o, &path, expected);
    }
    // A manifest changed and the checksum recomputed: only the signature catches it.
    let mut bad = good.clone();
    bad[manifest_at] ^= 4;
    let h = ImageHeader::decode(&good).unwrap();
    assert!(h.signed);
    assert!(cairn_gc::image::reseal(&mut bad));
    let path = dir.join("resealed.image");
    std::fs::write(&path, &bad).unwrap();
    assert_refused(
        &run_trusted(&path, &public),
        &path,
        "image signature mismatch",
    );
    // The trailer cut off: refused, as a truncation.
    let path = dir.join("cut.image");
    std::fs::write(&path, &good[..len - 1]).unwrap();
    assert_refused(&run_trusted(&path, &public), &path, "truncated image");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn info_and_verify_report_the_signature() {
    let Signed {
        dir,
        public,
        other,
        image,
    } = signed("image-sign-info");
    let public_hex = std::fs::read_to_string(&public).unwrap();
    let o = cairn(&["image".as_ref(), "info".as_ref(), image.as_os_str()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.starts_with("format version 2,"), "{out}");
    assert!(
        out.contains(&format!(
            "signed: yes (ed25519), signer {}, verifies",
            public_hex.trim()
        )),
        "{out}"
    );
    let unsigned = dir.join("app.image");
    let o = cairn(&["image".as_ref(), "info".as_ref(), unsigned.as_os_str()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("signed: no\n"));

    let verify = |file: &Path, key: &Path| {
        cairn(&[
            "image".as_ref(),
            "verify".as_ref(),
            "--trusted-key".as_ref(),
            key.as_os_str(),
            file.as_os_str(),
        ])
    };
    let o = verify(&image, &public);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("signature: ok (signed by "), "{out}");
    assert!(out.ends_with(": pass\n"), "{out}");
    for (file, expected) in [
        (&image, "the image is signed by another key"),
        (&unsigned, "the image is not signed"),
    ] {
        let o = verify(file, &other);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn keys_are_checked_and_never_overwritten() {
    let dir = scratch("image-sign-keys");
    let (key, _) = keygen(&dir, "k");
    let o = cairn(&[
        "image".as_ref(),
        "keygen".as_ref(),
        "-o".as_ref(),
        key.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("key file"));
    // A key file that is not 64 hex digits fails the build; nothing is written.
    let bad = dir.join("bad.key");
    std::fs::write(&bad, "not a key\n").unwrap();
    std::fs::write(
        dir.join("src/Hello.som"),
        "Hello = ( run = ( 'hi' println ) )\n",
    )
    .unwrap();
    let out = dir.join("x.image");
    let o = cairn(&build_args(
        &dir,
        &out,
        &["--sign-key", bad.to_str().unwrap()],
    ));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("expected 64 hex digits"), "{stderr}");
    assert!(!out.exists());
    // --trusted-key is for images only.
    let o = cairn(&["run", "--trusted-key", "k.pub", "Hello"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
