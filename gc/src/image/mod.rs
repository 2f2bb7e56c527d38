//! Image files: the heap written to bytes and read back (`docs/design/images.md`).
//!
//! The heap's part of an image is owned here, so that the tracer reads and writes images
//! without the interpreter: the header ([`ImageHeader`], `header.rs`), the roots and the
//! object section with base-relative pointers, written by [`Heap::save_image`]
//! (`write.rs`) and loaded by [`load`] / [`load_file`] (`load.rs`), which refuse a
//! foreign, truncated, corrupt or inconsistent file with an [`ImageError`] that says
//! which. The manifest is opaque bytes here (the VM writes JSON), and the VM's roots an
//! ordered list of Oops whose meaning only the VM knows.
//!
//! [`Heap::save_image`]: crate::Heap::save_image

mod header;
mod load;
mod write;

use std::fmt;

pub use header::{
    reseal, ImageHeader, FORMAT_VERSION, HEADER_BYTES, MAGIC, SIGNATURE_MAGIC,
    SIGNATURE_TRAILER_BYTES, SIGNED_FORMAT_VERSION, WORD_BYTES,
};
pub use load::{load, load_file, read, ImageFile, LoadedImage};

use crate::error::HeapError;
use header::SIGNED_FORMAT_VERSION as SIGNED;

/// Why an image file was refused. `Display` gives the message for the operator.
#[derive(Debug)]
pub enum ImageError {
    /// The file could not be opened or mapped.
    Io(std::io::Error),
    /// The file does not start with [`MAGIC`].
    NotAnImage,
    /// Another format version.
    Version {
        /// The version the file says.
        found: u32,
    },
    /// Another word size.
    WordSize {
        /// The word size the file says.
        found: u32,
    },
    /// The file ends before its header says it does.
    Truncated {
        /// Bytes present.
        found: u64,
        /// Bytes the header (or a header) needs.
        expected: u64,
    },
    /// The checksum does not match the contents.
    Checksum,
    /// The checksum matches, but the contents break the format or the heap's invariants.
    Inconsistent(String),
    /// The image needs more memory than the loading heap's maximum.
    TooLarge {
        /// Bytes of objects in the image.
        object_bytes: u64,
        /// The loading heap's maximum size.
        max_heap_bytes: usize,
    },
    /// The heap to load into could not be created.
    Heap(HeapError),
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Io(e) => write!(f, "cannot read the image: {e}"),
            ImageError::NotAnImage => write!(
                f,
                "not a Cairn image: the file does not start with the image magic"
            ),
            ImageError::Version { found } => write!(
                f,
                "unsupported image format version {found} (this VM reads version {FORMAT_VERSION}, {SIGNED} when signed)"
            ),
            ImageError::WordSize { found } => write!(
                f,
                "image word size {found} bytes, this VM has {WORD_BYTES}-byte words"
            ),
            ImageError::Truncated { found, expected } => write!(
                f,
                "truncated image: {found} bytes of {expected}"
            ),
            ImageError::Checksum => write!(f, "image checksum mismatch: the file is corrupt"),
            ImageError::Inconsistent(why) => write!(f, "inconsistent image: {why}"),
            ImageError::TooLarge {
                object_bytes,
                max_heap_bytes,
            } => write!(
                f,
                "the image's {object_bytes} bytes of objects do not fit in the maximum heap size of {max_heap_bytes} bytes"
            ),
            ImageError::Heap(e) => write!(f, "cannot load the image: {e}"),
        }
    }
}

impl std::error::Error for ImageError {}

impl From<std::io::Error> for ImageError {
    fn from(e: std::io::Error) -> Self {
        ImageError::Io(e)
    }
}
