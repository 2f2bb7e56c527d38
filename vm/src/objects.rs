//! Allocation and object access helpers: the one place the VM talks to the heap's
//! allocation API, plus conversions between Oops and Rust values (strings, symbols,
//! numbers, booleans).

use cairn_gc::{ClassIndex, Format, Oop};
use num_bigint::BigInt;

use crate::vm::{Vm, VmError, VmResult};

impl Vm {
    /// Allocates an object, collecting if needed. Every Oop held in Rust locals is
    /// stale afterwards: re-read it from the stack or `State::scratch`.
    #[inline(always)]
    pub(crate) fn alloc(
        &mut self,
        class: ClassIndex,
        format: Format,
        fixed: usize,
        len: usize,
    ) -> VmResult<Oop> {
        if let Some(o) = self.heap.try_alloc(class, format, fixed, len) {
            return Ok(o);
        }
        let o = self.heap.alloc(&mut self.s, class, format, fixed, len);
        self.note_collections();
        o.map_err(|_| VmError::OutOfMemory)
    }

    /// Allocates in old space (classes, symbols, literals).
    pub(crate) fn alloc_old(
        &mut self,
        class: ClassIndex,
        format: Format,
        fixed: usize,
        len: usize,
    ) -> VmResult<Oop> {
        let o = self.heap.alloc_old(&mut self.s, class, format, fixed, len);
        self.note_collections();
        o.map_err(|_| VmError::OutOfMemory)
    }

    /// nil.
    #[inline(always)]
    pub(crate) fn nil(&self) -> Oop {
        self.s.specials.nil
    }

    /// true or false.
    #[inline(always)]
    pub(crate) fn boolean(&self, b: bool) -> Oop {
        if b {
            self.s.specials.true_
        } else {
            self.s.specials.false_
        }
    }

    /// The class index of any Oop (immediates included).
    #[inline(always)]
    pub(crate) fn class_of(&self, oop: Oop) -> ClassIndex {
        self.heap.class_index(oop)
    }

    /// True when `class` is `ancestor` or inherits from it.
    pub(crate) fn inherits(&self, mut class: ClassIndex, ancestor: ClassIndex) -> bool {
        loop {
            if class == ancestor {
                return true;
            }
            match self.s.class(class).superclass {
                Some(c) => class = c,
                None => return false,
            }
        }
    }

    /// A new Array of `len` nils.
    pub(crate) fn new_array(&mut self, len: usize) -> VmResult<Oop> {
        let array = ClassIndex(self.s.known.array);
        self.alloc(array, Format::Indexable, 0, len)
    }

    /// A new Array holding `items` (which are rooted by the caller through scratch).
    pub(crate) fn new_array_from_scratch(&mut self, base: usize) -> VmResult<Oop> {
        let n = self.s.scratch.len() - base;
        let a = self.new_array(n)?;
        for i in 0..n {
            let v = self.s.scratch[base + i];
            self.heap.store(a, i, v);
        }
        self.s.scratch.truncate(base);
        Ok(a)
    }

    /// A new Array of `make(item)` for each item, in order. The objects made so far wait
    /// in `scratch` (a root), since each `make` may allocate and collect.
    pub(crate) fn new_array_of<T>(
        &mut self,
        items: Vec<T>,
        mut make: impl FnMut(&mut Vm, T) -> VmResult<Oop>,
    ) -> VmResult<Oop> {
        let base = self.s.scratch.len();
        for item in items {
            match make(self, item) {
                Ok(o) => self.s.scratch.push(o),
                Err(e) => {
                    self.s.scratch.truncate(base);
                    return Err(e);
                }
            }
        }
        self.new_array_from_scratch(base)
    }

    /// A new String (bytes of `text`).
    pub(crate) fn new_string(&mut self, text: &[u8]) -> VmResult<Oop> {
        let class = ClassIndex(self.s.known.string);
        let s = self.alloc(class, Format::Bytes, 0, text.len())?;
        self.heap.bytes_mut(s).copy_from_slice(text);
        Ok(s)
    }

    /// The shared one-character String of byte `b` (`State::char_strings`): never
    /// allocates, so `charAt:` costs no garbage.
    #[inline]
    pub(crate) fn char_string(&self, b: u8) -> Oop {
        self.s.char_strings[b as usize]
    }

    /// True for one of the shared one-character Strings (which `become:` refuses).
    pub(crate) fn is_shared_char_string(&self, o: Oop) -> bool {
        o.is_ptr()
            && self.class_of(o).0 == self.s.known.string
            && matches!(self.heap.bytes(o), [b] if self.char_string(*b) == o)
    }

    /// The bytes of a String or Symbol. Anything else is a VM bug (primitives are
    /// checked first): a debug build stops.
    ///
    /// Memory-safe for any Oop: `Heap::bytes` answers only the raw part of the object's
    /// real format (none for immediates and pointer objects). Primitives reach here after
    /// the decoding layer checked the kind, so the semantic check is a debug assertion.
    #[inline]
    pub(crate) fn bytes_of(&self, oop: Oop) -> &[u8] {
        debug_assert!(self.is_byte_string(oop), "bytes_of a non-string {oop:?}");
        self.heap.bytes(oop)
    }

    /// The text of a String or Symbol (lossy for non-UTF-8 bytes).
    pub(crate) fn text_of(&self, oop: Oop) -> String {
        String::from_utf8_lossy(self.bytes_of(oop)).into_owned()
    }

    /// True for a Symbol.
    pub(crate) fn is_symbol(&self, oop: Oop) -> bool {
        oop.is_ptr() && self.class_of(oop).0 == self.s.known.symbol
    }

    /// True for an Array or a WeakArray (or subclass instance with indexed pointer slots).
    pub(crate) fn is_array(&self, oop: Oop) -> bool {
        oop.is_ptr()
            && matches!(
                self.heap.format(oop),
                Format::Indexable | Format::FixedIndexable | Format::Weak
            )
    }

    /// Interns `name` as a pinned symbol id (see `symbols.rs`): for names the VM keeps
    /// (selectors, globals, literals). Never allocates.
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        let id = self.s.symbols.intern_pinned(name);
        self.grow_global_slots();
        id
    }

    /// Keeps `State::global_slot` as long as the symbol ids.
    fn grow_global_slots(&mut self) {
        let n = self.s.symbols.id_limit();
        if self.s.global_slot.len() < n {
            self.s.global_slot.resize(n, u32::MAX);
        }
    }

    /// The name of symbol `id`.
    pub(crate) fn symbol_name(&self, id: u32) -> &str {
        self.s.symbols.name(id)
    }

    /// The Symbol object of `id` (made on first use, in old space).
    pub(crate) fn symbol(&mut self, id: u32) -> VmResult<Oop> {
        let o = self.s.symbols.oop(id);
        if o.is_ptr() {
            return Ok(o);
        }
        if !self.s.symbols.is_pinned(id) {
            // A weak id always has its object; without one it was collected.
            return Err(VmError::Fatal(format!(
                "symbol id {id} used after collection"
            )));
        }
        let name: Box<str> = self.s.symbols.name(id).into();
        let sym = self.new_symbol_object(&name)?;
        self.s.symbols.set_oop(id, sym);
        Ok(sym)
    }

    /// A Symbol object holding `name` (not registered anywhere yet).
    fn new_symbol_object(&mut self, name: &str) -> VmResult<Oop> {
        let class = ClassIndex(self.s.known.symbol);
        let sym = self.alloc_old(class, Format::Bytes, 0, name.len())?;
        self.heap.bytes_mut(sym).copy_from_slice(name.as_bytes());
        Ok(sym)
    }

    /// Interns a name as a pinned id and answers its Symbol object.
    pub(crate) fn symbol_for(&mut self, name: &str) -> VmResult<Oop> {
        let id = self.intern(name);
        self.symbol(id)
    }

    /// The interned Symbol for `name` (`asSymbol`): the existing one, or a new weak
    /// symbol that lives as long as something references it.
    pub(crate) fn intern_symbol(&mut self, name: &str) -> VmResult<Oop> {
        if let Some(id) = self.s.symbols.lookup(name) {
            return self.symbol(id);
        }
        // Object first: the allocation may collect (and free other weak ids), but
        // nothing interns meanwhile, so `name` is still absent afterwards.
        let sym = self.new_symbol_object(name)?;
        self.s.symbols.insert_weak(name, sym);
        self.grow_global_slots();
        Ok(sym)
    }

    /// The symbol id of a Symbol or String object. The id of a live Symbol is only
    /// good while the Symbol is reachable: callers that keep it pin it. A text not
    /// interned yet (a String, a Symbol made by `new:`) is interned pinned.
    pub(crate) fn symbol_id_of(&mut self, oop: Oop) -> u32 {
        let text = self.text_of(oop);
        match self.s.symbols.lookup(&text) {
            Some(id) => id,
            None => self.intern(&text),
        }
    }

    /// A Double object: immediate when it fits, else boxed.
    pub(crate) fn new_double(&mut self, f: f64) -> VmResult<Oop> {
        if let Some(o) = Oop::try_from_f64(f) {
            return Ok(o);
        }
        let class = ClassIndex(self.s.known.double);
        let d = self.alloc(class, Format::Words64, 0, 1)?;
        self.heap.words64_mut(d)[0] = f.to_bits();
        Ok(d)
    }

    /// The value of a Double (immediate or boxed), or None.
    #[inline]
    pub(crate) fn double_value(&self, oop: Oop) -> Option<f64> {
        if oop.is_immediate_float() {
            return Some(oop.as_f64());
        }
        if self.is_boxed_double(oop) {
            return self.heap.words64(oop).first().map(|&w| f64::from_bits(w));
        }
        None
    }

    /// An Integer from a BigInt: a SmallInteger when it fits, else a LargeInteger
    /// (class Integer, bytes: sign byte then little-endian magnitude).
    pub(crate) fn new_integer(&mut self, v: &BigInt) -> VmResult<Oop> {
        if let Ok(i) = i64::try_from(v) {
            if let Some(o) = Oop::from_i64(i) {
                return Ok(o);
            }
        }
        let (sign, mag) = v.to_bytes_le();
        let class = ClassIndex(self.s.known.integer);
        let o = self.alloc(class, Format::Bytes, 0, mag.len() + 1)?;
        let bytes = self.heap.bytes_mut(o);
        bytes[0] = (sign == num_bigint::Sign::Minus) as u8;
        bytes[1..].copy_from_slice(&mag);
        Ok(o)
    }

    /// An Integer from an i64.
    pub(crate) fn new_int(&mut self, v: i64) -> VmResult<Oop> {
        match Oop::from_i64(v) {
            Some(o) => Ok(o),
            None => self.new_integer(&BigInt::from(v)),
        }
    }

    /// The value of an Integer (small or large), or None.
    pub(crate) fn integer_value(&self, oop: Oop) -> Option<BigInt> {
        if oop.is_small_int() {
            return Some(BigInt::from(oop.as_small_int()));
        }
        if self.is_large_integer(oop) {
            let (&sign, magnitude) = self.heap.bytes(oop).split_first()?;
            let sign = if sign == 1 {
                num_bigint::Sign::Minus
            } else {
                num_bigint::Sign::Plus
            };
            return Some(BigInt::from_bytes_le(sign, magnitude));
        }
        None
    }
}
