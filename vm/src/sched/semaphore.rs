//! Semaphores: excess signals in the Semaphore object, waiters in a Rust-side
//! [`WaitQueues`] entry that the Semaphore's `vmState` field names, first come first
//! served; `signal`, and `wait` with an optional timeout (the one wait every blocking
//! kernel operation uses: Mutex, Delay, SharedQueue).
//!
//! A queue remembers its semaphore (a root) and is used only when the Semaphore's
//! `vmState` names it *and* it names that Semaphore back, so a copied or forged
//! `vmState` is just "no waiters". A queue is freed when its last waiter leaves.

use std::collections::VecDeque;

use cairn_gc::Oop;

use super::process::{Pid, RunState};
use crate::vm::{Vm, VmResult};

/// Field indices of Semaphore (primitives.md "Object layouts").
pub(crate) const SEM_EXCESS: usize = 0;
/// See [`SEM_EXCESS`].
pub(crate) const SEM_VM_STATE: usize = 1;

/// One semaphore's waiters (a free entry has no semaphore and keeps its buffer, so a
/// wait does not allocate once the VM has waited that deep before).
struct WaitQueue {
    sem: Option<Oop>,
    waiters: VecDeque<Pid>,
}

/// Every semaphore that has waiters.
#[derive(Default)]
pub(crate) struct WaitQueues {
    queues: Vec<WaitQueue>,
    free: Vec<u32>,
}

impl WaitQueues {
    /// The queue `state` (a Semaphore's `vmState`) names, if it belongs to `sem`.
    fn find(&self, sem: Oop, state: Oop) -> Option<u32> {
        if !state.is_small_int() {
            return None;
        }
        let id = u32::try_from(state.as_small_int()).ok()?;
        match self.queues.get(id as usize) {
            Some(q) if q.sem == Some(sem) => Some(id),
            _ => None,
        }
    }

    /// A new empty queue for `sem`.
    fn open(&mut self, sem: Oop) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.queues[id as usize].sem = Some(sem);
                id
            }
            None => {
                self.queues.push(WaitQueue {
                    sem: Some(sem),
                    waiters: VecDeque::new(),
                });
                (self.queues.len() - 1) as u32
            }
        }
    }

    /// Takes `pid` out of queue `id`; answers the queue's semaphore if that closed it.
    fn remove(&mut self, id: u32, pid: Pid) -> Option<Oop> {
        let q = self.queues.get_mut(id as usize)?;
        q.waiters.retain(|&p| p != pid);
        let sem = q.sem;
        self.close_if_empty(id).then_some(sem).flatten()
    }

    fn close_if_empty(&mut self, id: u32) -> bool {
        let q = &mut self.queues[id as usize];
        let empty = q.sem.is_some() && q.waiters.is_empty();
        if empty {
            q.sem = None;
            self.free.push(id);
        }
        empty
    }

    /// The semaphores, for the collector.
    pub(crate) fn visit(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        for sem in self.queues.iter_mut().filter_map(|q| q.sem.as_mut()) {
            visitor(sem);
        }
    }

    /// Forgets every queue.
    pub(crate) fn clear(&mut self) {
        self.queues.clear();
        self.free.clear();
    }

    /// Bytes outside the heap.
    pub(crate) fn external_bytes(&self) -> usize {
        self.queues.capacity() * std::mem::size_of::<WaitQueue>()
            + self
                .queues
                .iter()
                .map(|q| q.waiters.capacity() * std::mem::size_of::<Pid>())
                .sum::<usize>()
    }
}

/// How long a wait may last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timeout {
    /// Until a signal.
    Never,
    /// At most this many milliseconds.
    Millis(u64),
}

impl Vm {
    /// The excess signals of a Semaphore (a non-SmallInteger counts as none).
    fn excess(&self, sem: Oop) -> i64 {
        let n = self.heap.fetch(sem, SEM_EXCESS);
        if n.is_small_int() {
            n.as_small_int().max(0)
        } else {
            0
        }
    }

    /// `Semaphore>>signal`: wakes the first waiter (which preempts the active process
    /// when its priority is higher), else counts an excess signal. The primitive's
    /// answer is already in place (a switch may follow).
    pub(crate) fn semaphore_signal(&mut self, sem: Oop) -> VmResult<()> {
        if self.semaphore_signal_ready(sem) {
            self.preempt_if_outranked()
        } else {
            Ok(())
        }
    }

    /// `signal` without a switch: the first waiter only becomes ready (answers true),
    /// else an excess signal is counted. For callers that must not switch (I/O
    /// completions, which may be delivered inside a primitive); the next scheduling
    /// point runs the waiter if it outranks the active process.
    pub(crate) fn semaphore_signal_ready(&mut self, sem: Oop) -> bool {
        match self.first_waiter(sem) {
            Some(pid) => {
                self.end_wait(pid);
                self.make_ready(pid);
                true
            }
            None => {
                let n = self
                    .excess(sem)
                    .saturating_add(1)
                    .min(cairn_gc::oop::SMALL_INT_MAX);
                self.heap.store(sem, SEM_EXCESS, Oop::small_int(n));
                false
            }
        }
    }

    /// Takes the first waiter out of `sem`'s queue (closing it when it empties).
    fn first_waiter(&mut self, sem: Oop) -> Option<Pid> {
        let state = self.heap.fetch(sem, SEM_VM_STATE);
        let id = self.s.sched.waits.find(sem, state)?;
        // Queues hold live waiters only (every way out of a wait leaves the queue);
        // the check keeps a broken promise from becoming a panic.
        let waiter = loop {
            let sched = &mut self.s.sched;
            let Some(pid) = sched.waits.queues[id as usize].waiters.pop_front() else {
                break None;
            };
            if sched
                .table
                .get(pid)
                .is_some_and(|p| p.state == RunState::Waiting && p.wait_queue == Some(id))
            {
                break Some(pid);
            }
        };
        if self.s.sched.waits.close_if_empty(id) {
            let nil = self.nil();
            self.heap.store(sem, SEM_VM_STATE, nil);
        }
        waiter
    }

    /// The wait primitives (`argc` arguments): takes an excess signal at once, else
    /// (unless the timeout is 0) blocks the active process on the receiver for
    /// `waiting_for`'s sake. The answer replaces receiver and arguments first; a
    /// timeout rewrites it to true in the waiter's stack.
    pub(crate) fn semaphore_wait(
        &mut self,
        argc: usize,
        timeout: Timeout,
        waiting_for: Oop,
    ) -> VmResult<()> {
        let sem = self.receiver(argc);
        let excess = self.excess(sem);
        // `wait` answers the semaphore; the timed variants whether they timed out.
        let answer = |vm: &Vm, timed_out: bool| {
            if argc == 0 {
                sem
            } else {
                vm.boolean(timed_out)
            }
        };
        if excess > 0 {
            self.heap.store(sem, SEM_EXCESS, Oop::small_int(excess - 1));
            let a = answer(self, false);
            self.answer(argc, a);
            return Ok(());
        }
        if timeout == Timeout::Millis(0) {
            let a = answer(self, true);
            self.answer(argc, a);
            return Ok(());
        }
        let a = answer(self, false);
        self.answer(argc, a);
        let pid = self.s.sched.active;
        let state = self.heap.fetch(sem, SEM_VM_STATE);
        let id = match self.s.sched.waits.find(sem, state) {
            Some(id) => id,
            None => {
                let id = self.s.sched.waits.open(sem);
                self.heap
                    .store(sem, SEM_VM_STATE, Oop::small_int(id as i64));
                id
            }
        };
        let waits = &mut self.s.sched.waits;
        waits.queues[id as usize].waiters.push_back(pid);
        let deadline = match timeout {
            Timeout::Never => None,
            Timeout::Millis(ms) => Some(
                self.s
                    .sched
                    .clock
                    .now_us()
                    .saturating_add(ms.saturating_mul(1000)),
            ),
        };
        let p = self.s.sched.table.at(pid);
        p.state = RunState::Waiting;
        p.waiting_on = Some(sem);
        p.waiting_for = Some(waiting_for);
        p.wait_queue = Some(id);
        p.wait_epoch += 1;
        p.deadline = deadline;
        let epoch = p.wait_epoch;
        if let Some(at) = deadline {
            self.add_timer(at, pid, epoch);
        }
        self.reschedule()
    }

    /// Takes a waiting process out of its semaphore's queue (a timeout, `suspend`,
    /// `terminate`) and clears its wait.
    pub(crate) fn leave_queue(&mut self, pid: Pid) {
        if let Some(id) = self.s.sched.table.at(pid).wait_queue {
            if let Some(sem) = self.s.sched.waits.remove(id, pid) {
                // The closed queue's number leaves the Semaphore (if it is still there).
                if self.heap.fetch(sem, SEM_VM_STATE) == Oop::small_int(id as i64) {
                    let nil = self.nil();
                    self.heap.store(sem, SEM_VM_STATE, nil);
                }
            }
        }
        self.end_wait(pid);
    }

    /// Forgets what `pid` waited on (its timer goes stale).
    fn end_wait(&mut self, pid: Pid) {
        let p = self.s.sched.table.at(pid);
        p.waiting_on = None;
        p.waiting_for = None;
        p.wait_queue = None;
        p.deadline = None;
        p.wait_epoch += 1;
    }

    /// A due timer of `pid`'s wait `epoch`: if it still waits that wait, it gives up:
    /// its wait answers true and it becomes ready.
    pub(crate) fn time_out(&mut self, pid: Pid, epoch: u64) -> VmResult<()> {
        match self.s.sched.table.get(pid) {
            Some(p) if p.state == RunState::Waiting && p.wait_epoch == epoch => {}
            _ => return Ok(()),
        }
        self.leave_queue(pid);
        // The answer slot: in `State` when the waiter is the active process (it blocked
        // and the VM sleeps in its stead), else in its saved stack.
        let t = self.s.specials.true_;
        let (slots, sp) = if pid == self.s.sched.active {
            (&mut self.s.stack, self.s.sp)
        } else {
            let saved = &mut self.s.sched.table.at(pid).saved;
            (&mut saved.slots, saved.sp)
        };
        if sp > 0 {
            slots[sp - 1] = t;
        }
        self.make_ready(pid);
        Ok(())
    }
}
