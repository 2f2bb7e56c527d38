//! Cairn's object memory: oops, object headers and formats, the class table, the heap's
//! spaces, allocation, the write barrier and the precise generational collector.
//!
//! Start with [`Heap`]; everything else is what its methods take and return.
//!
//! | part | module | what it holds |
//! |---|---|---|
//! | values | [`oop`] | [`Oop`]: tagged words (heap pointer, SmallInteger, Character, immediate float) |
//! | objects | [`header`], [`format`](mod@format) | the header word's bit layout, [`ClassIndex`], [`Format`] |
//! | configuration | `config` | [`HeapConfig`]: sizes, tenure age, stress mode, hash seed |
//! | spaces | `nursery`, `old_space` | eden + survivors in one reservation; old segments with free lists; large objects |
//! | allocation | `alloc`, `object` | [`Heap::try_alloc`] (bump fast path), [`Heap::alloc`] (collects), [`Heap::alloc_old`]; [`ObjectLayout`] for inline allocation |
//! | access | `access` | [`Heap::fetch`], [`Heap::store`], bytes and words, identity hash, flags |
//! | barrier | `barrier` | [`Heap::write_barrier`], [`BarrierInfo`] and the JIT's inline test |
//! | roots | `roots` | [`RootSet`] (implemented by the VM), [`Handles`] for Oops held in Rust |
//! | scavenger | `scavenge` | [`Heap::scavenge`]: Cheney copy, tenuring, young weak/ephemeron/finalization |
//! | memory budget | `budget` | [`Heap::footprint`]: heap + VM external bytes + collector tables, against `max_heap_bytes` less the OutOfMemory headroom |
//! | tenure reserve | `reserve` | the segments and eden limit that let every scavenge finish ([`Heap::tenure_reserve_bytes`], [`Heap::eden_budget`]) |
//! | weak references | `weak` | clearing weak slots and ephemerons after a trace (both collectors) |
//! | full collection | `mark`, `sweep`, `compact` | [`Heap::full_collect`]: mark stack, sweep to free lists, sliding compaction |
//! | become | `become_` | [`Heap::become_forward`], [`Heap::become_swap`] |
//! | walking | `walk` | [`Heap::walk`], [`Heap::walk_live`], [`Heap::census`] |
//! | verifier | [`verify`] | [`Heap::verify`] and the list of invariants it checks |
//! | statistics | `stats` | [`GcStats`], [`CollectionStats`] |
//! | images | [`image`] | [`Heap::save_image`], [`image::load`]: the heap as an image file's header, roots and relocatable objects |
//!
//! Design notes and API changes: `docs/design/gc.md`; measured performance:
//! `docs/perf/gc.md`.
//!
//! # The contract with the VM
//! * Every heap call that may collect takes a `&mut dyn RootSet`; any `Oop` held across
//!   it must be in a root (a frame slot, a [`Handle`]) and re-read afterwards.
//! * An `Oop` given to an accessor must be an immediate or a live object of this heap
//!   (debug builds check the address range). Slot indices are checked, except by the
//!   `unsafe` [`Heap::fetch_unchecked`] and [`Heap::store_unchecked`].
//! * Every pointer store into a heap object goes through [`Heap::store`] or is followed
//!   by [`Heap::write_barrier`].
//! * Oops the VM holds without keeping them alive (its symbol table) are weak roots,
//!   reported by [`RootSet::visit_weak_roots`]; the VM forgets a slot as soon as a
//!   collection reports its object dead. Rust-side tables that grow with the program's
//!   data are reported by [`RootSet::external_bytes`] and count against the maximum
//!   heap size ([`Heap::footprint`]).
//! * Nothing aborts: an allocation that does not fit returns [`OutOfMemory`]. A
//!   collection never needs memory it has not secured before it starts (the tenure
//!   reserve), so neither the maximum heap size nor the operating system can stop one
//!   half way; the heap stays consistent after every `OutOfMemory`.

#![deny(missing_docs, unreachable_pub)]

mod access;
mod alloc;
mod barrier;
mod become_;
mod budget;
mod compact;
mod config;
mod error;
pub mod format;
pub mod header;
mod heap;
pub mod image;
mod mark;
mod nursery;
mod object;
mod old_space;
pub mod oop;
mod reserve;
mod roots;
mod scavenge;
mod stats;
mod sweep;
pub mod verify;
mod walk;
mod weak;

pub use barrier::BarrierInfo;
pub use config::{parse_byte_size, HeapConfig, STRESS_ENV, VERIFY_ENV};
pub use error::{BecomeError, ClassTableFull, HeapError, OutOfMemory};
pub use format::Format;
pub use header::ClassIndex;
pub use heap::Heap;
pub use nursery::AllocPointers;
pub use object::ObjectLayout;
pub use oop::Oop;
pub use roots::{Handle, HandleMark, Handles, NoRoots, RootSet};
pub use stats::{CollectionKind, CollectionStats, GcStats, Occupancy, HISTORY_LEN};
pub use verify::{Violation, ViolationKind};
pub use walk::ClassCensus;
