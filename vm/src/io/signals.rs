//! Operating-system signals (signal-hook): a thread that turns each signal received
//! into an [`Event::Signal`] for the VM thread, and what the VM does with it
//! (`Vm::os_signal`): signal the Semaphores a program registered for it
//! (`OSSignal semaphoreFor: #SIGTERM`), or else its default: SIGTERM and SIGINT end the
//! program (exit status 128 + the signal number), SIGQUIT prints the process audit to
//! stderr and the program goes on; SIGCHLD retries the waits for subprocess exits.

use cairn_gc::Oop;
use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};

use super::runtime::{Event, Notifier};

/// The signals a program may wait for, by name.
pub(crate) fn number(name: &str) -> Option<i32> {
    Some(match name {
        "SIGTERM" => SIGTERM,
        "SIGINT" => SIGINT,
        "SIGQUIT" => SIGQUIT,
        "SIGHUP" => SIGHUP,
        "SIGUSR1" => SIGUSR1,
        "SIGUSR2" => SIGUSR2,
        _ => return None,
    })
}

/// The child-exit signal (subprocesses).
pub(crate) const CHILD: i32 = SIGCHLD;
/// The signals the `cairn run` command handles from the start.
pub(crate) const DEFAULTS: [i32; 3] = [SIGTERM, SIGINT, SIGQUIT];
/// The audit signal.
pub(crate) const QUIT: i32 = SIGQUIT;

/// The signal thread and the signals it listens for.
pub(crate) struct SignalThread {
    handle: signal_hook::iterator::Handle,
    added: Vec<i32>,
}

impl SignalThread {
    /// Starts the thread (listening for nothing yet).
    pub(crate) fn start(notifier: Notifier) -> std::io::Result<SignalThread> {
        let mut signals = signal_hook::iterator::Signals::new(std::iter::empty::<i32>())?;
        let handle = signals.handle();
        std::thread::Builder::new()
            .name("cairn-signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    notifier.post([Event::Signal(sig)]);
                }
            })?;
        Ok(SignalThread {
            handle,
            added: Vec::new(),
        })
    }

    /// Listens for `sig` from now on (its default action no longer applies).
    pub(crate) fn add(&mut self, sig: i32) -> std::io::Result<()> {
        if !self.added.contains(&sig) {
            self.handle.add_signal(sig)?;
            self.added.push(sig);
        }
        Ok(())
    }
}

impl Drop for SignalThread {
    fn drop(&mut self) {
        self.handle.close();
    }
}

/// The Semaphores programs registered, by signal.
#[derive(Default)]
pub(crate) struct Registrations {
    sems: Vec<(i32, Oop)>,
}

impl Registrations {
    /// `sem` is signalled at each `sig` from now on.
    pub(crate) fn add(&mut self, sig: i32, sem: Oop) {
        self.sems.push((sig, sem));
    }

    /// The Semaphores registered for `sig`.
    pub(crate) fn for_signal(&self, sig: i32) -> Vec<Oop> {
        self.sems
            .iter()
            .filter(|(s, _)| *s == sig)
            .map(|(_, sem)| *sem)
            .collect()
    }

    /// True when some process may be woken by a signal.
    pub(crate) fn any(&self) -> bool {
        !self.sems.is_empty()
    }

    /// The semaphores, for the collector.
    pub(crate) fn visit(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.sems.iter_mut().for_each(|(_, sem)| visitor(sem));
    }
}
