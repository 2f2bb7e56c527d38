//! Signing images with ed25519 (`docs/design/images.md`, "Signing"): key files, the
//! signature trailer of a signed image (format version 2) and its checks.
//!
//! A signature covers the header (checksum included) and the manifest; the checksum
//! covers everything else, so the signature covers the whole image. The trailer after
//! the image holds the signer's public key and the signature (`cairn_gc::image`,
//! [`SIGNATURE_TRAILER_BYTES`]). Key files are text: 64 hex digits (the 32-byte secret
//! seed, or the 32-byte public key) and a newline.

use std::fmt;
use std::path::{Path, PathBuf};

use cairn_gc::image::{self, ImageError, SIGNATURE_MAGIC, SIGNATURE_TRAILER_BYTES};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// Why a key file, a signing or a signature check failed. `Display` is the message.
#[derive(Debug)]
pub enum SignError {
    /// The image itself is refused by the loader's header and checksum checks.
    Image(ImageError),
    /// A key file could not be read or written.
    KeyIo(PathBuf, std::io::Error),
    /// A key file does not hold 64 hex digits (or not a valid public key).
    KeyFormat(PathBuf, &'static str),
    /// The OS gave no random bytes.
    Random(String),
    /// `--trusted-key` and the image carries no signature.
    Unsigned,
    /// The image is signed, by a key other than the trusted one.
    OtherKey {
        /// The signer's public key, hex.
        signer: String,
        /// The trusted public key, hex.
        trusted: String,
    },
    /// The signature does not verify with the key the image names.
    BadSignature,
    /// The image to sign is already signed.
    AlreadySigned,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::Image(e) => write!(f, "{e}"),
            SignError::KeyIo(p, e) => write!(f, "key file {}: {e}", p.display()),
            SignError::KeyFormat(p, why) => write!(f, "key file {}: {why}", p.display()),
            SignError::Random(e) => write!(f, "no random bytes from the OS: {e}"),
            SignError::Unsigned => write!(
                f,
                "the image is not signed, and --trusted-key accepts only signed images"
            ),
            SignError::OtherKey { signer, trusted } => write!(
                f,
                "the image is signed by another key: {signer}, not the trusted {trusted}"
            ),
            SignError::BadSignature => write!(
                f,
                "image signature mismatch: the signature does not verify with the signer's key"
            ),
            SignError::AlreadySigned => write!(f, "the image is already signed"),
        }
    }
}

impl std::error::Error for SignError {}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 32 bytes of a key file's 64 hex digits (surrounding white space allowed).
fn read_key_bytes(path: &Path) -> Result<[u8; 32], SignError> {
    let text = std::fs::read_to_string(path).map_err(|e| SignError::KeyIo(path.into(), e))?;
    let digits = text.trim().as_bytes();
    let bad = || SignError::KeyFormat(path.into(), "expected 64 hex digits (32 bytes)");
    if digits.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let s = std::str::from_utf8(pair).map_err(|_| bad())?;
        out[i] = u8::from_str_radix(s, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// Reads a secret key file (the 32-byte seed in hex).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, SignError> {
    Ok(SigningKey::from_bytes(&read_key_bytes(path)?))
}

/// Reads a public key file (the 32-byte ed25519 public key in hex).
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, SignError> {
    VerifyingKey::from_bytes(&read_key_bytes(path)?)
        .map_err(|_| SignError::KeyFormat(path.into(), "not an ed25519 public key"))
}

/// `cairn image keygen -o FILE`: a new key pair from the OS's random source, the secret
/// seed in `FILE` (created new, owner-only where the OS has modes) and the public key
/// in `FILE.pub`. Answers the public key. Refuses to overwrite either file.
pub fn keygen(path: &Path) -> Result<VerifyingKey, SignError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| SignError::Random(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    let public = key.verifying_key();
    let pub_path = public_key_path(path);
    write_new(path, &format!("{}\n", hex(&seed)), true)?;
    write_new(&pub_path, &format!("{}\n", hex(public.as_bytes())), false)?;
    Ok(public)
}

/// Where `keygen` puts the public key of the secret key file `path`: `path.pub`.
pub fn public_key_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

fn write_new(path: &Path, text: &str, secret: bool) -> Result<(), SignError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .map_err(|e| SignError::KeyIo(path.into(), e))
}

/// Signs the unsigned image `bytes`: the version becomes 2, the checksum is recomputed,
/// and the trailer (magic, public key, signature over header and manifest) is appended.
pub fn sign_image(bytes: &[u8], key: &SigningKey) -> Result<Vec<u8>, SignError> {
    let file = image::read(bytes).map_err(SignError::Image)?;
    if file.signature.is_some() {
        return Err(SignError::AlreadySigned);
    }
    let mut head = file.header;
    head.signed = true;
    let mut out = Vec::with_capacity(bytes.len() + SIGNATURE_TRAILER_BYTES);
    out.extend_from_slice(&head.encode());
    out.extend_from_slice(&bytes[image::HEADER_BYTES..]);
    let image_len = out.len();
    // The trailer's room first, so `reseal` hashes the image without it.
    out.resize(image_len + SIGNATURE_TRAILER_BYTES, 0);
    image::reseal(&mut out);
    let signed_len = image::HEADER_BYTES + file.manifest.len();
    let signature = key.sign(&out[..signed_len]);
    let mut trailer = Vec::with_capacity(SIGNATURE_TRAILER_BYTES);
    trailer.extend_from_slice(&SIGNATURE_MAGIC);
    trailer.extend_from_slice(key.verifying_key().as_bytes());
    trailer.extend_from_slice(&signature.to_bytes());
    out[image_len..].copy_from_slice(&trailer);
    Ok(out)
}

/// Checks the header, the checksum and the signature of `bytes`: answers the signer's
/// public key (None for an unsigned image). A signature that does not verify is
/// refused; with `trusted`, so is an unsigned image and one signed by another key.
pub fn check_signature(
    bytes: &[u8],
    trusted: Option<&VerifyingKey>,
) -> Result<Option<VerifyingKey>, SignError> {
    let file = image::read(bytes).map_err(SignError::Image)?;
    let Some(trailer) = file.signature else {
        return match trusted {
            Some(_) => Err(SignError::Unsigned),
            None => Ok(None),
        };
    };
    let (public, signature) = trailer.split_at(32);
    let public: [u8; 32] = public.try_into().map_err(|_| SignError::BadSignature)?;
    let signer = VerifyingKey::from_bytes(&public).map_err(|_| SignError::BadSignature)?;
    let signature = Signature::from_slice(signature).map_err(|_| SignError::BadSignature)?;
    // The signature first: a changed key or signature is a mismatch, whatever is trusted.
    signer
        .verify_strict(file.signed_part, &signature)
        .map_err(|_| SignError::BadSignature)?;
    if let Some(t) = trusted {
        if t != &signer {
            return Err(SignError::OtherKey {
                signer: hex(signer.as_bytes()),
                trusted: hex(t.as_bytes()),
            });
        }
    }
    Ok(Some(signer))
}
