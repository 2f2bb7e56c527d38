//! The open resources a program holds, by handle: a SmallInteger that names a slot of
//! the [`Handles`] table and its generation (so a closed handle's number never names the
//! next resource in that slot). The table owns every file descriptor the program opened:
//! closing a handle drops its resource (and closes the descriptor) unless a worker still
//! uses it, and dropping the VM drops them all (docs/design/io.md, "Ownership").

use std::fs::File;
use std::process::Child;
use std::sync::Arc;

/// A handle's number as Smalltalk sees it: slot | generation << 24.
pub(crate) type Hid = u64;

const SLOT_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
/// Generations wrap below this, so a handle stays within 48 bits (a SmallInteger, and a
/// mio token distinct from the reactor's own).
const GEN_LIMIT: u32 = 1 << 24;

/// What a handle holds.
pub(crate) enum Resource {
    /// A regular file (shared with the worker that reads or writes it).
    File(Arc<File>),
    /// The VM's standard input, output or error (0, 1, 2; not closed with the handle).
    Std(u8),
    /// A listening TCP socket.
    Listener(mio::net::TcpListener),
    /// A connected TCP socket.
    Stream(mio::net::TcpStream),
    /// The writing end of a subprocess's standard input.
    PipeIn(mio::unix::pipe::Sender),
    /// The reading end of a subprocess's standard output or error.
    PipeOut(mio::unix::pipe::Receiver),
    /// A subprocess (its pipes are handles of their own).
    Child(Child),
}

impl Resource {
    /// The mio source of a socket or pipe, for the reactor.
    pub(crate) fn source(&mut self) -> Option<&mut dyn mio::event::Source> {
        match self {
            Resource::Listener(l) => Some(l),
            Resource::Stream(s) => Some(s),
            Resource::PipeIn(p) => Some(p),
            Resource::PipeOut(p) => Some(p),
            _ => None,
        }
    }

    /// A short name for messages.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Resource::File(_) => "a file",
            Resource::Std(_) => "a standard stream",
            Resource::Listener(_) => "a listening socket",
            Resource::Stream(_) => "a socket",
            Resource::PipeIn(_) | Resource::PipeOut(_) => "a pipe",
            Resource::Child(_) => "a subprocess",
        }
    }
}

/// One open handle: its resource, the requests waiting for it to be readable
/// (`reader`: read, accept, exit status) and writable (`writer`: write, connect), and
/// whether it may be readable or writable: false once an operation would block, true
/// again at the handle's next readiness event (until then an operation waits without
/// trying, which would only block again).
pub(crate) struct Handle {
    pub(crate) res: Resource,
    pub(crate) reader: Option<u64>,
    pub(crate) writer: Option<u64>,
    pub(crate) may_read: bool,
    pub(crate) may_write: bool,
}

impl Handle {
    fn new(res: Resource) -> Handle {
        Handle {
            res,
            reader: None,
            writer: None,
            may_read: true,
            may_write: true,
        }
    }
}

/// Every open handle. Slots 0, 1 and 2 are standard input, output and error.
pub(crate) struct Handles {
    slots: Vec<(u32, Option<Handle>)>,
    free: Vec<u32>,
}

impl Default for Handles {
    fn default() -> Handles {
        Handles {
            slots: (0..3)
                .map(|i| (0, Some(Handle::new(Resource::Std(i)))))
                .collect(),
            free: Vec::new(),
        }
    }
}

impl Handles {
    /// Adds `res`; answers its handle.
    pub(crate) fn add(&mut self, res: Resource) -> Hid {
        let h = Handle::new(res);
        match self.free.pop() {
            Some(slot) => {
                let entry = &mut self.slots[slot as usize];
                entry.0 = (entry.0 + 1) % GEN_LIMIT;
                entry.1 = Some(h);
                u64::from(slot) | u64::from(entry.0) << SLOT_BITS
            }
            None => {
                self.slots.push((0, Some(h)));
                (self.slots.len() - 1) as u64
            }
        }
    }

    /// The open handle `hid` names.
    pub(crate) fn get(&mut self, hid: Hid) -> Option<&mut Handle> {
        let (gen, h) = self.slots.get_mut((hid & SLOT_MASK) as usize)?;
        if u64::from(*gen) != hid >> SLOT_BITS {
            return None;
        }
        h.as_mut()
    }

    /// Takes handle `hid` out of the table (closing it).
    pub(crate) fn remove(&mut self, hid: Hid) -> Option<Handle> {
        self.get(hid)?;
        let slot = (hid & SLOT_MASK) as u32;
        let h = self.slots[slot as usize].1.take();
        self.free.push(slot);
        h
    }

    /// The handles of every open subprocess.
    pub(crate) fn children(&self) -> Vec<Hid> {
        self.iter()
            .filter(|(_, h)| matches!(h.res, Resource::Child(_)))
            .map(|(hid, _)| hid)
            .collect()
    }

    /// How many handles are open (the three standard ones included).
    pub(crate) fn open_count(&self) -> usize {
        self.slots.iter().filter(|(_, h)| h.is_some()).count()
    }

    fn iter(&self) -> impl Iterator<Item = (Hid, &Handle)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(slot, (gen, h))| {
                h.as_ref()
                    .map(|h| (slot as u64 | u64::from(*gen) << SLOT_BITS, h))
            })
    }

    /// Bytes outside the heap.
    pub(crate) fn external_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<(u32, Option<Handle>)>()
    }
}

#[cfg(test)]
mod tests {
    use super::{Handles, Resource};

    #[test]
    fn a_closed_handle_never_names_the_next_resource_in_its_slot() {
        let mut t = Handles::default();
        let a = t.add(Resource::Std(1));
        assert!(t.remove(a).is_some());
        let b = t.add(Resource::Std(2));
        assert_ne!(a, b);
        assert!(t.get(a).is_none());
        assert!(t.get(b).is_some());
        assert!(t.remove(a).is_none());
        assert_eq!(t.open_count(), 4);
    }
}
