//! Roots: the [`RootSet`] trait the VM implements, handle scopes for Oops held by Rust
//! code ([`Handles`]), and the roots the heap keeps itself (`HeapRoots`).

use crate::oop::Oop;

/// Everything outside the heap that holds Oops: the VM's process stacks, special objects,
/// symbol table, code-cache literals. Passed to every heap call that may collect.
///
/// The heap itself adds its own roots (nil, the class table, handles, the finalization
/// queue), so a `RootSet` reports only the VM's.
pub trait RootSet {
    /// Calls `visitor` once per root slot. The visitor may overwrite the slot (the object
    /// moved). Immediates may be passed; the visitor leaves them unchanged.
    fn visit_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop));

    /// What a scavenge visits: at least every root slot that may name a young object
    /// (the default is all of [`RootSet::visit_roots`]). `still_young` tells, for a slot
    /// the visitor has just updated, whether it names a young object still, so a VM can
    /// stop visiting tables that now hold only old objects. Full collections,
    /// compaction, `become:` and the verifier always use `visit_roots`.
    fn visit_young_roots(
        &mut self,
        visitor: &mut dyn FnMut(&mut Oop),
        _still_young: &dyn Fn(Oop) -> bool,
    ) {
        self.visit_roots(visitor);
    }

    /// Calls `visitor` once per *weak* root slot: an Oop the VM holds without keeping
    /// its object alive (the symbol table's entries). The visitor answers whether the
    /// object is alive. When it is, the slot holds its current address (the visitor
    /// updated it); when it is not, the slot is left as it was and the VM must forget
    /// it right there: never read it, report it or let it be visited again.
    ///
    /// Scavenges call it after tracing (young referents that were not reached are
    /// dead), full collections after marking, and passes that rewrite or check every
    /// reference (compaction, `become:`, the verifier) with a visitor that always
    /// answers true. Weak roots may hold immediates; the visitor answers true for them.
    fn visit_weak_roots(&mut self, _visitor: &mut dyn FnMut(&mut Oop) -> bool) {}

    /// Bytes the VM holds outside the heap that grow with the program's data (symbol
    /// tables, the process stack...). They count against the maximum heap size: the
    /// heap reads this at every slow-path allocation and after every collection.
    fn external_bytes(&self) -> usize {
        0
    }
}

/// A root set with no roots (bootstrap code, tests).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRoots;

impl RootSet for NoRoots {
    fn visit_roots(&mut self, _visitor: &mut dyn FnMut(&mut Oop)) {}
}

impl RootSet for Vec<Oop> {
    fn visit_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.iter_mut().for_each(visitor)
    }
}

impl RootSet for [Oop] {
    fn visit_roots(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.iter_mut().for_each(visitor)
    }
}

/// One Oop held by Rust code, kept up to date by the collector. Read it back with
/// [`Handles::get`] after anything that may collect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle(u32);

/// A position in the handle stack; [`Handles::release`] drops every handle pushed after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a handle mark must be released"]
pub struct HandleMark(u32);

/// A stack of rooted Oops, owned by the heap and visited as roots.
///
/// ```
/// # use cairn_gc::{Heap, HeapConfig, Oop};
/// let mut heap = Heap::new(HeapConfig::without_env()).unwrap();
/// let mark = heap.handle_mark();
/// let h = heap.handles_mut().push(Oop::small_int(3));
/// assert_eq!(heap.handles().get(h), Oop::small_int(3));
/// heap.handle_release(mark);
/// ```
#[derive(Debug, Default)]
pub struct Handles {
    slots: Vec<Oop>,
}

impl Handles {
    /// Roots `oop` and returns its handle.
    pub fn push(&mut self, oop: Oop) -> Handle {
        self.slots.push(oop);
        Handle((self.slots.len() - 1) as u32)
    }

    /// The current value of a handle.
    ///
    /// # Panics
    /// If the handle was released (a bug in the caller's scope discipline).
    pub fn get(&self, h: Handle) -> Oop {
        self.slots[h.0 as usize]
    }

    /// Overwrites a handle.
    ///
    /// # Panics
    /// If the handle was released.
    pub fn set(&mut self, h: Handle, oop: Oop) {
        self.slots[h.0 as usize] = oop;
    }

    /// Marks the current depth.
    pub fn mark(&self) -> HandleMark {
        HandleMark(self.slots.len() as u32)
    }

    /// Drops every handle pushed since `mark`.
    pub fn release(&mut self, mark: HandleMark) {
        debug_assert!(
            mark.0 as usize <= self.slots.len(),
            "handle mark released twice"
        );
        self.slots.truncate(mark.0 as usize);
    }

    /// Number of live handles.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when no handle is live.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub(crate) fn slots_mut(&mut self) -> &mut [Oop] {
        &mut self.slots
    }
}

/// The roots the heap owns: nil, the class table, the handle stack, and the two
/// finalization lists.
pub(crate) struct HeapRoots {
    pub(crate) nil: Oop,
    pub(crate) class_table: Vec<Oop>,
    pub(crate) handles: Handles,
    /// Registered objects found unreachable, kept alive until the VM takes them (strong).
    pub(crate) finalized: Vec<Oop>,
    /// Objects registered for finalization (weak: not visited by `visit_strong`).
    pub(crate) finalizable: Vec<Oop>,
}

impl HeapRoots {
    /// Visits the VM's roots, then nil, the class table, the handles and the
    /// finalization queue. `f` receives immediates too and must leave them alone.
    pub(crate) fn visit_strong(&mut self, roots: &mut dyn RootSet, f: &mut dyn FnMut(&mut Oop)) {
        roots.visit_roots(f);
        self.visit_own_strong(f);
    }

    /// [`HeapRoots::visit_strong`] for a scavenge: the VM's roots through
    /// [`RootSet::visit_young_roots`].
    pub(crate) fn visit_strong_young(
        &mut self,
        roots: &mut dyn RootSet,
        f: &mut dyn FnMut(&mut Oop),
        still_young: &dyn Fn(Oop) -> bool,
    ) {
        roots.visit_young_roots(f, still_young);
        self.visit_own_strong(f);
    }

    fn visit_own_strong(&mut self, f: &mut dyn FnMut(&mut Oop)) {
        f(&mut self.nil);
        self.class_table.iter_mut().for_each(&mut *f);
        self.handles.slots_mut().iter_mut().for_each(&mut *f);
        self.finalized.iter_mut().for_each(&mut *f);
    }

    /// [`HeapRoots::visit_strong`] plus the finalization registry and the VM's weak
    /// roots: for passes that
    /// rewrite every reference (compaction, `become:`) or check every one (verifier).
    pub(crate) fn visit_all(&mut self, roots: &mut dyn RootSet, f: &mut dyn FnMut(&mut Oop)) {
        self.visit_strong(roots, f);
        self.finalizable.iter_mut().for_each(&mut *f);
        roots.visit_weak_roots(&mut |slot: &mut Oop| {
            f(slot);
            true
        });
    }
}
