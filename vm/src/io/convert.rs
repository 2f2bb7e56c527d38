//! A finished request's outcome as a Smalltalk object (`Io>>take:`): Strings for bytes
//! and names, SmallIntegers for counts and handles, Booleans, and an `IOError` for a
//! fault: its `messageText` is the OS reason, `kind` a Symbol, `errno` the OS number.

use cairn_gc::Oop;

use super::fault::Fault;
use super::requests::{Outcome, State};
use crate::vm::{Vm, VmResult};

impl Vm {
    /// Takes request `id`'s outcome: `None` while it runs (or for an unknown id);
    /// `Some(None)` when it is a fault and `IOError` is not the kernel's class.
    pub(crate) fn io_take(&mut self, id: u64) -> VmResult<Option<Option<Oop>>> {
        match self.s.io.requests.get_mut(id) {
            Some(r) if matches!(r.state, State::Done(_)) => {}
            _ => return Ok(None),
        }
        let Some(req) = self.s.io.requests.remove(id) else {
            return Ok(None);
        };
        let State::Done(outcome) = req.state else {
            return Ok(None);
        };
        self.outcome_object(outcome).map(Some)
    }

    /// The Smalltalk value of an outcome (`None`: see [`Vm::io_error`]).
    fn outcome_object(&mut self, outcome: Outcome) -> VmResult<Option<Oop>> {
        Ok(Some(match outcome {
            Outcome::Bytes(b) => self.new_string(&b)?,
            Outcome::Int(n) => {
                Oop::small_int(n.clamp(cairn_gc::oop::SMALL_INT_MIN, cairn_gc::oop::SMALL_INT_MAX))
            }
            Outcome::Bool(b) => self.boolean(b),
            Outcome::Handle(h) => Oop::small_int(h as i64),
            Outcome::Names(names) => {
                let base = self.s.scratch.len();
                for n in names {
                    let s = self.new_string(&n)?;
                    self.s.scratch.push(s);
                }
                self.new_array_from_scratch(base)?
            }
            Outcome::Opened(_) => return self.io_error(&Fault::vm("other", "a resource was lost")),
            Outcome::Fault(f) => return self.io_error(&f),
        }))
    }

    /// A new `IOError` for `fault`; `None` when the global `IOError` is not an
    /// Exception class with `kind` and `errno` fields (a program rebound it).
    pub(crate) fn io_error(&mut self, fault: &Fault) -> VmResult<Option<Oop>> {
        let Some(class) = self.load_global("IOError")? else {
            return Ok(None);
        };
        let Some(ci) = self.class_index_of_class_object(class) else {
            return Ok(None);
        };
        let info = self.s.class(ci);
        let field = |name: &str| info.fields.iter().position(|f| f == name);
        let (Some(text), Some(kind), Some(errno)) =
            (field("messageText"), field("kind"), field("errno"))
        else {
            return Ok(None);
        };
        if !self.is_exception_class(ci) {
            return Ok(None);
        }
        let (format, fixed, len) = self.s.class(ci).instance_format(0);
        let base = self.s.scratch.len();
        let reason = self.new_string(fault.reason.as_bytes())?;
        self.s.scratch.push(reason);
        let sym = self.symbol_for(fault.kind)?;
        self.s.scratch.push(sym);
        let e = self.alloc(ci, format, fixed, len)?;
        let (reason, sym) = (self.s.scratch[base], self.s.scratch[base + 1]);
        self.s.scratch.truncate(base);
        self.heap.store(e, text, reason);
        self.heap.store(e, kind, sym);
        self.heap.store(e, errno, Oop::small_int(fault.errno));
        Ok(Some(e))
    }

    /// True when instances of `ci` are Exceptions with the engine's fields.
    fn is_exception_class(&self, ci: cairn_gc::ClassIndex) -> bool {
        let known = self.s.known.exception;
        known != 0
            && self.inherits(ci, cairn_gc::ClassIndex(known))
            && self.s.class(ci).shape == crate::classes::Shape::Fixed
    }
}
