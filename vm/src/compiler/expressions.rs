//! Statements and expressions: values, assignments, returns, cascades and sends (with
//! the special-selector opcodes); control structures go through [`super::inline`] first.

use crate::bytecode::{special_binary, Instr};
use crate::syntax::ast::{Expr, ExprKind, Literal, Message, PseudoVar, Span};

use super::codegen::{Compiler, Result};
use super::limits::{MAX_ARGS, MAX_STACK_DEPTH};

impl Compiler<'_> {
    /// Statements of a body; leaves the last value on the stack when `value` (nil if empty).
    pub(super) fn statements(&mut self, stmts: &[Expr], value: bool) -> Result<()> {
        if stmts.is_empty() && value {
            self.emit(Instr::PushNil);
        }
        for (i, s) in stmts.iter().enumerate() {
            let last = i + 1 == stmts.len();
            self.statement(s, value && last)?;
        }
        Ok(())
    }

    /// One statement; leaves its value when `value`, else leaves nothing.
    pub(super) fn statement(&mut self, e: &Expr, value: bool) -> Result<()> {
        self.note_line(e.span.line);
        match &e.kind {
            ExprKind::Return(v) => {
                let in_block = self.funcs.last().is_some_and(|f| f.is_block);
                if !in_block && matches!(v.kind, ExprKind::Pseudo(PseudoVar::SelfVar)) {
                    self.emit(Instr::ReturnSelf);
                } else {
                    self.expr(v)?;
                    self.emit_return();
                }
                // Code after a return is unreachable but must keep the stack shape.
                if value {
                    self.emit(Instr::PushNil);
                }
                Ok(())
            }
            ExprKind::Assign { target, value: v } if !value => {
                self.expr(v)?;
                self.store_var(target, true, true)
            }
            _ => {
                self.expr(e)?;
                if !value {
                    self.emit(Instr::Pop);
                }
                Ok(())
            }
        }
    }

    pub(super) fn emit_return(&mut self) {
        let in_block = self.funcs.last().is_some_and(|f| f.is_block);
        if in_block {
            // When the home is dead, `escapedBlock:` answers the value of the block.
            self.emit(Instr::ReturnNonLocal);
            self.emit(Instr::ReturnTop);
        } else {
            self.emit(Instr::ReturnTop);
        }
    }

    /// Pushes the value of `e`; the innermost expression whose code first takes the
    /// operand stack past [`MAX_STACK_DEPTH`] is the one reported.
    #[inline]
    pub(super) fn expr(&mut self, e: &Expr) -> Result<()> {
        self.expr_code(e)?;
        let depth = self.func().max_depth;
        if depth > MAX_STACK_DEPTH {
            return Err(self.error(
                e.span,
                format!(
                    "expression too deep for the operand stack: {depth} values pending (at most {MAX_STACK_DEPTH})"
                ),
            ));
        }
        Ok(())
    }

    fn expr_code(&mut self, e: &Expr) -> Result<()> {
        match &e.kind {
            ExprKind::Literal(lit) => self.push_literal(lit, e.span),
            ExprKind::Variable(name) => self.push_var(name, e.span),
            ExprKind::Pseudo(p) => {
                self.emit(match p {
                    PseudoVar::SelfVar | PseudoVar::Super => Instr::PushSelf,
                    PseudoVar::Nil => Instr::PushNil,
                    PseudoVar::True => Instr::PushTrue,
                    PseudoVar::False => Instr::PushFalse,
                });
                Ok(())
            }
            ExprKind::Assign { target, value } => {
                self.expr(value)?;
                self.store_var(target, false, true)
            }
            ExprKind::Send(send) => {
                let is_super = send.is_super();
                if !is_super && self.try_inline(&send.receiver, &send.message, e.span)? {
                    return Ok(());
                }
                self.expr(&send.receiver)?;
                self.message(&send.message, is_super)
            }
            ExprKind::Cascade { receiver, messages } => {
                let is_super = matches!(receiver.kind, ExprKind::Pseudo(PseudoVar::Super));
                self.expr(receiver)?;
                for (i, m) in messages.iter().enumerate() {
                    let last = i + 1 == messages.len();
                    if !last {
                        self.emit(Instr::Dup);
                    }
                    self.message(m, is_super)?;
                    if !last {
                        self.emit(Instr::Pop);
                    }
                }
                Ok(())
            }
            ExprKind::Block(b) => self.closure(b, e.span),
            ExprKind::Return(v) => {
                // A return nested in an expression (the parser only makes statements).
                self.expr(v)?;
                self.emit_return();
                self.emit(Instr::PushNil);
                Ok(())
            }
        }
    }

    /// Arguments then the send instruction (receiver already pushed).
    pub(super) fn message(&mut self, m: &Message, is_super: bool) -> Result<()> {
        if let Some(extra) = m.args.get(MAX_ARGS) {
            return Err(self.error(
                extra.span,
                format!("too many arguments in one send (at most {MAX_ARGS})"),
            ));
        }
        for a in &m.args {
            self.expr(a)?;
        }
        self.note_line(m.selector_span.line);
        if m.selector == "==" && !is_super {
            // Identity is never redefined meaningfully: no send.
            self.emit(Instr::Identical);
            return Ok(());
        }
        let site = self.site(&m.selector, m.args.len(), m.selector_span)?;
        if is_super {
            self.emit(Instr::SuperSend { site });
        } else if let (1, Some(make)) = (m.args.len(), special_binary(&m.selector)) {
            self.emit(make(site));
        } else if m.selector == "at:put:" {
            self.emit(Instr::AtPut { site });
        } else {
            self.emit(Instr::Send { site });
        }
        Ok(())
    }

    pub(super) fn push_literal(&mut self, lit: &Literal, span: Span) -> Result<()> {
        match lit {
            Literal::Nil => self.emit(Instr::PushNil),
            Literal::True => self.emit(Instr::PushTrue),
            Literal::False => self.emit(Instr::PushFalse),
            Literal::Integer(i) if (0..=255).contains(i) => {
                self.emit(Instr::PushSmall { value: *i as u8 })
            }
            _ => {
                let lit = self.literal(lit.clone(), span)?;
                self.emit(Instr::PushLiteral { lit });
            }
        }
        Ok(())
    }
}
