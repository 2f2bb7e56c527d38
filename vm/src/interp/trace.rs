//! Smalltalk stack traces: one `Class>>selector (file:line)` per frame, innermost first.

use crate::interp::frames::Frame;
use crate::vm::Vm;

impl Vm {
    /// The stack trace of the active process.
    pub(crate) fn stack_trace(&self) -> String {
        self.trace_of(&self.s.frames, 40, 10)
    }

    /// A trace of `frames` (innermost last) as lines `\tClass>>selector (file:line)`,
    /// innermost first; a stack deeper than `head + tail` shows its `head` innermost
    /// and `tail` outermost frames.
    pub(crate) fn trace_of(&self, frames: &[Frame], head: usize, tail: usize) -> String {
        let mut out = String::new();
        let n = frames.len();
        for i in (0..n).rev() {
            let from_top = n - 1 - i;
            if n > head + tail && from_top >= head && i >= tail {
                if from_top == head {
                    out.push_str(&format!("\t... {} frames omitted ...\n", n - head - tail));
                }
                continue;
            }
            out.push('\t');
            out.push_str(&self.frame_description(frames, i));
            out.push('\n');
        }
        out
    }

    /// `Class>>selector (file:line)` (or `[] in ...` for a block) of `frames[i]`,
    /// `frames` innermost last.
    pub(crate) fn frame_description(&self, frames: &[Frame], i: usize) -> String {
        let f = &frames[i];
        // SAFETY: frames name live MethodInfos.
        let m = unsafe { &*f.method };
        let holder = &self.s.class(m.holder).name;
        let sel = self.symbol_name(m.selector);
        // The saved pc is past the instruction that was executing.
        let pc = if i + 1 == frames.len() {
            f.pc as usize
        } else {
            (f.pc as usize).saturating_sub(1)
        };
        let line = m.line_at(pc);
        let prefix = if m.is_block { "[] in " } else { "" };
        format!("{prefix}{holder}>>{sel} ({}:{line})", m.file)
    }

    /// Prints the stack trace to stderr.
    pub(crate) fn print_stack_trace(&self) {
        eprint!("{}", self.stack_trace());
    }
}
