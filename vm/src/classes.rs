//! Rust-side class descriptions (by class index) and method lookup.
//!
//! The class object itself lives in the heap (the gc's class table holds it, so
//! `heap.class_at(index)` is the class and every instance's header names it by index).
//! [`ClassInfo`] keeps what the interpreter needs fast: the superclass index, the
//! instance shape, and the method dictionary keyed by selector id.

use rustc_hash::FxHashMap;

use cairn_gc::{ClassIndex, Format};

/// What instances of a class look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Named slots only (Format::Fixed, or Zero when none).
    Fixed,
    /// Indexed pointer slots (Array).
    Indexable,
    /// Indexed bytes (String, Symbol).
    Bytes,
    /// Named strong slots, then indexed weak slots that the collector sets to nil when
    /// their referent dies (WeakArray and its subclasses; Format::Weak).
    Weak,
    /// Named slots only, the first the key: the others are kept alive only while the key
    /// is reachable from outside, and all are set to nil when it dies (Ephemeron and its
    /// subclasses; Format::Ephemeron; the loader requires at least one field).
    Ephemeron,
    /// Not instantiable with `new` (immediates, blocks, methods, classes, nil/true/false).
    Special,
}

/// One class (or metaclass).
pub struct ClassInfo {
    /// Class name (`Foo class` for a metaclass).
    pub name: String,
    /// Superclass index, None for the root.
    pub superclass: Option<ClassIndex>,
    /// Index of this class's class (its metaclass, or Metaclass for a metaclass).
    pub meta: ClassIndex,
    /// True for a metaclass.
    pub is_meta: bool,
    /// For a metaclass: the class that is its only instance.
    pub instance: Option<ClassIndex>,
    /// All instance variable names, inherited first.
    pub fields: Vec<String>,
    /// Instance shape.
    pub shape: Shape,
    /// Selector id -> method index, for the methods this class defines.
    pub methods: FxHashMap<u32, u32>,
    /// Method indices in definition order (for `Class>>methods`).
    pub method_order: Vec<u32>,
    /// The source file the class came from.
    pub file: String,
}

impl ClassInfo {
    /// The heap format and fixed slot count of a new instance with `indexable` elements.
    pub fn instance_format(&self, indexable: usize) -> (Format, usize, usize) {
        let fixed = self.fields.len();
        match self.shape {
            Shape::Indexable if fixed == 0 => (Format::Indexable, 0, indexable),
            Shape::Indexable => (Format::FixedIndexable, fixed, indexable),
            Shape::Bytes => (Format::Bytes, 0, indexable),
            Shape::Weak => (Format::Weak, fixed, indexable),
            Shape::Ephemeron => (Format::Ephemeron, fixed, 0),
            _ if fixed == 0 => (Format::Zero, 0, 0),
            _ => (Format::Fixed, fixed, 0),
        }
    }
}
