//! One Smalltalk process on the Rust side: its [`Stack`] (the slot stack, `Frame`
//! records, pending unwinds and stack limits that live in `State` while it runs), its
//! priority and [`RunState`], what it waits on, and the table of all live processes.
//!
//! A process that does not run keeps its stack here; the running one's vectors are in
//! `State` and its record holds empty ones (`Vm::switch_to` moves them in one place).
//! A new process holds one slot (its block) and no frame: a few hundred bytes with the
//! record, until its first run pushes the block's frame and the stack grows.

use cairn_gc::Oop;

use crate::interp::frame_stack::FrameStack;
use crate::interp::frames::{Frame, StackLimits};
use crate::state::Unwind;

/// A process's index in the [`Table`]; its Process object's `vmState` holds it.
pub(crate) type Pid = u32;

/// Lowest and highest priority (Squeak's levels are 10..80 inside this range).
pub(crate) const MIN_PRIORITY: i64 = 1;
/// See [`MIN_PRIORITY`].
pub(crate) const MAX_PRIORITY: i64 = 100;
/// `Processor userSchedulingPriority`: the main process's and the default.
pub(crate) const USER_PRIORITY: u8 = 40;

/// Where a process stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunState {
    /// It is the active process.
    Running,
    /// In a ready queue.
    Ready,
    /// In a semaphore's wait queue (maybe with a deadline).
    Waiting,
    /// Made by `newProcess` and not resumed, or suspended.
    Suspended,
    /// It ended; its record is freed once its stack is no longer the active one.
    Terminated,
}

impl RunState {
    /// The name `Process>>state` answers.
    pub(crate) fn name(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Ready => "ready",
            RunState::Waiting => "waiting",
            RunState::Suspended => "suspended",
            RunState::Terminated => "terminated",
        }
    }
}

/// The execution state that is in `State` (and `Vm::limits`) while a process runs.
pub(crate) struct Stack {
    /// Slots; `0..sp` are live.
    pub(crate) slots: Vec<Oop>,
    /// Next free slot.
    pub(crate) sp: usize,
    /// Activation records.
    pub(crate) frames: FrameStack,
    /// Pending unwinds and their values.
    pub(crate) unwinds: Vec<Unwind>,
    /// See `unwinds`.
    pub(crate) unwind_values: Vec<Oop>,
    /// Where its next `StackOverflow` is signalled.
    pub(crate) limits: StackLimits,
}

impl Stack {
    /// No slots, no frames (a running process's record holds this).
    pub(crate) fn empty(limits: StackLimits) -> Stack {
        Stack {
            slots: Vec::new(),
            sp: 0,
            frames: FrameStack::default(),
            unwinds: Vec::new(),
            unwind_values: Vec::new(),
            limits,
        }
    }
}

/// One live process.
pub(crate) struct Process {
    /// The Process object (None for the main process until someone asks for it).
    pub(crate) oop: Option<Oop>,
    /// 1..=100.
    pub(crate) priority: u8,
    /// Where it stands.
    pub(crate) state: RunState,
    /// False until its block's frame is pushed (at its first run).
    pub(crate) started: bool,
    /// Its stack while it does not run (empty vectors while it does).
    pub(crate) saved: Stack,
    /// The semaphore it waits on.
    pub(crate) waiting_on: Option<Oop>,
    /// What the wait is for, as the audit names it (a Mutex, SharedQueue, Delay or the
    /// semaphore itself).
    pub(crate) waiting_for: Option<Oop>,
    /// The wait queue it is in (`semaphore::WaitQueues`), found without trusting the
    /// Semaphore's `vmState`, which a program may overwrite.
    pub(crate) wait_queue: Option<u32>,
    /// Counts its waits: a timer set for an earlier wait is stale.
    pub(crate) wait_epoch: u64,
    /// The deadline of its current wait (scheduler clock, microseconds), if timed.
    pub(crate) deadline: Option<u64>,
    /// Set while `terminate` unwinds it.
    pub(crate) terminating: bool,
}

impl Process {
    /// A record for a process that has not run, whose stack holds `closure`.
    pub(crate) fn new(oop: Oop, priority: u8, closure: Oop, limits: StackLimits) -> Self {
        let mut saved = Stack::empty(limits);
        saved.slots.push(closure);
        saved.sp = 1;
        Process::record(Some(oop), priority, RunState::Suspended, saved)
    }

    /// The record of the process that runs when the VM starts (the main process): its
    /// stack is the one already in `State`.
    pub(crate) fn main(limits: StackLimits) -> Self {
        let mut p = Process::record(None, USER_PRIORITY, RunState::Running, Stack::empty(limits));
        p.started = true;
        p
    }

    /// A record waiting on nothing, with no deadline.
    fn record(oop: Option<Oop>, priority: u8, state: RunState, saved: Stack) -> Self {
        Process {
            oop,
            priority,
            state,
            started: false,
            saved,
            waiting_on: None,
            waiting_for: None,
            wait_queue: None,
            wait_epoch: 0,
            deadline: None,
            terminating: false,
        }
    }

    /// The Oops it holds for the collector: its object, what it waits on, and its
    /// saved stack's live slots and unwind values.
    pub(crate) fn visit(&mut self, visitor: &mut dyn FnMut(&mut Oop)) {
        for o in [&mut self.oop, &mut self.waiting_on, &mut self.waiting_for]
            .into_iter()
            .flatten()
        {
            visitor(o);
        }
        let s = &mut self.saved;
        s.slots[..s.sp].iter_mut().for_each(&mut *visitor);
        s.unwind_values.iter_mut().for_each(&mut *visitor);
    }

    /// Bytes its saved stack holds outside the heap (the memory budget).
    pub(crate) fn external_bytes(&self) -> usize {
        use std::mem::size_of;
        let s = &self.saved;
        size_of::<Process>()
            + (s.slots.capacity() + s.unwind_values.capacity()) * size_of::<Oop>()
            + s.frames.capacity() * size_of::<Frame>()
            + s.unwinds.capacity() * size_of::<Unwind>()
    }
}

/// The live processes by [`Pid`], with a free list.
#[derive(Default)]
pub(crate) struct Table {
    slots: Vec<Option<Process>>,
    free: Vec<Pid>,
}

impl Table {
    /// Adds a record; answers its pid.
    pub(crate) fn add(&mut self, p: Process) -> Pid {
        match self.free.pop() {
            Some(pid) => {
                self.slots[pid as usize] = Some(p);
                pid
            }
            None => {
                self.slots.push(Some(p));
                (self.slots.len() - 1) as Pid
            }
        }
    }

    /// Frees a record.
    pub(crate) fn remove(&mut self, pid: Pid) {
        if self.slots[pid as usize].take().is_some() {
            self.free.push(pid);
        }
    }

    /// The record of `pid`, if live.
    pub(crate) fn get(&self, pid: Pid) -> Option<&Process> {
        self.slots.get(pid as usize).and_then(|p| p.as_ref())
    }

    /// See [`Table::get`].
    pub(crate) fn get_mut(&mut self, pid: Pid) -> Option<&mut Process> {
        self.slots.get_mut(pid as usize).and_then(|p| p.as_mut())
    }

    /// The record of a pid known to be live.
    pub(crate) fn at(&mut self, pid: Pid) -> &mut Process {
        self.get_mut(pid).expect("a live process")
    }

    /// Live pids, lowest first.
    pub(crate) fn pids(&self) -> impl Iterator<Item = Pid> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_some())
            .map(|(i, _)| i as Pid)
    }

    /// Every live record.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Process> {
        self.slots.iter_mut().flatten()
    }

    /// Every live record.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Process> {
        self.slots.iter().flatten()
    }

    /// Drops every record but `keep`'s.
    pub(crate) fn retain_only(&mut self, keep: Pid) {
        for pid in 0..self.slots.len() as Pid {
            if pid != keep {
                self.remove(pid);
            }
        }
    }
}
