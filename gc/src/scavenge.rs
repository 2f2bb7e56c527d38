//! The scavenger: Cheney copying of the nursery into the empty survivor space (or into
//! old space once an object is old enough), from the roots and the remembered set.
//!
//! Order of work in one scavenge:
//! 1. every root and every remembered old object is scanned; young referents are copied
//!    (a forwarded object's header gets class [`ClassIndex::FORWARDED`] and its body
//!    word 0 the new address);
//! 2. the copies are scanned in turn (Cheney's scan pointer over the survivor space, a
//!    stack for tenured copies) until nothing is left;
//! 3. ephemerons whose young key has not been reached are held back and retried until no
//!    more keys turn up;
//! 4. young objects registered for finalization that were not reached are copied
//!    anyway and queued, and steps 2–3 run again;
//! 5. ephemerons whose key is still unreached get all slots set to nil, weak slots
//!    whose young referent was not reached are set to nil, and the VM drops its weak
//!    roots to such objects ([`RootSet::visit_weak_roots`]);
//! 6. the remembered set is rebuilt from the old objects that still hold young pointers.

use std::time::Instant;

use crate::format::Format;
use crate::header::{ClassIndex, GREY_BIT, MARKED_BIT, MAX_AGE, REMEMBERED_BIT};
use crate::heap::Heap;
use crate::object;
use crate::old_space::OldSpace;
use crate::oop::Oop;
use crate::roots::{HeapRoots, RootSet};
use crate::stats::{CollectionKind, CollectionStats};
use crate::weak;

/// Format code of weak objects.
const CODE_WEAK: u8 = Format::Weak.code(0);
/// Format code of ephemerons.
const CODE_EPHEMERON: u8 = Format::Ephemeron.code(0);

struct Scavenger<'a> {
    young_start: usize,
    young_size: usize,
    to_start: usize,
    to_top: usize,
    to_end: usize,
    tenure_age: u8,
    tenure_all: bool,
    old: &'a mut OldSpace,
    nil: u64,
    /// Tenured copies not scanned yet.
    promoted: Vec<usize>,
    /// Weak objects whose weak slots must be fixed at the end.
    weak: Vec<usize>,
    /// Ephemerons whose young key has not been reached yet.
    ephemerons: Vec<usize>,
    /// Old weak objects and ephemerons whose "holds young pointers" is decided at the end.
    recheck: Vec<usize>,
    /// References cleared by [`Scavenger::clear_dead`].
    weak_cleared: usize,
    /// The new remembered set.
    remembered: Vec<Oop>,
    copied: usize,
    tenured: usize,
}

impl Scavenger<'_> {
    #[inline(always)]
    fn is_young(&self, bits: u64) -> bool {
        bits & 7 == 0 && (bits as usize).wrapping_sub(self.young_start) < self.young_size
    }

    #[inline(always)]
    fn in_to_space(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.to_start) < self.to_end - self.to_start
    }

    /// True when a young object has already been copied (or is a copy).
    #[inline(always)]
    fn reached(&self, bits: u64) -> bool {
        let addr = bits as usize;
        // SAFETY: `bits` is a young pointer: a nursery object with a readable header.
        self.in_to_space(addr) || unsafe { object::header(addr) }.class() == ClassIndex::FORWARDED
    }

    /// The new location of a young object, copying it on first sight; anything else is
    /// returned unchanged.
    #[inline(always)]
    fn forward(&mut self, bits: u64) -> u64 {
        if !self.is_young(bits) {
            return bits;
        }
        let addr = bits as usize;
        if self.in_to_space(addr) {
            return bits;
        }
        // SAFETY: a from-space object in eden or the old survivor space.
        let h = unsafe { object::header(addr) };
        if h.class() == ClassIndex::FORWARDED {
            // SAFETY: a forwarder's body word 0 holds the new address.
            return unsafe { object::read_slot(addr, 0) };
        }
        self.copy(addr, h) as u64
    }

    #[inline(always)]
    fn copy(&mut self, addr: usize, h: crate::header::Header) -> usize {
        let start = object::start_of(addr, h);
        // SAFETY: `addr` is a from-space object.
        let size = unsafe { object::object_total_bytes(addr, h) };
        let survive =
            !self.tenure_all && h.age() < self.tenure_age && self.to_top + size <= self.to_end;
        let dest = if survive {
            let d = self.to_top;
            self.to_top += size;
            self.copied += size;
            d
        } else {
            self.tenured += size;
            match self.old.alloc_tenure(size) {
                Some(d) => d,
                None => self.reserve_exhausted(size),
            }
        };
        let new_addr = dest + (addr - start);
        let age = if survive {
            (h.age() + 1).min(MAX_AGE)
        } else {
            0
        };
        // SAFETY: source and destination are distinct heap ranges of `size` bytes; the
        // destination was just claimed. The forwarder overwrites the source's header and
        // its first body word, which every object has.
        unsafe {
            std::ptr::copy_nonoverlapping(start as *const u8, dest as *mut u8, size);
            object::set_header(
                new_addr,
                h.with_age(age)
                    .clear(REMEMBERED_BIT | MARKED_BIT | GREY_BIT),
            );
            object::set_header(addr, h.with_class(ClassIndex::FORWARDED));
            object::write_slot(addr, 0, new_addr as u64);
        }
        if !survive {
            self.promoted.push(new_addr);
        }
        new_addr
    }

    /// Where a tenured copy goes when the tenure reserve is used up. Unreachable while
    /// the reserve invariant holds (`reserve.rs`: a scavenge starts only when the reserve
    /// takes every nursery byte it may tenure); debug builds stop here. Release builds
    /// map a segment past the maximum heap size instead, and stop only if the operating
    /// system refuses that too: a half-done scavenge cannot be undone.
    #[cold]
    #[inline(never)]
    fn reserve_exhausted(&mut self, size: usize) -> usize {
        debug_assert!(
            false,
            "tenure reserve exhausted: the reserve invariant is broken"
        );
        match self.old.alloc(size, true) {
            Some(d) => d,
            None => panic!("tenure reserve invariant broken and no memory to recover"),
        }
    }

    /// Forwards slot `i` of `addr`; true when the slot still holds a young pointer.
    #[inline(always)]
    fn scan_slot(&mut self, addr: usize, i: usize) -> bool {
        // SAFETY: callers pass pointer-slot indices of a live object.
        let v = unsafe { object::read_slot(addr, i) };
        if !self.is_young(v) {
            return false;
        }
        let nv = self.forward(v);
        // SAFETY: as above.
        unsafe { object::write_slot(addr, i, nv) };
        self.is_young(nv)
    }

    /// Scans the strong slots of an object; true when it still holds young pointers.
    /// Weak objects and held-back ephemerons answer false and, when old, are rechecked
    /// at the end.
    #[inline]
    fn scan_object(&mut self, addr: usize) -> bool {
        // SAFETY: `addr` is a live object (a copy, a remembered object or a root's).
        let h = unsafe { object::header(addr) };
        // Dispatch on the raw format code: plain pointer objects and compiled code (the
        // common case) go straight to the slot loop.
        let code = h.code();
        let special = code == CODE_WEAK || code == CODE_EPHEMERON;
        let strong = if !special {
            // SAFETY: as above.
            unsafe { object::pointer_slots(addr, h) }
        } else if code == CODE_WEAK {
            self.weak.push(addr);
            // SAFETY: as above.
            unsafe { object::prefix_fixed(addr, h) }
        } else {
            // SAFETY: ephemerons have at least the key slot.
            let key = unsafe { object::read_slot(addr, 0) };
            if self.is_young(key) && !self.reached(key) {
                self.ephemerons.push(addr);
                0
            } else {
                // SAFETY: as above.
                unsafe { object::body_words(addr, h) }
            }
        };
        let mut young = false;
        for i in 0..strong {
            young |= self.scan_slot(addr, i);
        }
        if special && !self.is_young(addr as u64) {
            self.recheck.push(addr);
            return false;
        }
        young
    }

    fn remember(&mut self, addr: usize) {
        // SAFETY: `addr` is a live old object.
        unsafe {
            let h = object::header(addr);
            if !h.has(REMEMBERED_BIT) {
                object::set_header(addr, h.set(REMEMBERED_BIT));
                self.remembered.push(Oop::from_addr(addr));
            }
        }
    }

    /// Scans copies until none is left.
    fn drain(&mut self, scan: &mut usize) {
        loop {
            if *scan < self.to_top {
                // SAFETY: the survivor space holds whole copies back to back; the extent
                // is read before scanning, which never changes it.
                let addr = unsafe { object::header_addr_from_start(*scan) };
                // SAFETY: as above.
                *scan = unsafe {
                    let h = object::header(addr);
                    object::start_of(addr, h) + object::object_total_bytes(addr, h)
                };
                self.scan_object(addr);
            } else if let Some(p) = self.promoted.pop() {
                if self.scan_object(p) {
                    self.remember(p);
                }
            } else {
                return;
            }
        }
    }

    /// Retries held-back ephemerons until no more keys turn up.
    fn settle_ephemerons(&mut self, scan: &mut usize) {
        loop {
            self.drain(scan);
            let pending = std::mem::take(&mut self.ephemerons);
            let mut progress = false;
            for e in pending {
                // SAFETY: `e` is a live ephemeron; slot 0 is its key.
                let key = unsafe { object::read_slot(e, 0) };
                if !self.is_young(key) || self.reached(key) {
                    progress = true;
                    if self.scan_object(e) && !self.is_young(e as u64) {
                        self.remember(e);
                    }
                } else {
                    self.ephemerons.push(e);
                }
            }
            if !progress {
                return;
            }
        }
    }

    /// Nils weak slots and ephemeron slots whose young referent died.
    fn clear_dead(&mut self) {
        let (dead_key, weak) = (
            std::mem::take(&mut self.ephemerons),
            std::mem::take(&mut self.weak),
        );
        let nil = self.nil;
        // SAFETY: both lists hold live objects found by this scavenge.
        self.weak_cleared = unsafe {
            weak::clear_dead_referents(&dead_key, &weak, nil, |v| {
                if !self.is_young(v) {
                    v
                } else if self.reached(v) {
                    self.forward(v)
                } else {
                    nil
                }
            })
        };
        for addr in std::mem::take(&mut self.recheck) {
            // SAFETY: `addr` is a live old object.
            let n = unsafe { object::pointer_slots(addr, object::header(addr)) };
            // SAFETY: as above.
            if (0..n).any(|i| self.is_young(unsafe { object::read_slot(addr, i) })) {
                self.remember(addr);
            }
        }
    }
}

impl Heap {
    /// Collects the nursery. When the tenure reserve cannot take what this scavenge may
    /// tenure (the heap is near its maximum size), runs a full collection instead, which
    /// needs less (see `reserve.rs`).
    pub fn scavenge(&mut self, roots: &mut dyn RootSet) {
        if !self.scavenge_is_safe() {
            self.full_collect(roots, false);
            return;
        }
        self.verify_if_configured(roots, "before a scavenge");
        let stats = self.scavenge_inner(roots, false);
        self.stats.record(stats);
        self.refill_reserve();
        self.verify_if_configured(roots, "after a scavenge");
    }

    /// One scavenge; with `tenure_all` every survivor goes to old space and the nursery
    /// ends up empty (the first step of a full collection).
    pub(crate) fn scavenge_inner(
        &mut self,
        roots: &mut dyn RootSet,
        tenure_all: bool,
    ) -> CollectionStats {
        debug_assert!(
            self.nursery_occupied() <= self.reserve_capacity(),
            "a scavenge started without the tenure reserve it needs"
        );
        let t0 = Instant::now();
        let before = self.occupancy();
        let to = self.nursery.survivors[1 - self.nursery.active];
        let tenure_age = self.config.tenure_age;
        let Heap {
            nursery,
            old,
            own,
            remembered,
            ..
        } = self;
        let mut sc = Scavenger {
            young_start: nursery.start,
            young_size: nursery.size,
            to_start: to.0,
            to_top: to.0,
            to_end: to.1,
            tenure_age,
            tenure_all,
            old,
            nil: 0,
            promoted: Vec::new(),
            weak: Vec::new(),
            ephemerons: Vec::new(),
            recheck: Vec::new(),
            weak_cleared: 0,
            remembered: Vec::with_capacity(remembered.len()),
            copied: 0,
            tenured: 0,
        };
        let mut scan = to.0;
        let (young_start, young_size) = (sc.young_start, sc.young_size);
        let still_young = move |o: Oop| {
            o.bits() & 7 == 0 && (o.bits() as usize).wrapping_sub(young_start) < young_size
        };
        own.visit_strong_young(
            roots,
            &mut |slot: &mut Oop| {
                *slot = Oop::from_bits(sc.forward(slot.bits()));
            },
            &still_young,
        );
        let HeapRoots {
            nil,
            finalized,
            finalizable,
            ..
        } = own;
        sc.nil = nil.bits();
        for r in remembered.drain(..) {
            // SAFETY: remembered objects are live old objects.
            unsafe { object::set_header(r.addr(), object::header(r.addr()).clear(REMEMBERED_BIT)) };
            if sc.scan_object(r.addr()) {
                sc.remember(r.addr());
            }
        }
        sc.settle_ephemerons(&mut scan);
        // Unreached objects registered for finalization are kept for the VM.
        let mut resurrected = 0;
        finalizable.retain_mut(|f| {
            if !sc.is_young(f.bits()) {
                return true;
            }
            let reached = sc.reached(f.bits());
            *f = Oop::from_bits(sc.forward(f.bits()));
            if !reached {
                finalized.push(*f);
                resurrected += 1;
            }
            reached
        });
        sc.settle_ephemerons(&mut scan);
        sc.clear_dead();
        // Weak roots (the VM's symbol table): a young object not reached is dead.
        roots.visit_weak_roots(&mut |slot: &mut Oop| {
            if !sc.is_young(slot.bits()) {
                return true;
            }
            let alive = sc.reached(slot.bits());
            if alive {
                *slot = Oop::from_bits(sc.forward(slot.bits()));
            }
            alive
        });
        let (copied, tenured, to_top, weak_cleared) =
            (sc.copied, sc.tenured, sc.to_top, sc.weak_cleared);
        *remembered = std::mem::take(&mut sc.remembered);
        drop(sc);

        if cfg!(debug_assertions) {
            // Poison from-space so that a missed root reads garbage in tests, not stale data.
            let (s0, top) = self.nursery.active_survivor();
            // SAFETY: eden up to the cursor and the old survivor space hold no live object now.
            unsafe {
                std::ptr::write_bytes(
                    self.nursery.eden_start as *mut u8,
                    0xA5,
                    self.ptrs.cursor - self.nursery.eden_start,
                );
                std::ptr::write_bytes(s0 as *mut u8, 0xA5, top - s0);
            }
        }
        self.nursery.active = 1 - self.nursery.active;
        self.nursery.survivor_top = to_top;
        self.ptrs.cursor = self.nursery.eden_start;
        self.set_eden_limit();
        CollectionStats {
            kind: CollectionKind::Scavenge,
            pause: t0.elapsed(),
            bytes_copied: copied,
            bytes_tenured: tenured,
            bytes_freed: (before.eden_used + before.survivor_used).saturating_sub(copied + tenured),
            remembered_set_size: self.remembered.len(),
            live_bytes: 0,
            finalized: resurrected,
            weak_cleared,
            occupancy: self.occupancy(),
        }
    }
}
