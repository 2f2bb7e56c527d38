//! Requests in flight: each has the Semaphore its process waits on (a root of the
//! collector) and a [`State`]: running on a worker, waiting for its handle to be ready
//! (with the operation to retry), or done with an [`Outcome`] that `Io>>take:` hands to
//! Smalltalk. A request that `Io>>cancel:` removed is forgotten: its late outcome is
//! dropped (closing what it opened).

use cairn_gc::Oop;
use rustc_hash::FxHashMap;

use super::fault::Fault;
use super::handles::{Hid, Resource};

/// What a finished request answers.
pub(crate) enum Outcome {
    /// Bytes read (empty at the end of the input).
    Bytes(Vec<u8>),
    /// A count, a position, a size, an exit status.
    Int(i64),
    /// A yes or no (`exists:`), or plain success.
    Bool(bool),
    /// Directory entries, sorted.
    Names(Vec<Vec<u8>>),
    /// A handle (a file opened, a connection accepted or made).
    Handle(Hid),
    /// A resource a worker opened, not yet in the handle table.
    Opened(Resource),
    /// An error.
    Fault(Fault),
}

impl<T: Into<Outcome>> From<Result<T, std::io::Error>> for Outcome {
    fn from(r: Result<T, std::io::Error>) -> Outcome {
        match r {
            Ok(v) => v.into(),
            Err(e) => Outcome::Fault(e.into()),
        }
    }
}

impl From<Fault> for Outcome {
    fn from(f: Fault) -> Outcome {
        Outcome::Fault(f)
    }
}

impl From<Vec<u8>> for Outcome {
    fn from(b: Vec<u8>) -> Outcome {
        Outcome::Bytes(b)
    }
}

impl From<u64> for Outcome {
    fn from(n: u64) -> Outcome {
        Outcome::Int(n.min(i64::MAX as u64) as i64)
    }
}

impl From<bool> for Outcome {
    fn from(b: bool) -> Outcome {
        Outcome::Bool(b)
    }
}

/// An operation retried each time its handle may be ready.
pub(crate) enum Wait {
    /// Read up to this many bytes.
    Read(usize),
    /// Write these bytes; so many are written.
    Write(Vec<u8>, usize),
    /// Accept a connection.
    Accept,
    /// Finish connecting (the handle is the new socket, closed if the connection fails
    /// or the request is cancelled).
    Connect,
    /// The subprocess's exit status (retried at each SIGCHLD).
    Exit,
}

impl Wait {
    /// True for the operations that wait on the handle's writer slot.
    pub(crate) fn writes(&self) -> bool {
        matches!(self, Wait::Write(..) | Wait::Connect)
    }
}

/// Where a request is.
pub(crate) enum State {
    /// On a worker.
    Running,
    /// Waiting for its handle.
    Waiting(Hid, Wait),
    /// Finished, not yet taken.
    Done(Outcome),
}

/// One request.
pub(crate) struct Request {
    pub(crate) sem: Oop,
    pub(crate) state: State,
}

/// Every request not yet taken or cancelled.
#[derive(Default)]
pub(crate) struct Requests {
    map: FxHashMap<u64, Request>,
    next: u64,
}

impl Requests {
    /// A new request signalling `sem`; answers its id.
    pub(crate) fn add(&mut self, sem: Oop, state: State) -> u64 {
        self.next += 1;
        self.map.insert(self.next, Request { sem, state });
        self.next
    }

    pub(crate) fn get_mut(&mut self, id: u64) -> Option<&mut Request> {
        self.map.get_mut(&id)
    }

    pub(crate) fn remove(&mut self, id: u64) -> Option<Request> {
        self.map.remove(&id)
    }

    /// True when some request is not yet taken: one in flight may still wake its
    /// process (a finished one has already signalled it).
    pub(crate) fn any(&self) -> bool {
        !self.map.is_empty()
    }

    /// How many requests have not finished yet.
    pub(crate) fn in_flight(&self) -> usize {
        self.map
            .values()
            .filter(|r| !matches!(r.state, State::Done(_)))
            .count()
    }

    /// The semaphores, for the collector.
    pub(crate) fn visit(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.map.values_mut().for_each(|r| visitor(&mut r.sem));
    }

    /// Forgets every request (the processes that waited for them are gone).
    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }

    /// Bytes outside the heap (buffers of finished reads included).
    pub(crate) fn external_bytes(&self) -> usize {
        self.map.capacity() * std::mem::size_of::<(u64, Request)>()
            + self
                .map
                .values()
                .map(|r| match &r.state {
                    State::Done(Outcome::Bytes(b)) | State::Waiting(_, Wait::Write(b, _)) => {
                        b.capacity()
                    }
                    _ => 0,
                })
                .sum::<usize>()
    }
}
