//! A wall-clock limit for generated programs: one thread per runner stops the VM's
//! running program (`InterruptHandle::stop`) when its deadline passes, so a program
//! that loops for minutes by accident (a factorial of 1e300, a `resume:` feeding a loop)
//! ends as `Outcome::Interrupted` instead of stalling the fuzzer.
//!
//! The deadline and the handle live under one lock, and the watchdog stops the VM only
//! while holding it, so [`Watchdog::disarm`] (clear, then withdraw any request) leaves
//! no request behind for the next program.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cairn_vm::InterruptHandle;

#[derive(Default)]
struct Armed {
    deadline: Option<(Instant, InterruptHandle)>,
    quit: bool,
}

/// The watchdog thread and its shared state.
pub struct Watchdog {
    shared: Arc<(Mutex<Armed>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// Starts the (idle) watchdog thread.
    pub fn new() -> Watchdog {
        let shared = Arc::new((Mutex::new(Armed::default()), Condvar::new()));
        let theirs = Arc::clone(&shared);
        let thread = std::thread::spawn(move || watch(&theirs));
        Watchdog {
            shared,
            thread: Some(thread),
        }
    }

    /// Stops the program `handle` belongs to unless [`Watchdog::disarm`] comes within
    /// `limit`.
    pub fn arm(&self, handle: InterruptHandle, limit: Duration) {
        let (lock, cv) = &*self.shared;
        lock.lock().expect("watchdog lock").deadline = Some((Instant::now() + limit, handle));
        cv.notify_one();
    }

    /// Cancels the deadline and withdraws a stop request the run has not seen (the
    /// watchdog may have fired just as the program ended).
    pub fn disarm(&self, handle: &InterruptHandle) {
        let (lock, _) = &*self.shared;
        let mut armed = lock.lock().expect("watchdog lock");
        armed.deadline = None;
        handle.cancel();
    }
}

impl Default for Watchdog {
    fn default() -> Self {
        Watchdog::new()
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let (lock, cv) = &*self.shared;
        if let Ok(mut armed) = lock.lock() {
            armed.quit = true;
        }
        cv.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn watch(shared: &(Mutex<Armed>, Condvar)) {
    let (lock, cv) = shared;
    let mut armed = lock.lock().expect("watchdog lock");
    loop {
        if armed.quit {
            return;
        }
        let now = Instant::now();
        armed = match &armed.deadline {
            None => cv.wait(armed).expect("watchdog lock"),
            Some((at, handle)) if *at <= now => {
                handle.stop();
                armed.deadline = None;
                armed
            }
            Some((at, _)) => {
                let wait = *at - now;
                cv.wait_timeout(armed, wait).expect("watchdog lock").0
            }
        };
    }
}
