//! [`MethodRef`]: the read-only view of an installed method that a tier compiles from
//! (`MethodInfo` stays private to `vm`).
//!
//! A `MethodRef` is made only by `Vm::tier_up` from a pointer to a boxed `MethodInfo`,
//! and MethodInfos are never freed while the VM lives, so its accessors are safe. The
//! compiler reads the bytecode, the shapes of the frame and the send sites; the literal
//! buffer's address may be embedded in code (the `Vec` never grows after install, and
//! the values are re-read at each use because the collector updates them in place).

use cairn_gc::Oop;

use crate::methods::MethodInfo;

/// A method or block handed to [`super::Tier::compile`].
#[derive(Clone, Copy)]
pub struct MethodRef {
    method: *mut MethodInfo,
}

/// A send site as the compiler sees it.
#[derive(Clone, Copy, Debug)]
pub struct SiteView {
    /// Argument count.
    pub argc: usize,
    /// Selector id.
    pub selector: u32,
}

impl MethodRef {
    pub(crate) fn new(method: *mut MethodInfo) -> MethodRef {
        MethodRef { method }
    }

    fn info(&self) -> &MethodInfo {
        // SAFETY: made from a boxed MethodInfo that is never freed while the VM runs
        // (`State::methods` only grows); the tier reads it during `compile` only.
        unsafe { &*self.method }
    }

    /// The bytecode (verified when installed: decodes, never falls off the end, one
    /// stack depth per instruction).
    pub fn code(&self) -> &[u8] {
        &self.info().code
    }

    /// Frame slots: receiver, arguments, copied values, temporaries (+ closure).
    pub fn slots(&self) -> usize {
        self.info().slots
    }

    /// Argument count.
    pub fn num_args(&self) -> usize {
        self.info().num_args
    }

    /// True for a block.
    pub fn is_block(&self) -> bool {
        self.info().is_block
    }

    /// Exception-machinery marks (non-zero: `on:do:`, `ensure:`, `ifCurtailed:`).
    pub fn marks(&self) -> u8 {
        self.info().marks
    }

    /// Send site `i`.
    pub fn site(&self, i: usize) -> Option<SiteView> {
        self.info().sites.get(i).map(|s| SiteView {
            argc: s.argc as usize,
            selector: s.selector,
        })
    }

    /// Number of literals, and the address of the literal buffer (stable: see above).
    pub fn literals(&self) -> (usize, *const Oop) {
        let l = &self.info().literals;
        (l.len(), l.as_ptr())
    }

    /// Number of nested block methods (`MakeClosure` operands index them).
    pub fn num_blocks(&self) -> usize {
        self.info().blocks.len()
    }

    /// Number of global sites.
    pub fn num_globals(&self) -> usize {
        self.info().globals.len()
    }

    /// Source file and first line, for diagnostics.
    pub fn location(&self) -> (String, u32) {
        (self.info().file.to_string(), self.info().line)
    }
}
