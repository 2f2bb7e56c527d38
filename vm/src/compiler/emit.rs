//! Emission: instructions, the literal, send-site and global tables of the frame being
//! compiled, line numbers, and forward/backward jumps.

use crate::bytecode::Instr;
use crate::syntax::ast::{Literal, Span};

use super::codegen::{Compiler, Result};
use super::output::SiteDef;

impl Compiler<'_> {
    pub(super) fn emit(&mut self, instr: Instr) {
        instr.encode(&mut self.func().code);
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
        let idx = match f.literals.iter().position(|l| same_literal(l, &value)) {
            Some(i) => i,
            None => {
                f.literals.push(value);
                f.literals.len() - 1
            }
        };
        u16::try_from(idx).map_err(|_| self.error(span, "too many literals"))
    }

    pub(super) fn site(&mut self, selector: &str, argc: usize, span: Span) -> Result<u16> {
        let f = self.func();
        let def = SiteDef {
            selector: selector.to_string(),
            argc: argc as u8,
        };
        f.sites.push(def);
        let idx = f.sites.len() - 1;
        u16::try_from(idx).map_err(|_| self.error(span, "too many send sites"))
    }

    pub(super) fn global_site(&mut self, name: &str, span: Span) -> Result<u16> {
        let f = self.func();
        let idx = match f.globals.iter().position(|g| g == name) {
            Some(i) => i,
            None => {
                f.globals.push(name.to_string());
                f.globals.len() - 1
            }
        };
        u16::try_from(idx).map_err(|_| self.error(span, "too many globals"))
    }

    /// Emits a forward jump with a placeholder offset; returns its position to patch.
    pub(super) fn jump(&mut self, make: fn(u16) -> Instr) -> usize {
        let at = self.pc();
        self.emit(make(0));
        at
    }

    pub(super) fn patch(&mut self, at: usize, span: Span) -> Result<()> {
        let target = self.pc();
        let offset = target - (at + 3);
        let offset = u16::try_from(offset).map_err(|_| self.error(span, "method too large"))?;
        let bytes = offset.to_le_bytes();
        let code = &mut self.func().code;
        code[at + 1] = bytes[0];
        code[at + 2] = bytes[1];
        Ok(())
    }

    pub(super) fn jump_back(&mut self, target: usize, span: Span) -> Result<()> {
        let offset = self.pc() + 3 - target;
        let offset = u16::try_from(offset).map_err(|_| self.error(span, "method too large"))?;
        self.emit(Instr::JumpBack { offset });
        Ok(())
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

/// Literal sharing: equal symbols, integers and characters share a slot; strings,
/// doubles and arrays each get their own (they are distinct objects in SOM).
fn same_literal(a: &Literal, b: &Literal) -> bool {
    match (a, b) {
        (Literal::Symbol(x), Literal::Symbol(y)) => x == y,
        (Literal::Integer(x), Literal::Integer(y)) => x == y,
        (Literal::Character(x), Literal::Character(y)) => x == y,
        _ => false,
    }
}
