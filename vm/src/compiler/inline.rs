//! Inlined control structures.
//!
//! Inlined when every block argument is a literal block of the right arity:
//! `ifTrue:`, `ifFalse:`, `ifTrue:ifFalse:`, `ifFalse:ifTrue:`, `and:`, `or:`,
//! `whileTrue:`, `whileFalse:`, `whileTrue`, `whileFalse`, `to:do:`, `downTo:do:`,
//! `to:by:do:` (literal integer step), `timesRepeat:`, `ifNil:`, `ifNotNil:`,
//! `ifNil:ifNotNil:`, `ifNotNil:ifNil:`. An inlined block's parameters and locals become
//! temporaries of the enclosing frame (locals are reset to nil on every entry).

use crate::bytecode::Instr;
use crate::syntax::ast::{Block, Expr, ExprKind, Ident, Literal, Message, Span};

use super::codegen::{Compiler, Result};
use super::emit::{jf, jmp, jn, jnn, jt};

impl Compiler<'_> {
    /// Inlines `receiver message` when it is a control structure over literal blocks.
    pub(super) fn try_inline(&mut self, receiver: &Expr, m: &Message, span: Span) -> Result<bool> {
        let blk = |i: usize, arity: usize| -> Option<&Block> {
            match &m.args.get(i)?.kind {
                ExprKind::Block(b) if b.params.len() == arity => Some(b),
                _ => None,
            }
        };
        let recv_block = |arity: usize| -> Option<&Block> {
            match &receiver.kind {
                ExprKind::Block(b) if b.params.len() == arity => Some(b),
                _ => None,
            }
        };
        match m.selector.as_str() {
            "ifTrue:" | "ifFalse:" => {
                let Some(b) = blk(0, 0) else { return Ok(false) };
                self.expr(receiver)?;
                let skip = self.jump(if m.selector == "ifTrue:" { jf } else { jt });
                self.inline_block(b, &[])?;
                let end = self.jump(jmp);
                self.patch(skip, span)?;
                self.emit(Instr::PushNil);
                self.patch(end, span)?;
            }
            "ifTrue:ifFalse:" | "ifFalse:ifTrue:" => {
                let (Some(a), Some(b)) = (blk(0, 0), blk(1, 0)) else {
                    return Ok(false);
                };
                self.expr(receiver)?;
                let skip = self.jump(if m.selector == "ifTrue:ifFalse:" {
                    jf
                } else {
                    jt
                });
                self.inline_block(a, &[])?;
                let end = self.jump(jmp);
                self.patch(skip, span)?;
                self.inline_block(b, &[])?;
                self.patch(end, span)?;
            }
            "and:" | "or:" => {
                let Some(b) = blk(0, 0) else { return Ok(false) };
                self.expr(receiver)?;
                let and = m.selector == "and:";
                let short = self.jump(if and { jf } else { jt });
                self.inline_block(b, &[])?;
                let end = self.jump(jmp);
                self.patch(short, span)?;
                self.emit(if and {
                    Instr::PushFalse
                } else {
                    Instr::PushTrue
                });
                self.patch(end, span)?;
            }
            "whileTrue:" | "whileFalse:" => {
                let (Some(c), Some(b)) = (recv_block(0), blk(0, 0)) else {
                    return Ok(false);
                };
                let top = self.pc();
                self.inline_block(c, &[])?;
                let exit = self.jump(if m.selector == "whileTrue:" { jf } else { jt });
                self.inline_block(b, &[])?;
                self.emit(Instr::Pop);
                self.jump_back(top, span)?;
                self.patch(exit, span)?;
                self.emit(Instr::PushNil);
            }
            "whileTrue" | "whileFalse" => {
                let Some(c) = recv_block(0) else {
                    return Ok(false);
                };
                let top = self.pc();
                self.inline_block(c, &[])?;
                let exit = self.jump(if m.selector == "whileTrue" { jf } else { jt });
                self.jump_back(top, span)?;
                self.patch(exit, span)?;
                self.emit(Instr::PushNil);
            }
            "ifNil:" | "ifNotNil:" => {
                let nil_case = m.selector == "ifNil:";
                let b = if nil_case {
                    blk(0, 0)
                } else {
                    blk(0, 1).or(blk(0, 0))
                };
                let Some(b) = b else { return Ok(false) };
                self.expr(receiver)?;
                self.emit(Instr::Dup);
                let skip = self.jump(if nil_case { jnn } else { jn });
                if nil_case {
                    self.emit(Instr::Pop);
                    self.inline_block(b, &[])?;
                } else {
                    self.inline_nonnil(b)?;
                }
                self.patch(skip, span)?;
            }
            "ifNil:ifNotNil:" | "ifNotNil:ifNil:" => {
                let nil_first = m.selector == "ifNil:ifNotNil:";
                let (ni, nn) = if nil_first { (0, 1) } else { (1, 0) };
                let (Some(nb), Some(nnb)) = (blk(ni, 0), blk(nn, 1).or(blk(nn, 0))) else {
                    return Ok(false);
                };
                self.expr(receiver)?;
                self.emit(Instr::Dup);
                let to_nil = self.jump(jn);
                self.inline_nonnil(nnb)?;
                let end = self.jump(jmp);
                self.patch(to_nil, span)?;
                self.emit(Instr::Pop);
                self.inline_block(nb, &[])?;
                self.patch(end, span)?;
            }
            "to:do:" | "downTo:do:" | "to:by:do:" => {
                let (step, body_idx) = match m.selector.as_str() {
                    "to:do:" => (1i64, 1),
                    "downTo:do:" => (-1, 1),
                    _ => match &m.args[1].kind {
                        ExprKind::Literal(Literal::Integer(s))
                            if *s != 0 && (-255..=255).contains(s) =>
                        {
                            (*s, 2)
                        }
                        _ => return Ok(false),
                    },
                };
                let Some(b) = blk(body_idx, 1) else {
                    return Ok(false);
                };
                self.inline_to_do(receiver, &m.args[0], step, b, span)?;
            }
            "timesRepeat:" => {
                let Some(b) = blk(0, 0) else { return Ok(false) };
                let one = Literal::Integer(1);
                let fake = Block {
                    params: vec![Ident {
                        name: " times".into(),
                        span,
                    }],
                    body: b.body.clone(),
                };
                let start = Expr {
                    kind: ExprKind::Literal(one),
                    span,
                };
                // n timesRepeat: body  ==  1 to: n do: [:ignored | body]
                self.inline_to_do(&start, receiver, 1, &fake, span)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Inlines a block body in a new scope; `params` are already-stored slot values.
    pub(super) fn inline_block(&mut self, b: &Block, params: &[Ident]) -> Result<()> {
        self.enter_scope(params, &b.body.locals, false)?;
        self.statements(&b.body.statements, true)?;
        self.exit_scope();
        Ok(())
    }

    /// The not-nil branch of the ifNotNil: family. The tested value is on the stack:
    /// it is stored into the block's parameter, or dropped when the block has none.
    pub(super) fn inline_nonnil(&mut self, b: &Block) -> Result<()> {
        self.enter_scope(&b.params, &b.body.locals, false)?;
        match b.params.first() {
            Some(p) => {
                let p = p.clone();
                self.store_var(&p, true, false)?;
            }
            None => self.emit(Instr::Pop),
        }
        self.statements(&b.body.statements, true)?;
        self.exit_scope();
        Ok(())
    }

    pub(super) fn inline_to_do(
        &mut self,
        from: &Expr,
        to: &Expr,
        step: i64,
        b: &Block,
        span: Span,
    ) -> Result<()> {
        // Hidden temps: counter and limit. The block parameter is assigned from the
        // counter at the start of each iteration, so blocks capture a fresh value.
        let counter = self.alloc_slot(span)?;
        let limit = self.alloc_slot(span)?;
        self.expr(from)?;
        self.emit(Instr::Dup);
        self.emit(Instr::PopLocal { n: counter as u8 });
        // The receiver stays on the stack as the value of the whole expression.
        self.expr(to)?;
        self.emit(Instr::PopLocal { n: limit as u8 });
        let top = self.pc();
        self.emit(Instr::PushLocal { n: counter as u8 });
        self.emit(Instr::PushLocal { n: limit as u8 });
        let cmp_sel = if step > 0 { "<=" } else { ">=" };
        let site = self.site(cmp_sel, 1, span)?;
        self.emit(if step > 0 {
            Instr::Le { site }
        } else {
            Instr::Ge { site }
        });
        let exit = self.jump(jf);
        self.enter_scope(&b.params, &b.body.locals, false)?;
        if let Some(p) = b.params.first() {
            let p = p.clone();
            self.emit(Instr::PushLocal { n: counter as u8 });
            self.store_var(&p, true, false)?;
        }
        self.statements(&b.body.statements, false)?;
        self.exit_scope();
        if step == 1 {
            // Fast path over the generic increment that follows (9 bytes).
            self.emit(Instr::IncLocal {
                n: counter as u8,
                skip: 9,
            });
        }
        self.emit(Instr::PushLocal { n: counter as u8 });
        let mag = step.unsigned_abs() as u8;
        self.emit(Instr::PushSmall { value: mag });
        let sel = if step > 0 { "+" } else { "-" };
        let site = self.site(sel, 1, span)?;
        self.emit(if step > 0 {
            Instr::Add { site }
        } else {
            Instr::Sub { site }
        });
        self.emit(Instr::PopLocal { n: counter as u8 });
        self.jump_back(top, span)?;
        self.patch(exit, span)?;
        let f = self.func();
        f.next_slot -= 2;
        Ok(())
    }
}
