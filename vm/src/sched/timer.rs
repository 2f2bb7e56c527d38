//! Time for the scheduler: the [`Clock`] (real, or virtual under `--virtual-time`), the
//! [`Timers`] of timed waits in deadline order, the [`Waker`] the VM thread sleeps on when
//! every process waits, and the [`TimerThread`] that sets the interrupt word when a
//! deadline passes while a process runs (so a waking process can preempt it).
//!
//! Nothing here polls. The VM thread sleeps on the waker's condition variable until the
//! next deadline (or a stop request); the timer thread sleeps on its own until the
//! earliest deadline it was told about.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::process::Pid;
use crate::interrupt::bits;

/// The scheduler's clock, in microseconds since the VM started.
pub(crate) struct Clock {
    start: Instant,
    /// Wall-clock microseconds since the Unix epoch at `start`: the epoch time is this
    /// plus [`Clock::now_us`], so under virtual time the wall clock moves with it.
    start_epoch_us: i64,
    /// Virtual time: the clock stands still while a process can run and jumps to the
    /// next deadline when none can.
    virtual_now: Option<u64>,
}

impl Clock {
    /// A real clock from `start`.
    pub(crate) fn new(start: Instant) -> Clock {
        let start_epoch_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64);
        Clock {
            start,
            start_epoch_us,
            virtual_now: None,
        }
    }

    /// Switches to virtual time, starting at 0.
    pub(crate) fn make_virtual(&mut self) {
        self.virtual_now = Some(0);
    }

    /// True under `--virtual-time`.
    pub(crate) fn is_virtual(&self) -> bool {
        self.virtual_now.is_some()
    }

    /// Microseconds since the start.
    pub(crate) fn now_us(&self) -> u64 {
        match self.virtual_now {
            Some(t) => t,
            None => self.start.elapsed().as_micros() as u64,
        }
    }

    /// Microseconds since the Unix epoch (UTC): the wall-clock time at the start plus
    /// the time this clock has advanced (so it is virtual under `--virtual-time`).
    pub(crate) fn epoch_us(&self) -> i64 {
        self.start_epoch_us + self.now_us() as i64
    }

    /// The instant of clock time `us` (real clock).
    pub(crate) fn instant_at(&self, us: u64) -> Instant {
        self.start + Duration::from_micros(us)
    }

    /// Virtual time: jumps forward to `us`.
    pub(crate) fn jump_to(&mut self, us: u64) {
        if let Some(t) = &mut self.virtual_now {
            *t = (*t).max(us);
        }
    }
}

/// A timed wait's deadline: (clock time, sequence number, process, its wait epoch).
type Entry = Reverse<(u64, u64, Pid, u64)>;

/// Deadlines of timed waits, earliest first; equal deadlines in the order they were set.
/// An entry whose process has waited again since (another epoch) is dropped when due.
#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl Timers {
    /// Adds a deadline; answers true when it is the new earliest.
    pub(crate) fn add(&mut self, at: u64, pid: Pid, epoch: u64) -> bool {
        self.seq += 1;
        let earliest = self.next().is_none_or(|n| at < n);
        self.heap.push(Reverse((at, self.seq, pid, epoch)));
        earliest
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse((at, ..))| *at)
    }

    /// Takes the earliest entry if it is due at `now`: (process, epoch).
    pub(crate) fn pop_due(&mut self, now: u64) -> Option<(Pid, u64)> {
        match self.heap.peek() {
            Some(Reverse((at, _, pid, epoch))) if *at <= now => {
                let r = (*pid, *epoch);
                self.heap.pop();
                Some(r)
            }
            _ => None,
        }
    }

    /// Forgets every deadline.
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
    }

    /// Bytes outside the heap.
    pub(crate) fn external_bytes(&self) -> usize {
        self.heap.capacity() * std::mem::size_of::<Entry>()
    }
}

/// What the VM thread sleeps on when no process can run: woken by a stop request
/// (`InterruptHandle::stop`), by an I/O thread (`io::runtime::Notifier`) or at the
/// deadline it chose.
#[derive(Default, Debug)]
pub(crate) struct Waker {
    lock: Mutex<()>,
    cv: Condvar,
}

impl Waker {
    /// Sleeps until `until` (`None`: no deadline) or until [`Waker::wake`], unless
    /// `word` already asks to stop or has I/O to deliver.
    pub(crate) fn sleep_until(&self, until: Option<Instant>, word: &AtomicU32) {
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let now = Instant::now();
            if until.is_some_and(|u| now >= u)
                || word.load(Ordering::Relaxed) & (bits::STOP | bits::IO) != 0
            {
                return;
            }
            guard = match until {
                Some(u) => {
                    self.cv
                        .wait_timeout(guard, u - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
                None => self.cv.wait(guard).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }

    /// Wakes a sleeping VM thread (after the interrupt word was set).
    pub(crate) fn wake(&self) {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.cv.notify_all();
    }
}

/// The deadline the timer thread waits for, and whether the VM is gone.
#[derive(Default)]
struct Posted {
    at: Option<Instant>,
    shutdown: bool,
}

/// A thread that sets [`bits::TIMERS`] in the interrupt word when the earliest deadline
/// passes, so the next safepoint moves due waiters to the ready queues (and a higher
/// priority one preempts). Started at the first timed wait; stopped with the VM.
pub(crate) struct TimerThread {
    shared: Arc<(Mutex<Posted>, Condvar)>,
}

impl TimerThread {
    /// Starts the thread for the VM whose interrupt word is `word`; with a time
    /// `slice`, it also sets [`bits::SLICE`] once per slice.
    pub(crate) fn start(word: Arc<AtomicU32>, slice: Option<Duration>) -> Option<TimerThread> {
        let shared: Arc<(Mutex<Posted>, Condvar)> = Arc::default();
        let theirs = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("cairn-timer".into())
            .spawn(move || timer_loop(&theirs, &word, slice))
            .ok()?;
        Some(TimerThread { shared })
    }

    /// Asks for the interrupt at clock time `us` (the earliest deadline now), replacing
    /// what was asked before.
    pub(crate) fn post(&self, clock: &Clock, us: u64) {
        let (lock, cv) = &*self.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).at = Some(clock.instant_at(us));
        cv.notify_one();
    }
}

impl Drop for TimerThread {
    fn drop(&mut self) {
        let (lock, cv) = &*self.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).shutdown = true;
        cv.notify_one();
    }
}

fn timer_loop(shared: &(Mutex<Posted>, Condvar), word: &AtomicU32, slice: Option<Duration>) {
    let (lock, cv) = shared;
    let mut next_slice = slice.map(|s| Instant::now() + s);
    let mut p = lock.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if p.shutdown {
            return;
        }
        let now = Instant::now();
        if p.at.is_some_and(|at| now >= at) {
            p.at = None;
            word.fetch_or(bits::TIMERS, Ordering::Relaxed);
        }
        if let (Some(at), Some(s)) = (next_slice, slice) {
            if now >= at {
                word.fetch_or(bits::SLICE, Ordering::Relaxed);
                next_slice = Some(now + s);
            }
        }
        p = match [p.at, next_slice].into_iter().flatten().min() {
            None => cv.wait(p).unwrap_or_else(|e| e.into_inner()),
            Some(at) => {
                cv.wait_timeout(p, at.saturating_duration_since(now))
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::{Clock, Timers};

    #[test]
    fn deadlines_come_due_in_order_and_equal_ones_as_set() {
        let mut t = Timers::default();
        assert!(t.add(50, 1, 0));
        assert!(t.add(10, 2, 0));
        assert!(!t.add(30, 3, 0));
        assert!(!t.add(10, 4, 0));
        assert_eq!(t.pop_due(5), None);
        let due: Vec<_> = std::iter::from_fn(|| t.pop_due(30)).collect();
        assert_eq!(due, [(2, 0), (4, 0), (3, 0)]);
        assert_eq!(t.next(), Some(50));
    }

    #[test]
    fn virtual_time_stands_still_and_only_jumps_forward() {
        let mut c = Clock::new(std::time::Instant::now());
        c.make_virtual();
        assert_eq!(c.now_us(), 0);
        c.jump_to(25_000);
        c.jump_to(10_000);
        assert_eq!(c.now_us(), 25_000);
    }
}
