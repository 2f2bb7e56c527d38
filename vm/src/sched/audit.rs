//! The process audit: for each live process its name, priority, state, what it waits
//! on and its top frames, as text (the deadlock report on stderr) or, for Smalltalk,
//! through `Processor allProcesses` and the Process primitives (`state`, `waitingOn`,
//! `frames`). Reading a process's stack does not stop it.

use cairn_gc::Oop;

use super::control::PROC_NAME;
use super::process::{Pid, RunState};
use crate::interp::frames::Frame;
use crate::vm::{Vm, VmError};

/// Frames of each process the deadlock report shows (innermost first).
const AUDIT_FRAMES: usize = 8;

impl Vm {
    /// The frames of `pid`, innermost last (the active process's are `State`'s).
    pub(crate) fn frames_of(&self, pid: Pid) -> &[Frame] {
        if pid == self.s.sched.active {
            &self.s.frames
        } else {
            self.s.sched.table.get(pid).map_or(&[], |p| &p.saved.frames)
        }
    }

    /// What the audit calls `pid`: its name, else `main` or `a Process`.
    pub(crate) fn process_name(&self, pid: Pid) -> String {
        let Some(p) = self.s.sched.table.get(pid) else {
            return "a Process".into();
        };
        if let Some(o) = p.oop {
            let name = self.heap.fetch(o, PROC_NAME);
            if self.is_byte_string(name) {
                return self.text_of(name);
            }
        }
        if pid == self.s.sched.main {
            "main".into()
        } else {
            "a Process".into()
        }
    }

    /// `a Mutex`, `a Semaphore`, ... with the owner of a Mutex.
    fn describe_waited(&self, o: Oop) -> String {
        let class = &self.s.class(self.class_of(o)).name;
        let article = if class.starts_with(['A', 'E', 'I', 'O', 'U']) {
            "an"
        } else {
            "a"
        };
        let mut text = format!("{article} {class}");
        if class == "Mutex" && o.is_ptr() && self.heap.slot_count(o) > 1 {
            let owner = self.heap.fetch(o, 1);
            if let Some(pid) = owner.is_ptr().then(|| self.pid_of(owner)).flatten() {
                text.push_str(&format!(" held by '{}'", self.process_name(pid)));
            }
        }
        text
    }

    /// The state `Process>>state` answers and the audit prints.
    pub(crate) fn process_state(&self, pid: Pid) -> &'static str {
        match self.s.sched.table.get(pid) {
            Some(p) if p.terminating && p.state != RunState::Terminated => "terminating",
            Some(p) => p.state.name(),
            None => RunState::Terminated.name(),
        }
    }

    /// The audit of every live process, one block each.
    pub(crate) fn process_audit(&self) -> String {
        let sched = &self.s.sched;
        let pids: Vec<Pid> = sched
            .table
            .pids()
            .filter(|&pid| {
                sched
                    .table
                    .get(pid)
                    .is_some_and(|p| p.state != RunState::Terminated)
            })
            .collect();
        let mut out = format!("process audit: {} processes\n", pids.len());
        for pid in pids {
            let p = sched.table.get(pid).expect("listed");
            out.push_str(&format!(
                "  '{}' priority {} {}",
                self.process_name(pid),
                p.priority,
                self.process_state(pid)
            ));
            if let Some(o) = p.waiting_for.or(p.waiting_on) {
                out.push_str(&format!(" on {}", self.describe_waited(o)));
            }
            if let Some(at) = p.deadline {
                let left = at.saturating_sub(sched.clock.now_us()) / 1000;
                out.push_str(&format!(" (times out in {left} ms)"));
            }
            out.push('\n');
            for line in self.trace_of(self.frames_of(pid), AUDIT_FRAMES, 0).lines() {
                out.push_str(&format!("    {}\n", line.trim_start()));
            }
        }
        out
    }

    /// Every process waits and no deadline can wake one: the error that ends the run,
    /// carrying the audit.
    #[cold]
    pub(crate) fn deadlock(&self) -> VmError {
        VmError::Deadlock(self.process_audit())
    }
}
