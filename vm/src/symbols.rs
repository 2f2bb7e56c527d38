//! The symbol table: symbol ids, their names and Symbol objects, and the rule that lets
//! symbols nobody references be collected.
//!
//! A symbol id names one interned text while it is in use. Ids are of two kinds:
//!
//! * **pinned**: interned by the VM itself (selectors of methods and send sites,
//!   global names compiled into methods, literal symbols, names of bound globals,
//!   selectors the VM sends). Rust-side tables hold these ids (method dictionaries,
//!   send sites, global slots), so they live as long as the VM; their Symbol object,
//!   once made, is a strong root.
//! * **weak**: made by `asSymbol` (and any other interning of a text at run time). Its
//!   Symbol object is made first and the table only holds it weakly
//!   ([`cairn_gc::RootSet::visit_weak_roots`]): when a collection finds the object
//!   unreachable, the id is freed (name, map entry) and put on a free list for reuse.
//!   Pinning a weak id (binding a global to it) makes it strong for good.
//!
//! Identity: while a Symbol is alive, interning its text answers the same id and the
//! same object. After it was collected, interning the text again makes a new object
//! (nobody can tell: nothing referenced the old one). An id freed and reused names a
//! new text; every place that keeps an id beyond the current operation keeps a pinned
//! one, so no stale id survives (lookup caches hold only selectors of methods, which
//! are pinned).
//!
//! The table's Rust-side memory is reported by [`SymbolTable::external_bytes`] and
//! counted against the heap's maximum size; with ids reused it stays proportional to
//! the live symbols.

use rustc_hash::FxHashMap;

use cairn_gc::Oop;

/// Malloc cost of a heap block holding `n` bytes: glibc's 8-byte header, 16-byte
/// rounding and 32-byte minimum.
fn block_bytes(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        ((n + 8).div_ceil(16) * 16).max(32)
    }
}

/// Interned names by id, ids by name, Symbol objects by id, and the free list.
#[derive(Default)]
pub struct SymbolTable {
    /// Names by id (empty for a free id).
    names: Vec<Box<str>>,
    /// Ids by name.
    ids: FxHashMap<Box<str>, u32>,
    /// Symbol objects by id (SmallInteger 0 until made, and for free ids).
    oops: Vec<Oop>,
    /// Whether an id is pinned (strong) or weak.
    pinned: Vec<bool>,
    /// Free ids, reused before the table grows.
    free: Vec<u32>,
    /// Malloc bytes of the name copies (two per id: `names` and the map's key).
    name_bytes: usize,
}

impl SymbolTable {
    /// The id of `name`, if it is interned.
    #[inline]
    pub fn lookup(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// Interns `name` as a pinned id (an existing weak id becomes pinned).
    pub fn intern_pinned(&mut self, name: &str) -> u32 {
        match self.lookup(name) {
            Some(id) => {
                self.pinned[id as usize] = true;
                id
            }
            None => self.add(name, Oop::small_int(0), true),
        }
    }

    /// Adds `name`, not interned yet, as a weak id whose Symbol object is `symbol`.
    pub fn insert_weak(&mut self, name: &str, symbol: Oop) -> u32 {
        debug_assert!(self.lookup(name).is_none(), "{name} is already interned");
        self.add(name, symbol, false)
    }

    fn add(&mut self, name: &str, symbol: Oop, pinned: bool) -> u32 {
        self.name_bytes += 2 * block_bytes(name.len());
        let id = match self.free.pop() {
            Some(id) => {
                let i = id as usize;
                self.names[i] = name.into();
                self.oops[i] = symbol;
                self.pinned[i] = pinned;
                id
            }
            None => {
                self.names.push(name.into());
                self.oops.push(symbol);
                self.pinned.push(pinned);
                (self.names.len() - 1) as u32
            }
        };
        self.ids.insert(name.into(), id);
        id
    }

    /// Makes `id` strong for good (a global is bound to it).
    pub fn pin(&mut self, id: u32) {
        self.pinned[id as usize] = true;
    }

    /// True when `id` is pinned.
    pub fn is_pinned(&self, id: u32) -> bool {
        self.pinned.get(id as usize).copied().unwrap_or(false)
    }

    /// The name of `id` (empty for a free id).
    #[inline]
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// The Symbol object of `id` (SmallInteger 0 when not made yet).
    #[inline]
    pub fn oop(&self, id: u32) -> Oop {
        self.oops[id as usize]
    }

    /// Records the Symbol object made for pinned `id`.
    pub fn set_oop(&mut self, id: u32, symbol: Oop) {
        debug_assert!(
            self.pinned[id as usize],
            "weak ids get their object when made"
        );
        self.oops[id as usize] = symbol;
    }

    /// One past the largest id ever handed out (the size of tables indexed by id).
    pub fn id_limit(&self) -> usize {
        self.names.len()
    }

    /// Number of interned symbols.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The interned ids, in the map's (deterministic) order.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.ids.values().copied()
    }

    /// Visits the Symbol objects of pinned ids (strong roots).
    pub fn visit_strong(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        for (oop, &pinned) in self.oops.iter_mut().zip(&self.pinned) {
            if pinned {
                visitor(oop);
            }
        }
    }

    /// Visits the Symbol objects of weak ids; frees each id whose object died.
    pub fn visit_weak(&mut self, visitor: &mut dyn FnMut(&mut Oop) -> bool) {
        for i in 0..self.oops.len() {
            if self.pinned[i] || !self.oops[i].is_ptr() {
                continue;
            }
            if !visitor(&mut self.oops[i]) {
                self.free(i as u32);
            }
        }
    }

    /// Forgets weak `id`: its name, its map entry, its object; the id is reused.
    fn free(&mut self, id: u32) {
        let i = id as usize;
        let name = std::mem::take(&mut self.names[i]);
        self.ids.remove(&name);
        self.name_bytes -= 2 * block_bytes(name.len());
        self.oops[i] = Oop::small_int(0);
        self.free.push(id);
    }

    /// The free ids, in the order they will be reused (last first).
    pub fn free_ids(&self) -> &[u32] {
        &self.free
    }

    /// A table with the given ids (name, Symbol object, pinned; an empty name marks a
    /// free id) and free list, as an image saved them. `None` when a name appears twice
    /// or the free list does not name exactly the free ids.
    pub fn restore(entries: Vec<(Box<str>, Oop, bool)>, free: Vec<u32>) -> Option<SymbolTable> {
        let mut t = SymbolTable::default();
        let mut free_seen = 0;
        for (id, (name, oop, pinned)) in entries.into_iter().enumerate() {
            if name.is_empty() {
                free_seen += 1;
            } else {
                t.name_bytes += 2 * block_bytes(name.len());
                if t.ids.insert(name.clone(), id as u32).is_some() {
                    return None;
                }
            }
            t.names.push(name);
            t.oops.push(oop);
            t.pinned.push(pinned);
        }
        let listed_free = free
            .iter()
            .all(|&id| t.names.get(id as usize).is_some_and(|n| n.is_empty()));
        let mut distinct = free.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if !listed_free || distinct.len() != free_seen || free.len() != free_seen {
            return None;
        }
        t.free = free;
        Some(t)
    }

    /// Rust-side bytes the table holds: the vectors and the map at their capacity, and
    /// the name copies.
    pub fn external_bytes(&self) -> usize {
        use std::mem::size_of;
        let per_id = size_of::<Box<str>>() + size_of::<Oop>() + size_of::<bool>();
        // The map's buckets: a power of two holding its capacity at 7/8 load, each an
        // entry and a control byte.
        let buckets = (self.ids.capacity() * 8 / 7).next_power_of_two();
        let per_entry = size_of::<(Box<str>, u32)>() + 1;
        self.names.capacity().max(self.oops.capacity()) * per_id
            + self.free.capacity() * size_of::<u32>()
            + buckets * per_entry
            + self.name_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::SymbolTable;
    use cairn_gc::Oop;

    /// A fake Symbol object: any heap-pointer-shaped word.
    fn obj(n: u64) -> Oop {
        Oop::from_bits(0x1000 + 16 * n)
    }

    #[test]
    fn interning_twice_answers_the_same_id() {
        let mut t = SymbolTable::default();
        let a = t.intern_pinned("foo");
        assert_eq!(t.intern_pinned("foo"), a);
        let w = t.insert_weak("bar", obj(1));
        assert_eq!(t.lookup("bar"), Some(w));
        assert_eq!(t.oop(w), obj(1));
        assert_ne!(a, w);
        assert_eq!((t.name(a), t.name(w)), ("foo", "bar"));
    }

    #[test]
    fn dead_weak_symbols_are_freed_and_their_ids_reused() {
        let mut t = SymbolTable::default();
        let keep = t.insert_weak("keep", obj(1));
        let die = t.insert_weak("die", obj(2));
        let pinned = t.intern_pinned("pinned");
        t.set_oop(pinned, obj(3));
        // The visitor sees weak entries only, and moves the survivor.
        let mut seen = Vec::new();
        t.visit_weak(&mut |o: &mut Oop| {
            seen.push(*o);
            if *o == obj(1) {
                *o = obj(9);
                true
            } else {
                false
            }
        });
        assert_eq!(seen, vec![obj(1), obj(2)]);
        assert_eq!(t.lookup("die"), None);
        assert_eq!(t.oop(keep), obj(9));
        assert_eq!(t.len(), 2);
        // The freed id is reused for the next text, weak or pinned.
        let again = t.insert_weak("new", obj(4));
        assert_eq!(again, die);
        assert_eq!(t.name(again), "new");
        assert_eq!(t.id_limit(), 3);
    }

    #[test]
    fn pinned_symbols_are_strong_roots_and_never_freed() {
        let mut t = SymbolTable::default();
        let w = t.insert_weak("global", obj(1));
        t.pin(w);
        let mut strong = Vec::new();
        t.visit_strong(&mut |o: &mut Oop| strong.push(*o));
        assert_eq!(strong, vec![obj(1)]);
        t.visit_weak(&mut |_: &mut Oop| panic!("a pinned symbol is not weak"));
        assert_eq!(t.lookup("global"), Some(w));
    }

    #[test]
    fn churn_keeps_the_table_bounded() {
        let mut t = SymbolTable::default();
        let mut peak = 0;
        for round in 0..50u64 {
            for i in 0..1000u64 {
                t.insert_weak(&format!("s{round}-{i}"), obj(i));
            }
            t.visit_weak(&mut |_: &mut Oop| false);
            assert!(t.is_empty());
            peak = peak.max(t.external_bytes());
        }
        assert_eq!(t.id_limit(), 1000, "ids are reused");
        // After the first round, nothing grows: every round reuses the same room.
        let first = {
            let mut t = SymbolTable::default();
            for i in 0..1000u64 {
                t.insert_weak(&format!("s0-{i}"), obj(i));
            }
            t.external_bytes()
        };
        assert!(peak <= first + first / 4, "peak {peak}, one round {first}");
    }
}
