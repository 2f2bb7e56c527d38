//! The I/O threads and how their news reaches the VM thread: the [`Inbox`] of
//! [`Event`]s, the [`Notifier`] that posts to it (sets [`bits::IO`] in the interrupt word
//! and wakes the VM thread if it sleeps), the [`Reactor`] thread that waits for socket and
//! pipe readiness (mio), and the [`Workers`] that run blocking file operations.
//!
//! No thread here touches the heap: they post plain Rust values, and the VM thread turns
//! them into Smalltalk objects at its next safepoint (`Vm::deliver_io`).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::requests::Outcome;
use crate::interrupt::bits;
use crate::sched::timer::Waker;

/// What an I/O thread reports.
pub(crate) enum Event {
    /// The socket or pipe of this token (a handle id) may be ready: retry its waiters.
    Ready(usize),
    /// Request `id` finished on a worker.
    Done(u64, Outcome),
    /// The process received this signal.
    Signal(i32),
}

/// Events not yet delivered.
pub(crate) type Inbox = Mutex<Vec<Event>>;

/// Posts events to the VM thread.
#[derive(Clone)]
pub(crate) struct Notifier {
    inbox: Arc<Inbox>,
    word: Arc<AtomicU32>,
    waker: Arc<Waker>,
}

impl Notifier {
    /// A notifier for the VM with this interrupt word and waker.
    pub(crate) fn new(word: Arc<AtomicU32>, waker: Arc<Waker>) -> Notifier {
        Notifier {
            inbox: Arc::default(),
            word,
            waker,
        }
    }

    /// Queues `events`, then sets the interrupt bit and wakes a sleeping VM thread.
    pub(crate) fn post(&self, events: impl IntoIterator<Item = Event>) {
        let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        let before = inbox.len();
        inbox.extend(events);
        let any = inbox.len() > before;
        drop(inbox);
        if any {
            self.word.fetch_or(bits::IO, Ordering::Relaxed);
            self.waker.wake();
        }
    }

    /// Takes every queued event.
    pub(crate) fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.inbox.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The token of the reactor's own wake-up (never a handle id: ids fit in 48 bits).
const STOP_TOKEN: mio::Token = mio::Token(usize::MAX);

/// The readiness reactor: a thread blocked in `epoll_wait` (mio's `Poll`) that posts
/// [`Event::Ready`] for every socket or pipe event. Sources are registered from the VM
/// thread through [`Reactor::registry`], once, edge-triggered for reading and writing.
pub(crate) struct Reactor {
    registry: mio::Registry,
    stop_waker: mio::Waker,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Reactor {
    /// Starts the reactor thread.
    pub(crate) fn start(notifier: Notifier) -> std::io::Result<Reactor> {
        let mut poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let stop_waker = mio::Waker::new(poll.registry(), STOP_TOKEN)?;
        let stop = Arc::new(AtomicBool::new(false));
        let theirs = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("cairn-reactor".into())
            .spawn(move || {
                let mut events = mio::Events::with_capacity(1024);
                while !theirs.load(Ordering::Relaxed) {
                    if let Err(e) = poll.poll(&mut events, None) {
                        if e.kind() == std::io::ErrorKind::Interrupted {
                            continue;
                        }
                        return;
                    }
                    notifier.post(
                        events
                            .iter()
                            .map(|e| e.token())
                            .filter(|&t| t != STOP_TOKEN)
                            .map(|t| Event::Ready(t.0)),
                    );
                }
            })?;
        Ok(Reactor {
            registry,
            stop_waker,
            stop,
            thread: Some(thread),
        })
    }

    /// Where sockets and pipes are registered.
    pub(crate) fn registry(&self) -> &mio::Registry {
        &self.registry
    }
}

impl Drop for Reactor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if self.stop_waker.wake().is_ok() {
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }
}

/// A blocking operation for a worker: its result becomes request `id`'s outcome.
pub(crate) type Job = Box<dyn FnOnce() -> Outcome + Send>;

/// How many threads run blocking file operations.
pub(crate) const WORKERS: usize = 4;

/// A small pool of threads that run [`Job`]s (file operations, standard input and
/// output) and post [`Event::Done`]. Dropping the pool closes the queue: idle workers
/// end, a busy one ends after its job (a read of standard input may never finish, so
/// nobody joins them).
pub(crate) struct Workers {
    queue: mpsc::Sender<(u64, Job)>,
}

impl Workers {
    /// Starts the pool.
    pub(crate) fn start(notifier: &Notifier) -> std::io::Result<Workers> {
        let (queue, jobs) = mpsc::channel::<(u64, Job)>();
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..WORKERS {
            let jobs = Arc::clone(&jobs);
            let notifier = notifier.clone();
            std::thread::Builder::new()
                .name(format!("cairn-io-{i}"))
                .spawn(move || loop {
                    let next = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((id, job)) = next else { return };
                    let outcome = job();
                    notifier.post([Event::Done(id, outcome)]);
                })?;
        }
        Ok(Workers { queue })
    }

    /// Queues `job` for request `id`; false when the pool is gone.
    pub(crate) fn submit(&self, id: u64, job: Job) -> bool {
        self.queue.send((id, job)).is_ok()
    }
}
