//! [`FrameStack`]: the running process's activation records, a growable array of
//! [`Frame`]s whose pointer, length and capacity are plain fields at offsets compiled
//! code knows (`TierLayout`), so the native tier pushes and pops plain frames inline
//! (docs/design/jit.md §3; safety.md I12). Rust code uses it like the `Vec` it replaces:
//! `push`, `pop`, `clear`, and every slice method through `Deref`.
//!
//! The buffer is a `Vec<Frame>`'s, taken apart into its raw parts and put back together
//! to grow or drop; `Frame` is `Copy`, so no element ever needs dropping.

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

use super::frames::Frame;

/// Byte offsets of the buffer pointer and the length in a [`FrameStack`] (compiled code
/// pushes and pops plain frames through them).
pub(crate) const PTR_OFFSET: usize = std::mem::offset_of!(FrameStack, ptr);
/// See [`PTR_OFFSET`].
pub(crate) const LEN_OFFSET: usize = std::mem::offset_of!(FrameStack, len);
/// See [`PTR_OFFSET`].
pub(crate) const CAP_OFFSET: usize = std::mem::offset_of!(FrameStack, cap);

/// The frames of the running process, oldest first.
pub struct FrameStack {
    /// Start of the buffer (`cap` frames; the first `len` initialised).
    ptr: *mut Frame,
    /// Frames in use.
    len: usize,
    /// Frames the buffer holds.
    cap: usize,
}

impl FrameStack {
    /// An empty stack with room for `cap` frames.
    pub fn with_capacity(cap: usize) -> FrameStack {
        FrameStack::from_vec(Vec::with_capacity(cap))
    }

    fn from_vec(v: Vec<Frame>) -> FrameStack {
        let mut v = ManuallyDrop::new(v);
        FrameStack {
            ptr: v.as_mut_ptr(),
            len: v.len(),
            cap: v.capacity(),
        }
    }

    /// Puts the buffer back into the `Vec` it came from, leaving `self` empty.
    fn take_vec(&mut self) -> Vec<Frame> {
        let (ptr, len, cap) = (self.ptr, self.len, self.cap);
        // Field by field: assigning a whole `FrameStack` would drop the old one.
        let empty = FrameStack::from_vec(Vec::new());
        (self.ptr, self.len, self.cap) = (empty.ptr, empty.len, empty.cap);
        std::mem::forget(empty);
        // SAFETY (I12): `ptr`, `len` and `cap` are the raw parts of a `Vec<Frame>`
        // (`from_vec`), with `len <= cap` frames initialised (`push` writes before it
        // counts); `self` no longer names the buffer, so it is owned once.
        unsafe { Vec::from_raw_parts(ptr, len, cap) }
    }

    /// Frames the buffer holds without growing.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Pushes `frame`.
    #[inline(always)]
    pub fn push(&mut self, frame: Frame) {
        if self.len == self.cap {
            self.grow();
        }
        // SAFETY (I12): `len < cap`, so the slot lies inside the buffer.
        unsafe { self.ptr.add(self.len).write(frame) };
        self.len += 1;
    }

    #[cold]
    fn grow(&mut self) {
        let mut v = self.take_vec();
        v.reserve(v.len().max(16));
        let grown = ManuallyDrop::new(FrameStack::from_vec(v));
        (self.ptr, self.len, self.cap) = (grown.ptr, grown.len, grown.cap);
    }

    /// Removes and answers the newest frame.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<Frame> {
        if self.len == 0 {
            return None;
        }
        let top = self[self.len - 1];
        self.len -= 1;
        Some(top)
    }

    /// Removes every frame.
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

impl Deref for FrameStack {
    type Target = [Frame];

    #[inline(always)]
    fn deref(&self) -> &[Frame] {
        // SAFETY (I12): the first `len` frames of the buffer are initialised, and the
        // buffer lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl DerefMut for FrameStack {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [Frame] {
        // SAFETY (I12): as in `deref`; `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for FrameStack {
    fn drop(&mut self) {
        drop(self.take_vec());
    }
}

impl Default for FrameStack {
    /// An empty stack that has allocated nothing.
    fn default() -> FrameStack {
        FrameStack::from_vec(Vec::new())
    }
}

impl Clone for FrameStack {
    fn clone(&self) -> FrameStack {
        let mut v = Vec::with_capacity(self.cap);
        v.extend_from_slice(self);
        FrameStack::from_vec(v)
    }
}

impl std::fmt::Debug for FrameStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(serial: u64) -> Frame {
        Frame {
            method: std::ptr::null_mut(),
            pc: 0,
            fp: serial as u32,
            serial,
            home: serial,
            flags: 0,
        }
    }

    #[test]
    fn pushes_grow_and_pops_answer_in_reverse() {
        let mut s = FrameStack::with_capacity(2);
        for i in 0..100 {
            s.push(frame(i));
        }
        assert_eq!(s.len(), 100);
        assert!(s.capacity() >= 100);
        assert_eq!(s[37].serial, 37);
        s.last_mut().expect("a frame").pc = 9;
        assert_eq!(s.pop().map(|f| (f.serial, f.pc)), Some((99, 9)));
        while s.len() > 10 {
            s.pop();
        }
        assert_eq!(s.iter().map(|f| f.serial).sum::<u64>(), 45);
        let copy = s.clone();
        s.clear();
        assert!(s.pop().is_none());
        assert_eq!(copy.len(), 10);
    }
}
