//! `become:`: one-way ([`Heap::become_forward`]) and two-way ([`Heap::become_swap`]).
//! Every reference in the roots and in every object of every space is rewritten, and
//! old objects that now point to young ones are remembered. Objects keep their contents
//! and identity hashes; only references move.

use crate::error::BecomeError;
use crate::heap::{visit_all_roots, Heap};
use crate::object;
use crate::oop::Oop;
use crate::roots::RootSet;

impl Heap {
    /// Every reference to `a` becomes a reference to `b`; `b` keeps its own identity
    /// hash, and `a` is garbage afterwards.
    pub fn become_forward(
        &mut self,
        a: Oop,
        b: Oop,
        roots: &mut dyn RootSet,
    ) -> Result<(), BecomeError> {
        if !a.is_ptr() || !b.is_ptr() {
            return Err(BecomeError::Immediate);
        }
        if a != b {
            self.replace_references(roots, &|v| if v == a.bits() { b.bits() } else { v });
        }
        Ok(())
    }

    /// References to `a` and references to `b` are exchanged.
    pub fn become_swap(
        &mut self,
        a: Oop,
        b: Oop,
        roots: &mut dyn RootSet,
    ) -> Result<(), BecomeError> {
        if !a.is_ptr() || !b.is_ptr() {
            return Err(BecomeError::Immediate);
        }
        if a != b {
            let (a, b) = (a.bits(), b.bits());
            self.replace_references(roots, &|v| {
                if v == a {
                    b
                } else if v == b {
                    a
                } else {
                    v
                }
            });
        }
        Ok(())
    }

    fn replace_references(&mut self, roots: &mut dyn RootSet, map: &dyn Fn(u64) -> u64) {
        {
            let Heap {
                nil,
                class_table,
                handles,
                finalized,
                finalizable,
                ..
            } = self;
            visit_all_roots(
                roots,
                nil,
                class_table,
                handles,
                finalized,
                &mut |slot: &mut Oop| *slot = Oop::from_bits(map(slot.bits())),
            );
            for f in finalizable.iter_mut() {
                *f = Oop::from_bits(map(f.bits()));
            }
        }
        self.old.seal();
        let mut to_remember = Vec::new();
        let nursery = &self.nursery;
        self.for_each_object(|addr| {
            // SAFETY: `addr` is an object of the heap.
            let n = unsafe { object::pointer_slots(addr, object::header(addr)) };
            let old = !nursery.contains_ptr(addr as u64);
            let mut young = false;
            for i in 0..n {
                // SAFETY: `i` is one of its pointer slots.
                let v = unsafe { object::read_slot(addr, i) };
                let nv = map(v);
                if nv != v {
                    // SAFETY: as above.
                    unsafe { object::write_slot(addr, i, nv) };
                    young |= nursery.contains_ptr(nv);
                }
            }
            if old && young {
                to_remember.push(Oop::from_addr(addr));
            }
        });
        for o in to_remember {
            self.remember(o);
        }
    }
}
