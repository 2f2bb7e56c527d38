//! Cairn's Cranelift tier.
