//! Errors the heap returns instead of aborting.

use std::fmt;

/// A heap could not be created.
#[derive(Debug)]
pub enum HeapError {
    /// The configuration's sizes do not fit together.
    InvalidConfig(String),
    /// The operating system refused the memory reservation.
    Reserve(std::io::Error),
}

impl fmt::Display for HeapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeapError::InvalidConfig(why) => write!(f, "invalid heap configuration: {why}"),
            HeapError::Reserve(e) => write!(f, "cannot reserve heap memory: {e}"),
        }
    }
}

impl std::error::Error for HeapError {}

/// An allocation did not fit under the maximum heap size even after a full collection,
/// or asked for an object too large to encode. The VM turns it into a Smalltalk
/// exception; the heap stays usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory {
    /// Bytes the failed allocation needed (`usize::MAX` when the shape cannot be encoded).
    pub requested_bytes: usize,
    /// The heap's footprint when it gave up ([`crate::Heap::footprint`]: nursery, old
    /// and large space, the VM's external bytes and the remembered set).
    pub heap_bytes: usize,
    /// The configured maximum.
    pub max_heap_bytes: usize,
}

impl fmt::Display for OutOfMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.requested_bytes == usize::MAX {
            write!(f, "out of memory: object too large to represent")
        } else {
            write!(
                f,
                "out of memory: {} bytes requested, heap holds {} of at most {} bytes",
                self.requested_bytes, self.heap_bytes, self.max_heap_bytes
            )
        }
    }
}

impl std::error::Error for OutOfMemory {}

/// The class table has no index left (2^22 classes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassTableFull;

impl fmt::Display for ClassTableFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "class table full")
    }
}

impl std::error::Error for ClassTableFull {}

/// `become:` was asked for something it cannot do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BecomeError {
    /// One of the two Oops is an immediate (immediates have no identity to exchange).
    Immediate,
}

impl fmt::Display for BecomeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BecomeError::Immediate => write!(f, "become: of an immediate value"),
        }
    }
}

impl std::error::Error for BecomeError {}
