//! Emission: instructions (tracking the operand-stack depth), the literal, send-site and
//! global tables of the frame being compiled, line numbers, and forward/backward jumps.
//! The table and jump limits of [`super::limits`] are checked here.

use crate::bytecode::Instr;
use crate::syntax::ast::{Literal, Span};

use super::codegen::{Compiler, Result, SharedLiteral};
use super::limits::{MAX_ARGS, MAX_GLOBALS, MAX_JUMP, MAX_LITERALS, MAX_SEND_SITES};
use super::output::SiteDef;

impl Compiler<'_> {
    /// Appends `instr` and applies its stack effect. The depth is exact along the
    /// fall-through path; code after a return or an unconditional jump is unreachable
    /// until the next [`Compiler::patch`], which restores the depth at the jump's target.
    pub(super) fn emit(&mut self, instr: Instr) {
        let f = self.func();
        let sites = &f.sites;
        let (pops, pushes) =
            instr.stack_effect(|site| sites.get(site as usize).map_or(0, |s| s.argc as usize));
        f.depth = f.depth.saturating_sub(pops) + pushes;
        f.max_depth = f.max_depth.max(f.depth);
        instr.encode(&mut f.code);
    }

    pub(super) fn pc(&mut self) -> usize {
        self.func().code.len()
    }

    pub(super) fn note_line(&mut self, line: u32) {
        if line == 0 {
            return;
        }
        let f = self.func();
        let pc = f.code.len() as u32;
        match f.lines.last_mut() {
            Some(&mut (_, l)) if l == line => {}
            Some(last) if last.0 == pc => last.1 = line,
            _ => f.lines.push((pc, line)),
        }
    }

    pub(super) fn literal(&mut self, value: Literal, span: Span) -> Result<u16> {
        let f = self.func();
        let key = SharedLiteral::of(&value);
        let idx = match key.as_ref().and_then(|k| f.shared_literals.get(k)) {
            Some(&i) => i,
            None => {
                f.literals.push(value);
                let i = f.literals.len() - 1;
                if let Some(k) = key {
                    f.shared_literals.insert(k, i);
                }
                i
            }
        };
        if idx >= MAX_LITERALS {
            return Err(self.error(
                span,
                format!("too many literals in one method or block (at most {MAX_LITERALS})"),
            ));
        }
        Ok(idx as u16)
    }

    pub(super) fn site(&mut self, selector: &str, argc: usize, span: Span) -> Result<u16> {
        if argc > MAX_ARGS {
            return Err(self.error(
                span,
                format!("too many arguments in one send (at most {MAX_ARGS})"),
            ));
        }
        let argc = argc as u8;
        let f = self.func();
        if f.sites.len() >= MAX_SEND_SITES {
            return Err(self.error(
                span,
                format!("too many sends in one method or block (at most {MAX_SEND_SITES})"),
            ));
        }
        f.sites.push(SiteDef {
            selector: selector.to_string(),
            argc,
        });
        Ok((f.sites.len() - 1) as u16)
    }

    pub(super) fn global_site(&mut self, name: &str, span: Span) -> Result<u16> {
        let f = self.func();
        let idx = match f.global_index.get(name) {
            Some(&i) => i,
            None => {
                f.globals.push(name.to_string());
                let i = f.globals.len() - 1;
                f.global_index.insert(name.to_string(), i);
                i
            }
        };
        if idx >= MAX_GLOBALS {
            return Err(self.error(
                span,
                format!("too many global names in one method or block (at most {MAX_GLOBALS})"),
            ));
        }
        Ok(idx as u16)
    }

    /// Emits a forward jump with a placeholder offset; returns its position to patch.
    pub(super) fn jump(&mut self, make: fn(u16) -> Instr) -> usize {
        let at = self.pc();
        self.emit(make(0));
        let f = self.func();
        f.pending_jumps.push((at, f.depth));
        at
    }

    /// Points the forward jump at `at` to the current pc; `span` is the construct whose
    /// body the jump crosses.
    pub(super) fn patch(&mut self, at: usize, span: Span) -> Result<()> {
        let offset = self.pc() - (at + 3);
        let offset = self.jump_offset(offset, span)?;
        let f = self.func();
        if let Some(k) = f.pending_jumps.iter().rposition(|&(p, _)| p == at) {
            let (_, depth) = f.pending_jumps.remove(k);
            f.depth = depth;
        }
        let bytes = offset.to_le_bytes();
        f.code[at + 1] = bytes[0];
        f.code[at + 2] = bytes[1];
        Ok(())
    }

    pub(super) fn jump_back(&mut self, target: usize, span: Span) -> Result<()> {
        let offset = self.pc() + 3 - target;
        let offset = self.jump_offset(offset, span)?;
        self.emit(Instr::JumpBack { offset });
        Ok(())
    }

    fn jump_offset(&self, offset: usize, span: Span) -> Result<u16> {
        if offset > MAX_JUMP {
            return Err(self.error(
                span,
                format!("code too large: a jump over this construct would cross {offset} bytes (at most {MAX_JUMP})"),
            ));
        }
        Ok(offset as u16)
    }
}

/// Jump constructors for [`Compiler::jump`].
pub(super) fn jf(offset: u16) -> Instr {
    Instr::JumpIfFalse { offset }
}
pub(super) fn jt(offset: u16) -> Instr {
    Instr::JumpIfTrue { offset }
}
pub(super) fn jn(offset: u16) -> Instr {
    Instr::JumpIfNil { offset }
}
pub(super) fn jnn(offset: u16) -> Instr {
    Instr::JumpIfNotNil { offset }
}
pub(super) fn jmp(offset: u16) -> Instr {
    Instr::Jump { offset }
}
