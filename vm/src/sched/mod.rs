//! The green-thread scheduler (docs/design/processes.md): Smalltalk processes, each with
//! its own managed stack, run one at a time on the VM thread and switch only at
//! safepoints: inside a primitive (`Semaphore>>wait`, `signal`, `Processor yield`,
//! `Process>>resume`, ...) or at the interpreter's existing safepoint checks (method
//! entry and loop back-edges) when the interrupt word asks for it.
//!
//! Parts: [`process`] (the record of one process and the table of all), [`semaphore`]
//! (wait queues, signal, wait with a timeout), [`control`] (make, resume, suspend,
//! terminate a process, its priority), [`timer`] (the clock, virtual time,
//! deadlines, the idle sleep and the timer thread), [`audit`] (the process audit and the
//! deadlock report). This file owns the [`Scheduler`] state, the ready queues, and the
//! one place where processes are switched ([`Vm::switch_to`]).

pub(crate) mod audit;
pub(crate) mod control;
pub(crate) mod finalization;
pub(crate) mod process;
pub(crate) mod semaphore;
pub(crate) mod timer;

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::time::Instant;

use cairn_gc::Oop;

use crate::interp::frames::{Pushed, StackLimits};
use crate::interrupt::bits;
use crate::vm::{Vm, VmError, VmResult};

use process::{Pid, Process, RunState, Stack, Table};
use semaphore::WaitQueues;
use timer::{Clock, TimerThread, Timers};

/// Runnable processes by priority: one FIFO per level and a bit per non-empty level.
pub(crate) struct ReadyQueues {
    queues: Vec<VecDeque<Pid>>,
    levels: u128,
}

impl ReadyQueues {
    fn new() -> ReadyQueues {
        ReadyQueues {
            queues: (0..=process::MAX_PRIORITY)
                .map(|_| VecDeque::new())
                .collect(),
            levels: 0,
        }
    }

    /// Queues `pid` at `priority`, behind (or, preempted, before) the others there.
    fn push(&mut self, pid: Pid, priority: u8, front: bool) {
        let q = &mut self.queues[priority as usize];
        if front {
            q.push_front(pid);
        } else {
            q.push_back(pid);
        }
        self.levels |= 1 << priority;
    }

    /// The highest priority with a runnable process.
    pub(crate) fn highest(&self) -> Option<u8> {
        (self.levels != 0).then(|| 127 - self.levels.leading_zeros() as u8)
    }

    /// Takes the first process of the highest priority.
    fn pop_highest(&mut self) -> Option<Pid> {
        let level = self.highest()?;
        let q = &mut self.queues[level as usize];
        let pid = q.pop_front();
        if q.is_empty() {
            self.levels &= !(1 << level);
        }
        pid
    }

    /// Takes `pid` out of the queue of `priority`.
    fn remove(&mut self, pid: Pid, priority: u8) {
        let q = &mut self.queues[priority as usize];
        q.retain(|&p| p != pid);
        if q.is_empty() {
            self.levels &= !(1 << priority);
        }
    }

    fn clear(&mut self) {
        self.queues.iter_mut().for_each(VecDeque::clear);
        self.levels = 0;
    }
}

/// Everything the scheduler keeps (in `State`, so that the collector reaches the
/// suspended stacks through `State`'s root set).
pub(crate) struct Scheduler {
    /// Every live process.
    pub(crate) table: Table,
    /// The running process (its stack is `State`'s).
    pub(crate) active: Pid,
    /// The process that runs when the VM starts; the program ends when it ends.
    pub(crate) main: Pid,
    /// The process whose `Vm::run` is in progress, and that run's base depth: the run
    /// ends when this process's frames drop to it.
    pub(crate) owner: Pid,
    pub(crate) run_base: usize,
    /// Runnable processes.
    pub(crate) ready: ReadyQueues,
    /// Semaphores' waiters.
    pub(crate) waits: WaitQueues,
    /// Deadlines of timed waits.
    pub(crate) timers: Timers,
    /// The scheduler's clock (`System>>time` reads it too).
    pub(crate) clock: Clock,
    /// Started at the first timed wait (real time only).
    thread: Option<TimerThread>,
    /// The time slice among equal priorities, in microseconds (0 = none).
    pub(crate) slice_us: u64,
    /// The Semaphore signalled after collections that cleared weak references.
    pub(crate) finalization: finalization::Finalization,
}

impl Scheduler {
    /// The scheduler of a new VM: only the main process, running.
    pub(crate) fn new(start: Instant, limits: StackLimits) -> Scheduler {
        let mut table = Table::default();
        let main = table.add(Process::main(limits));
        Scheduler {
            table,
            active: main,
            main,
            owner: main,
            run_base: 0,
            ready: ReadyQueues::new(),
            waits: WaitQueues::default(),
            timers: Timers::default(),
            clock: Clock::new(start),
            thread: None,
            slice_us: 0,
            finalization: Default::default(),
        }
    }

    /// The Oops of every process that does not run, and of the wait queues.
    pub(crate) fn visit(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        self.table.iter_mut().for_each(|p| p.visit(visitor));
        self.waits.visit(visitor);
        self.finalization.visit(visitor);
    }

    /// Bytes outside the heap: records, saved stacks, queues, deadlines.
    pub(crate) fn external_bytes(&self) -> usize {
        self.table
            .iter()
            .map(Process::external_bytes)
            .sum::<usize>()
            + self.waits.external_bytes()
            + self.timers.external_bytes()
    }

    /// The active process's priority.
    pub(crate) fn active_priority(&self) -> u8 {
        self.table.get(self.active).map_or(0, |p| p.priority)
    }
}

impl Vm {
    /// Moves the running stack out of `State` (and `Vm::limits`).
    fn take_stack(&mut self) -> Stack {
        let s = &mut self.s;
        Stack {
            slots: std::mem::take(&mut s.stack),
            sp: s.sp,
            frames: std::mem::take(&mut s.frames),
            unwinds: std::mem::take(&mut s.unwinds),
            unwind_values: std::mem::take(&mut s.unwind_values),
            limits: self.limits,
        }
    }

    /// Makes `stack` the running one, where the interpreter and compiled code find it
    /// (`TierLayout::stack_base` follows the slot vector).
    fn put_stack(&mut self, stack: Stack) {
        let s = &mut self.s;
        s.stack = stack.slots;
        s.sp = stack.sp;
        s.frames = stack.frames;
        s.unwinds = stack.unwinds;
        s.unwind_values = stack.unwind_values;
        s.stack_base = s.stack.as_mut_ptr();
        s.stack_slots = s.stack.len();
        self.limits = stack.limits;
    }

    /// The process switch, the only one: the active process's stack goes to its record
    /// (or away, when it ended) and `next`'s comes in. A process that never ran gets its
    /// block's frame. Called only where the dispatch loop reloads the top frame next (a
    /// primitive answering `Done`, a safepoint): docs/design/jit.md §10.
    pub(crate) fn switch_to(&mut self, next: Pid) -> VmResult<()> {
        let cur = self.s.sched.active;
        if cur == next {
            self.s.sched.table.at(cur).state = RunState::Running;
            return Ok(());
        }
        let out = self.take_stack();
        let sched = &mut self.s.sched;
        if sched.table.at(cur).state == RunState::Terminated {
            sched.table.remove(cur);
        } else {
            sched.table.at(cur).saved = out;
        }
        let p = sched.table.at(next);
        p.state = RunState::Running;
        let fresh = !p.started;
        p.started = true;
        let limits = p.saved.limits;
        let incoming = std::mem::replace(&mut p.saved, Stack::empty(limits));
        sched.active = next;
        self.s.floor = if next == sched.owner {
            sched.run_base
        } else {
            0
        };
        self.put_stack(incoming);
        if fresh {
            self.start_process()?;
        }
        Ok(())
    }

    /// Pushes the frame of a new process's block (slot 0). A block that no longer
    /// takes no arguments (`become:`) leaves the process with no frame: it ends.
    fn start_process(&mut self) -> VmResult<()> {
        let closure = self.s.stack[0];
        if self.block_arity(closure) != Some(0) {
            return Ok(());
        }
        match self.push_block_frame(0, 0)? {
            Pushed::Ok => Ok(()),
            Pushed::Overflow => Err(VmError::Fatal("no room for a new process's frame".into())),
        }
    }

    /// The active process cannot go on (it waits, was suspended or ended): run the
    /// next ready one, sleeping until a deadline when none is ready.
    pub(crate) fn reschedule(&mut self) -> VmResult<()> {
        loop {
            if let Some(next) = self.s.sched.ready.pop_highest() {
                return self.switch_to(next);
            }
            self.idle()?;
        }
    }

    /// No process is ready: wait for the next deadline (virtual time: jump to it) or
    /// for I/O, and wake the waiters. With no deadline and nothing that I/O or a signal
    /// could wake, nothing can ever run again: a deadlock.
    fn idle(&mut self) -> VmResult<()> {
        if self.take_finalization_request() {
            // The finalization process may be ready now.
            return Ok(());
        }
        let next = self.s.sched.timers.next();
        let io_pending = self.s.io.can_wake();
        if next.is_none() && !io_pending {
            return Err(self.deadlock());
        }
        let clock = &mut self.s.sched.clock;
        match next {
            Some(at) if clock.is_virtual() => clock.jump_to(at),
            _ => {
                let until = next.map(|at| clock.instant_at(at));
                self.waker.sleep_until(until, &self.interrupt);
                if self.interrupt.load(Ordering::Relaxed) & bits::STOP != 0 {
                    self.interrupt.swap(0, Ordering::Relaxed);
                    return Err(VmError::Interrupted);
                }
            }
        }
        if self.interrupt.fetch_and(!bits::IO, Ordering::Relaxed) & bits::IO != 0 {
            self.deliver_io()?;
        }
        self.fire_due_timers()
    }

    /// Times out every wait whose deadline has passed; tells the timer thread the next.
    pub(crate) fn fire_due_timers(&mut self) -> VmResult<()> {
        let now = self.s.sched.clock.now_us();
        while let Some((pid, epoch)) = self.s.sched.timers.pop_due(now) {
            self.time_out(pid, epoch)?;
        }
        let sched = &self.s.sched;
        if let (Some(next), Some(thread)) = (sched.timers.next(), &sched.thread) {
            thread.post(&sched.clock, next);
        }
        Ok(())
    }

    /// Records a deadline of `pid`'s wait `epoch`; a new earliest one goes to the timer
    /// thread (started now if needed), so that it interrupts a running process.
    pub(crate) fn add_timer(&mut self, at: u64, pid: Pid, epoch: u64) {
        let sched = &mut self.s.sched;
        if !sched.timers.add(at, pid, epoch) || sched.clock.is_virtual() {
            return;
        }
        self.start_timer_thread();
        let sched = &self.s.sched;
        if let Some(thread) = &sched.thread {
            thread.post(&sched.clock, at);
        }
    }

    /// Starts the timer thread unless it runs (real time only).
    pub(crate) fn start_timer_thread(&mut self) {
        let sched = &mut self.s.sched;
        if sched.thread.is_none() && !sched.clock.is_virtual() {
            let slice =
                (sched.slice_us > 0).then(|| std::time::Duration::from_micros(sched.slice_us));
            sched.thread = TimerThread::start(std::sync::Arc::clone(&self.interrupt), slice);
        }
    }

    /// Puts `pid` at the back of its priority's ready queue.
    pub(crate) fn make_ready(&mut self, pid: Pid) {
        let p = self.s.sched.table.at(pid);
        p.state = RunState::Ready;
        let priority = p.priority;
        self.s.sched.ready.push(pid, priority, false);
    }

    /// Makes `pid` ready; it runs at once when its priority is above the active one's.
    pub(crate) fn wake(&mut self, pid: Pid) -> VmResult<()> {
        self.make_ready(pid);
        self.preempt_if_outranked()
    }

    /// Switches to the highest ready process if it outranks the running one, which
    /// goes first in its own queue.
    pub(crate) fn preempt_if_outranked(&mut self) -> VmResult<()> {
        let sched = &mut self.s.sched;
        let active = sched.active;
        let mine = sched.active_priority();
        if sched.table.at(active).state != RunState::Running
            || sched.ready.highest().is_none_or(|h| h <= mine)
        {
            return Ok(());
        }
        sched.table.at(active).state = RunState::Ready;
        sched.ready.push(active, mine, true);
        self.reschedule()
    }

    /// `Processor yield`: the active process goes behind the others of its priority.
    pub(crate) fn yield_active(&mut self) -> VmResult<()> {
        let sched = &mut self.s.sched;
        let active = sched.active;
        let mine = sched.active_priority();
        if sched.ready.highest().is_none_or(|h| h < mine) {
            return Ok(());
        }
        sched.table.at(active).state = RunState::Ready;
        sched.ready.push(active, mine, false);
        self.reschedule()
    }

    /// Takes a ready process out of its queue (suspend, terminate, new priority).
    pub(crate) fn unready(&mut self, pid: Pid) {
        let priority = self.s.sched.table.at(pid).priority;
        self.s.sched.ready.remove(pid, priority);
    }

    /// The safepoint's part: due deadlines wake their waiters, and a process that
    /// outranks the running one (or, with a time slice, one of equal priority) runs.
    #[cold]
    pub(crate) fn schedule_at_safepoint(&mut self, requests: u32) -> VmResult<()> {
        if requests & bits::TIMERS != 0 {
            self.fire_due_timers()?;
        }
        if requests & bits::SLICE != 0 {
            return self.yield_active();
        }
        self.preempt_if_outranked()
    }

    /// The bottom frame of a process other than the run's owner returned: the process
    /// ends and the next one runs.
    #[cold]
    pub(crate) fn process_ended(&mut self) -> VmResult<()> {
        self.s.sp = 0;
        let pid = self.s.sched.active;
        self.s.sched.table.at(pid).state = RunState::Terminated;
        self.reschedule()
    }

    /// A run starts in the active process at frame depth `base`; answers what to
    /// restore when it ends.
    pub(crate) fn enter_run(&mut self, base: usize) -> (Pid, usize, usize) {
        let sched = &mut self.s.sched;
        let outer = (sched.owner, sched.run_base, self.s.floor);
        sched.owner = sched.active;
        sched.run_base = base;
        self.s.floor = base;
        outer
    }

    /// The run that [`Vm::enter_run`] started has ended.
    pub(crate) fn leave_run(&mut self, outer: (Pid, usize, usize)) {
        let sched = &mut self.s.sched;
        (sched.owner, sched.run_base, self.s.floor) = outer;
    }

    /// Back to the main process alone (`Vm::abandon_run`): every other process, wait
    /// queue and deadline is dropped; `State`'s stack becomes the main process's.
    pub(crate) fn reset_processes(&mut self) {
        let sched = &mut self.s.sched;
        let main = sched.main;
        sched.table.retain_only(main);
        let p = sched.table.at(main);
        p.state = RunState::Running;
        p.waiting_on = None;
        p.waiting_for = None;
        p.deadline = None;
        p.terminating = false;
        p.saved = Stack::empty(self.limits);
        sched.active = main;
        sched.owner = main;
        sched.run_base = 0;
        sched.ready.clear();
        sched.waits.clear();
        sched.timers.clear();
        self.s.io.forget_requests();
        self.s.floor = 0;
    }

    /// The primitive's answer `value` replaces its receiver and `argc` arguments in the
    /// active process (before a switch, which leaves the stack for the next process).
    pub(crate) fn answer(&mut self, argc: usize, value: Oop) {
        self.s.sp -= argc;
        let top = self.s.sp - 1;
        self.set_slot(top, value);
    }
}

#[cfg(test)]
mod tests {
    use super::ReadyQueues;

    #[test]
    fn the_highest_priority_runs_first_and_equal_ones_in_turn() {
        let mut q = ReadyQueues::new();
        q.push(1, 40, false);
        q.push(2, 30, false);
        q.push(3, 40, false);
        q.push(4, 80, false);
        q.push(5, 40, true);
        assert_eq!(q.highest(), Some(80));
        let order: Vec<_> = std::iter::from_fn(|| q.pop_highest()).collect();
        assert_eq!(order, [4, 5, 1, 3, 2]);
        assert_eq!(q.highest(), None);
    }

    #[test]
    fn a_removed_process_leaves_its_level_empty() {
        let mut q = ReadyQueues::new();
        q.push(7, 100, false);
        q.push(8, 1, false);
        q.remove(7, 100);
        assert_eq!(q.highest(), Some(1));
        q.remove(8, 1);
        assert_eq!(q.pop_highest(), None);
    }
}
