//! Smalltalk stack traces: one `Class>>selector (file:line)` per frame, innermost first.

use crate::vm::Vm;

impl Vm {
    /// The stack trace of the active process.
    pub(crate) fn stack_trace(&self) -> String {
        let mut out = String::new();
        let n = self.s.frames.len();
        // Deep stacks (recursion) show their innermost and outermost frames only.
        const HEAD: usize = 40;
        const TAIL: usize = 10;
        for (i, f) in self.s.frames.iter().enumerate().rev() {
            let from_top = n - 1 - i;
            if n > HEAD + TAIL && from_top >= HEAD && i >= TAIL {
                if from_top == HEAD {
                    out.push_str(&format!("\t... {} frames omitted ...\n", n - HEAD - TAIL));
                }
                continue;
            }
            // SAFETY: frames name live MethodInfos.
            let m = unsafe { &*f.method };
            let holder = &self.s.class(m.holder).name;
            let sel = self.symbol_name(m.selector);
            // The saved pc is past the instruction that was executing.
            let pc = if i + 1 == n {
                f.pc as usize
            } else {
                (f.pc as usize).saturating_sub(1)
            };
            let line = m.line_at(pc);
            let prefix = if m.is_block { "[] in " } else { "" };
            out.push_str(&format!("\t{prefix}{holder}>>{sel} ({}:{line})\n", m.file));
        }
        out
    }

    /// Prints the stack trace to stderr.
    pub(crate) fn print_stack_trace(&self) {
        eprint!("{}", self.stack_trace());
    }
}
