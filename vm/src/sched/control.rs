//! What the process primitives do to one process: make it (`Block>>newProcess`), find it
//! from its Process object, `resume`, `suspend`, `terminate`, `priority:`, and the
//! main process's Process object (made when first asked for).
//!
//! `terminate` unwinds the process's stack in that process, running its `ensure:` and
//! `ifCurtailed:` blocks: the terminated process runs at once (at least at the
//! terminator's priority), its last frame's return ends it, and the terminator, first
//! in its ready queue, goes on.

use cairn_gc::{ClassIndex, Format, Oop};

use super::process::{Pid, Process, RunState, MAX_PRIORITY, MIN_PRIORITY};
use crate::state::UnwindAction;
use crate::vm::{Vm, VmResult};

/// Field indices of Process (primitives.md "Object layouts").
pub(crate) const PROC_VM_STATE: usize = 0;
/// See [`PROC_VM_STATE`].
pub(crate) const PROC_PRIORITY: usize = 1;
/// See [`PROC_VM_STATE`].
pub(crate) const PROC_NAME: usize = 2;

impl Vm {
    /// The live process whose object is `oop` (its `vmState` names a record that names
    /// it back), if any.
    pub(crate) fn pid_of(&self, oop: Oop) -> Option<Pid> {
        let state = self.heap.fetch(oop, PROC_VM_STATE);
        if !state.is_small_int() {
            return None;
        }
        let pid = Pid::try_from(state.as_small_int()).ok()?;
        let p = self.s.sched.table.get(pid)?;
        (p.oop == Some(oop) && p.state != RunState::Terminated).then_some(pid)
    }

    /// A new Process object for `pid` at `priority`, named `name` (nil: unnamed).
    fn new_process_object(&mut self, pid: Pid, priority: u8) -> VmResult<Oop> {
        let class = ClassIndex(self.s.known.process);
        if self
            .s
            .classes
            .get(class.index())
            .is_none_or(|c| c.is_none())
        {
            // Reserved at boot, loaded at first use (the main process's object).
            self.load_global("Process")?;
        }
        let Some(info) = self.s.classes.get(class.index()).and_then(|c| c.as_ref()) else {
            return Err(crate::vm::VmError::Fatal(
                "the kernel has no class Process".into(),
            ));
        };
        let fields = info.fields.len();
        let p = self.alloc(class, Format::Fixed, fields, 0)?;
        self.heap
            .store(p, PROC_VM_STATE, Oop::small_int(pid as i64));
        self.heap
            .store(p, PROC_PRIORITY, Oop::small_int(priority as i64));
        Ok(p)
    }

    /// `Block>>newProcess`: a suspended process that will evaluate the zero-argument
    /// block `closure` (the receiver, at `sp - 1 - argc`) at the active priority.
    pub(crate) fn new_process(&mut self, argc: usize) -> VmResult<Oop> {
        let priority = self.s.sched.active_priority();
        // The pid is known only once the record exists: the object first (it may
        // collect), the record with the re-read closure next.
        let p = self.new_process_object(0, priority)?;
        let closure = self.receiver(argc);
        let limits = self.limits.normal();
        let pid = self
            .s
            .sched
            .table
            .add(Process::new(p, priority, closure, limits));
        self.heap
            .store(p, PROC_VM_STATE, Oop::small_int(pid as i64));
        Ok(p)
    }

    /// The Process object of `pid`, made now for the main process if it has none yet.
    pub(crate) fn process_object(&mut self, pid: Pid) -> VmResult<Oop> {
        if let Some(o) = self.s.sched.table.at(pid).oop {
            return Ok(o);
        }
        let priority = self.s.sched.table.at(pid).priority;
        let p = self.new_process_object(pid, priority)?;
        self.s.scratch.push(p);
        let name = self.new_string(b"main");
        let p = self.s.scratch.pop().expect("pushed above");
        self.heap.store(p, PROC_NAME, name?);
        self.s.sched.table.at(pid).oop = Some(p);
        Ok(p)
    }

    /// `Process>>resume`: a suspended process becomes ready (and runs at once if it
    /// outranks the active one); any other live process is left as it is.
    pub(crate) fn resume(&mut self, pid: Pid) -> VmResult<()> {
        if self.s.sched.table.at(pid).state != RunState::Suspended {
            return Ok(());
        }
        self.wake(pid)
    }

    /// `Process>>suspend`: off its ready or wait queue (a waiter gives up its place;
    /// resumed, its wait answers as if signalled); the active process stops and the
    /// next one runs.
    pub(crate) fn suspend(&mut self, pid: Pid) -> VmResult<()> {
        match self.s.sched.table.at(pid).state {
            RunState::Ready => self.unready(pid),
            RunState::Waiting => self.leave_queue(pid),
            RunState::Running => {
                self.s.sched.table.at(pid).state = RunState::Suspended;
                return self.reschedule();
            }
            RunState::Suspended | RunState::Terminated => return Ok(()),
        }
        self.s.sched.table.at(pid).state = RunState::Suspended;
        Ok(())
    }

    /// `Process>>terminate`: see the module doc. A process that never ran just ends.
    pub(crate) fn terminate(&mut self, pid: Pid) -> VmResult<()> {
        let active = self.s.sched.active;
        let p = self.s.sched.table.at(pid);
        match p.state {
            RunState::Terminated => return Ok(()),
            RunState::Ready => self.unready(pid),
            RunState::Waiting => self.leave_queue(pid),
            RunState::Running | RunState::Suspended => {}
        }
        if pid == active {
            return self.unwind_active_to_end();
        }
        let p = self.s.sched.table.at(pid);
        if !p.started {
            p.state = RunState::Terminated;
            self.s.sched.table.remove(pid);
            return Ok(());
        }
        let mine = self.s.sched.active_priority();
        let p = self.s.sched.table.at(pid);
        p.priority = p.priority.max(mine);
        let sched = &mut self.s.sched;
        sched.table.at(active).state = RunState::Ready;
        sched.ready.push(active, mine, true);
        self.switch_to(pid)?;
        self.unwind_active_to_end()
    }

    /// Unwinds the active process to its bottom (the run's base for the run's owner),
    /// running its unwind blocks; its end follows when the last frame is gone.
    pub(crate) fn unwind_active_to_end(&mut self) -> VmResult<()> {
        let pid = self.s.sched.active;
        self.s.sched.table.at(pid).terminating = true;
        let keep = self.s.floor;
        if self.s.frames.len() <= keep {
            return Ok(());
        }
        let nil = self.nil();
        self.start_unwind(keep, UnwindAction::Finish, nil)
    }

    /// A priority `priority:` accepts (1..=100).
    pub(crate) fn valid_priority(value: Oop) -> Option<u8> {
        let n = value.is_small_int().then(|| value.as_small_int())?;
        (MIN_PRIORITY..=MAX_PRIORITY)
            .contains(&n)
            .then_some(n as u8)
    }

    /// `Process>>priority:`: stored in the record and the object; the queues follow,
    /// and the highest ready process runs if it now outranks the active one.
    pub(crate) fn set_priority(&mut self, pid: Pid, priority: u8) -> VmResult<()> {
        let ready = self.s.sched.table.at(pid).state == RunState::Ready;
        if ready {
            self.unready(pid);
        }
        self.s.sched.table.at(pid).priority = priority;
        if let Some(o) = self.s.sched.table.at(pid).oop {
            self.heap
                .store(o, PROC_PRIORITY, Oop::small_int(priority as i64));
        }
        if ready {
            self.make_ready(pid);
        }
        self.preempt_if_outranked()
    }
}
