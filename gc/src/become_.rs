//! `become:`: one-way ([`Heap::become_forward`]) and two-way ([`Heap::become_swap`]).
//! Every reference in the roots and in every object of every space is rewritten, and
//! old objects that now point to young ones are remembered. Objects keep their contents
//! and identity hashes; only references move.

use crate::error::BecomeError;
use crate::heap::Heap;
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
        both_objects(a, b)?;
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
        both_objects(a, b)?;
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
        self.own.visit_all(roots, &mut |slot: &mut Oop| {
            *slot = Oop::from_bits(map(slot.bits()))
        });
        self.old.seal();
        let mut to_remember = Vec::new();
        let nursery = &self.nursery;
        self.for_each_object(|addr| {
            // SAFETY: `addr` is an object of the heap; no other reference to its slots
            // exists during this pass.
            let slots = unsafe {
                object::slots_mut(addr, 0..object::pointer_slots(addr, object::header(addr)))
            };
            let old = !nursery.contains_ptr(addr as u64);
            let mut young = false;
            for v in slots {
                let nv = map(*v);
                young |= nv != *v && nursery.contains_ptr(nv);
                *v = nv;
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

fn both_objects(a: Oop, b: Oop) -> Result<(), BecomeError> {
    if a.is_ptr() && b.is_ptr() {
        Ok(())
    } else {
        Err(BecomeError::Immediate)
    }
}
