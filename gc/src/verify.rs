//! The heap verifier: checks the whole heap and reports every violation it finds, not
//! just the first.
//!
//! Invariants checked:
//! 1. **Space bounds.** Eden's cursor lies within eden; the survivor top within the active
//!    survivor space; every object ends within its space (no overrun of the cursor, the
//!    survivor top or the segment end).
//! 2. **Headers.** Every object's format code is valid (not 6–8); its class index is
//!    neither free (0) nor forwarded (4) nor beyond the class table (the immediates'
//!    indices 1–3 are allowed for boxed forms); formats that need a prefix word have one, and a prefix word's
//!    fixed-slot count does not exceed the body; an ephemeron has its key slot; an
//!    empty raw-bits body has no unused tail.
//! 3. **Collector flags.** Outside a collection no object is marked or grey.
//! 4. **Generations.** Young objects are never remembered nor pinned and have an age
//!    of at most the tenure age; old objects have age 0.
//! 5. **Pointers.** Every pointer slot, every root (the VM's, nil, the class table,
//!    handles, the finalization registry and queue) holds an immediate with a valid tag,
//!    or the address of the header of an object (not a free chunk, not a forwarder).
//! 6. **Remembered set.** Every old object holding a young pointer has the remembered
//!    flag; the flag is set exactly on the objects listed in the remembered set, each
//!    listed once, and only old objects are listed.
//! 7. **Free lists.** Every chunk on old space's free lists is a free chunk of the listed
//!    size inside a segment, and the listed bytes plus the allocation region add up to
//!    the free-byte count that the statistics and the collection policy use.
//! 8. **Tenure reserve.** Eden's cursor lies below eden's limit, and the nursery holds
//!    no more than the tenure reserve surely takes (see `reserve.rs`), so the next
//!    collection cannot run out of old space half way. Reported as
//!    [`ViolationKind::SpaceBounds`].

use std::collections::HashSet;
use std::fmt;

use crate::format::Format;
use crate::header::{ClassIndex, Header, GREY_BIT, MARKED_BIT, PINNED_BIT, REMEMBERED_BIT};
use crate::heap::Heap;
use crate::object;
use crate::oop::Oop;
use crate::roots::RootSet;

/// Which invariant a violation breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViolationKind {
    /// Invariant 1: a cursor or an object outside its space.
    SpaceBounds,
    /// Invariant 2: a malformed header or prefix word.
    BadHeader,
    /// Invariant 3: a mark or grey flag left over.
    StaleGcFlag,
    /// Invariant 4: generation flags or age out of place.
    BadGeneration,
    /// Invariant 5: a slot or root that is neither a valid immediate nor an object.
    BadPointer,
    /// Invariant 6: an old object holds a young pointer but is not remembered.
    UnrememberedOldToYoung,
    /// Invariant 6: the remembered flag and the remembered set disagree.
    RememberedSetMismatch,
    /// Invariant 7: the free lists disagree with the segments or the accounting.
    FreeLists,
}

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The invariant.
    pub kind: ViolationKind,
    /// The object (or root value) concerned, when there is one.
    pub object: Option<Oop>,
    /// What exactly is wrong.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.object {
            Some(o) => write!(f, "{:?} at {:?}: {}", self.kind, o, self.detail),
            None => write!(f, "{:?}: {}", self.kind, self.detail),
        }
    }
}

struct Report {
    violations: Vec<Violation>,
}

impl Report {
    fn add(&mut self, kind: ViolationKind, object: Option<usize>, detail: String) {
        self.violations.push(Violation {
            kind,
            object: object.map(Oop::from_addr),
            detail,
        });
    }
}

impl Heap {
    /// Checks every invariant listed in the module documentation; returns all
    /// violations found.
    pub fn verify(&mut self, roots: &mut dyn RootSet) -> Result<(), Vec<Violation>> {
        self.old.seal();
        let mut r = Report {
            violations: Vec::new(),
        };
        let objects = self.check_spaces(&mut r);
        let starts: HashSet<usize> = objects.iter().copied().collect();
        let remembered: HashSet<usize> =
            self.remembered.iter().map(|o| o.bits() as usize).collect();
        if remembered.len() != self.remembered.len() {
            r.add(
                ViolationKind::RememberedSetMismatch,
                None,
                "an object is listed twice".into(),
            );
        }
        for &o in &remembered {
            if !starts.contains(&o) {
                r.add(
                    ViolationKind::RememberedSetMismatch,
                    Some(o),
                    "listed but not an object".into(),
                );
            } else if self.nursery.contains_ptr(o as u64) {
                r.add(
                    ViolationKind::RememberedSetMismatch,
                    Some(o),
                    "young object listed".into(),
                );
            }
        }
        for &addr in &objects {
            self.check_object(&mut r, addr, &starts, &remembered);
        }
        let check_root = |r: &mut Report, what: &str, v: Oop| {
            if !v.has_valid_tag() {
                r.add(
                    ViolationKind::BadPointer,
                    None,
                    format!("{what} holds an invalid tag {:#x}", v.bits()),
                );
            } else if v.is_ptr() && !starts.contains(&(v.bits() as usize)) {
                r.add(
                    ViolationKind::BadPointer,
                    None,
                    format!("{what} points to no object: {v:?}"),
                );
            }
        };
        self.check_reserve(&mut r);
        for problem in self.old.check_free_lists() {
            r.add(ViolationKind::FreeLists, None, problem);
        }
        let mut root_values = Vec::new();
        self.own
            .visit_all(roots, &mut |slot: &mut Oop| root_values.push(*slot));
        for v in root_values {
            check_root(&mut r, "a root", v);
        }
        if r.violations.is_empty() {
            Ok(())
        } else {
            Err(r.violations)
        }
    }

    /// With `verify_collections` on, verifies and panics with every violation found,
    /// naming the moment (`"before scavenge"`, ...).
    pub(crate) fn verify_if_configured(&mut self, roots: &mut dyn RootSet, moment: &str) {
        if !self.config.verify_collections {
            return;
        }
        if let Err(violations) = self.verify(roots) {
            let list: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
            panic!(
                "heap verification failed {moment} ({} violations):\n{}",
                violations.len(),
                list.join("\n")
            );
        }
    }

    /// Invariant 8.
    fn check_reserve(&self, r: &mut Report) {
        if self.ptrs.cursor > self.eden_limit || self.eden_limit > self.nursery.eden_end {
            r.add(
                ViolationKind::SpaceBounds,
                None,
                format!(
                    "eden cursor {:#x}, limit {:#x}, end {:#x} out of order",
                    self.ptrs.cursor, self.eden_limit, self.nursery.eden_end
                ),
            );
        }
        let (w, c) = (self.nursery_occupied(), self.reserve_capacity());
        if w > c {
            r.add(
                ViolationKind::SpaceBounds,
                None,
                format!("the nursery holds {w} bytes, the tenure reserve takes only {c}"),
            );
        }
    }

    /// Walks every space checking bounds and headers; returns the objects' addresses.
    fn check_spaces(&self, r: &mut Report) -> Vec<usize> {
        let mut objects = Vec::new();
        let n = &self.nursery;
        let (s0, top) = n.active_survivor();
        let s_end = n.survivors[n.active].1;
        if !(n.eden_start..=n.eden_end).contains(&self.ptrs.cursor) {
            r.add(
                ViolationKind::SpaceBounds,
                None,
                format!("eden cursor {:#x} outside eden", self.ptrs.cursor),
            );
            return objects;
        }
        if !(s0..=s_end).contains(&top) {
            r.add(
                ViolationKind::SpaceBounds,
                None,
                format!("survivor top {top:#x} outside its space"),
            );
            return objects;
        }
        let mut walk = |r: &mut Report, from: usize, to: usize, young: bool, free_ok: bool| {
            let mut p = from;
            while p < to {
                // SAFETY: `p` lies inside the space; the walk stops at the first header
                // that would lead out of it.
                let addr = unsafe { object::header_addr_from_start(p) };
                if addr >= to {
                    r.add(
                        ViolationKind::SpaceBounds,
                        Some(p),
                        "prefix word at the end of a space".into(),
                    );
                    return;
                }
                // SAFETY: as above.
                let h = unsafe { object::header(addr) };
                // SAFETY: as above; a prefix precedes `addr` when the header says so,
                // and `header_addr_from_start` found one.
                let end = unsafe { object::end_of(addr, h) };
                if object::start_of(addr, h) != p || end > to || end <= p {
                    r.add(
                        ViolationKind::SpaceBounds,
                        Some(addr),
                        format!("object overruns its space (ends at {end:#x}, limit {to:#x})"),
                    );
                    return;
                }
                if h.class() == ClassIndex::FREE && free_ok {
                    p = end;
                    continue;
                }
                self.check_header(r, addr, h, young);
                objects.push(addr);
                p = end;
            }
        };
        walk(r, n.eden_start, self.ptrs.cursor, true, false);
        walk(r, s0, top, true, false);
        for seg in &self.old.segments {
            walk(r, seg.start, seg.end, false, true);
        }
        for seg in &self.old.large {
            // SAFETY: a large segment starts with its object's first word.
            let addr = unsafe { object::header_addr_from_start(seg.start) };
            // SAFETY: as above.
            let h = unsafe { object::header(addr) };
            // SAFETY: as above.
            if unsafe { object::end_of(addr, h) } > seg.end {
                r.add(
                    ViolationKind::SpaceBounds,
                    Some(addr),
                    "large object overruns its segment".into(),
                );
                continue;
            }
            self.check_header(r, addr, h, false);
            objects.push(addr);
        }
        objects
    }

    fn check_header(&self, r: &mut Report, addr: usize, h: Header, young: bool) {
        let class = h.class();
        // The immediates' indices (1–3) are allowed: a VM may give boxed forms (large
        // integers, boxed doubles) the class of the immediate they extend.
        if class == ClassIndex::FREE
            || class == ClassIndex::FORWARDED
            || class.index() >= self.own.class_table.len()
        {
            r.add(
                ViolationKind::BadHeader,
                Some(addr),
                format!("class index {} is reserved or unregistered", class.0),
            );
        }
        let Some(format) = Format::from_code(h.code()) else {
            r.add(
                ViolationKind::BadHeader,
                Some(addr),
                format!("reserved format code {}", h.code()),
            );
            return;
        };
        // SAFETY: `addr` is an object whose extent was checked against its space.
        let (body, fixed) = unsafe { (object::body_words(addr, h), object::prefix_fixed(addr, h)) };
        if format.needs_prefix() && !object::has_prefix(h) {
            r.add(
                ViolationKind::BadHeader,
                Some(addr),
                format!("{format:?} without a prefix word"),
            );
        }
        if fixed > body {
            r.add(
                ViolationKind::BadHeader,
                Some(addr),
                format!("{fixed} fixed slots in a body of {body} words"),
            );
        }
        if format == Format::Ephemeron && body == 0 {
            r.add(
                ViolationKind::BadHeader,
                Some(addr),
                "ephemeron without a key slot".into(),
            );
        }
        if format.is_bits() && body == 0 && Format::unused_from_code(h.code()) != 0 {
            r.add(
                ViolationKind::BadHeader,
                Some(addr),
                "unused tail in an empty body".into(),
            );
        }
        if h.has(MARKED_BIT) || h.has(GREY_BIT) {
            r.add(
                ViolationKind::StaleGcFlag,
                Some(addr),
                "marked or grey outside a collection".into(),
            );
        }
        if young {
            if h.has(REMEMBERED_BIT) || h.has(PINNED_BIT) {
                r.add(
                    ViolationKind::BadGeneration,
                    Some(addr),
                    "young object remembered or pinned".into(),
                );
            }
            if h.age() > self.config.tenure_age {
                r.add(
                    ViolationKind::BadGeneration,
                    Some(addr),
                    format!("young object of age {}", h.age()),
                );
            }
        } else if h.age() != 0 {
            r.add(
                ViolationKind::BadGeneration,
                Some(addr),
                format!("old object of age {}", h.age()),
            );
        }
    }

    fn check_object(
        &self,
        r: &mut Report,
        addr: usize,
        starts: &HashSet<usize>,
        remembered: &HashSet<usize>,
    ) {
        // SAFETY: `addr` is an object checked by `check_spaces`.
        let h = unsafe { object::header(addr) };
        if Format::from_code(h.code()).is_none() {
            return;
        }
        // SAFETY: as above; the verifier only reads.
        let slots = unsafe { object::slots(addr, 0..object::pointer_slots(addr, h)) };
        let old = !self.nursery.contains_ptr(addr as u64);
        let mut holds_young = false;
        for (i, &v) in slots.iter().enumerate() {
            let v = Oop::from_bits(v);
            if !v.has_valid_tag() {
                r.add(
                    ViolationKind::BadPointer,
                    Some(addr),
                    format!("slot {i} has an invalid tag: {:#x}", v.bits()),
                );
            } else if v.is_ptr() {
                if !starts.contains(&(v.bits() as usize)) {
                    r.add(
                        ViolationKind::BadPointer,
                        Some(addr),
                        format!("slot {i} points to no object: {v:?}"),
                    );
                }
                holds_young |= self.nursery.contains_ptr(v.bits());
            }
        }
        let flagged = h.has(REMEMBERED_BIT);
        if old && holds_young && !flagged {
            r.add(
                ViolationKind::UnrememberedOldToYoung,
                Some(addr),
                "old object holds a young pointer but is not remembered".into(),
            );
        }
        if flagged != remembered.contains(&addr) {
            r.add(
                ViolationKind::RememberedSetMismatch,
                Some(addr),
                format!("remembered flag {flagged} disagrees with the remembered set"),
            );
        }
    }
}
