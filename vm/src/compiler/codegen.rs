//! Code generation from the AST, with inlining of control structures and closure capture.
//!
//! Inlined when every block argument is a literal block of the right arity:
//! `ifTrue:`, `ifFalse:`, `ifTrue:ifFalse:`, `ifFalse:ifTrue:`, `and:`, `or:`,
//! `whileTrue:`, `whileFalse:`, `whileTrue`, `whileFalse`, `to:do:`, `downTo:do:`,
//! `to:by:do:` (literal integer step), `timesRepeat:`, `ifNil:`, `ifNotNil:`,
//! `ifNil:ifNotNil:`, `ifNotNil:ifNil:`. An inlined block's parameters and locals become
//! temporaries of the enclosing frame (locals are reset to nil on every entry).
//!
//! Capture: a block copies the values of the outer variables it reads into its own frame
//! when it is created. A variable that is captured by some block *and* assigned anywhere
//! lives instead in a temp vector (an Array) created when its scope is entered; blocks
//! copy the reference to the vector. Deciding this needs the whole method, so the method
//! is generated twice: the first run only records which variables are captured and
//! written and which outer variables each block uses; the second run emits the code.

use rustc_hash::FxHashMap;
use std::fmt;

use crate::bytecode::{special_binary, Instr};
use crate::syntax::ast::{
    Block, Body, Expr, ExprKind, Ident, Literal, Message, MethodBody, MethodDef, PseudoVar, Span,
};

use super::output::{CompiledCode, SiteDef};

/// A semantic error found while compiling (a name that cannot be assigned, a limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// File name as given.
    pub file: String,
    /// Where.
    pub span: Span,
    /// What.
    pub message: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.span.line, self.span.column, self.message
        )
    }
}

impl std::error::Error for CompileError {}

type Result<T> = std::result::Result<T, CompileError>;

/// Compiles one method of a class whose instances have the instance variables `fields`
/// (inherited first, index = slot).
pub fn compile_method(method: &MethodDef, fields: &[String], file: &str) -> Result<CompiledCode> {
    let params: Vec<Ident> = method.params.clone();
    if let MethodBody::Primitive = method.body {
        return Ok(CompiledCode {
            selector: method.selector.clone(),
            is_block: false,
            primitive: true,
            num_args: params.len(),
            num_copied: 0,
            num_temps: 0,
            code: Vec::new(),
            literals: Vec::new(),
            sites: Vec::new(),
            globals: Vec::new(),
            blocks: Vec::new(),
            lines: Vec::new(),
            line: method.span.line,
        });
    }
    let MethodBody::Code(body) = &method.body else {
        unreachable!("primitive handled above")
    };
    two_pass(file, fields, |c| {
        c.method(&method.selector, &params, body, method.span)
    })
}

/// Compiles a `cairn eval` snippet as a method `doIt` that answers its last statement's
/// value, with `self` bound to nil and no instance variables.
pub fn compile_doit(body: &Body, file: &str) -> Result<CompiledCode> {
    let mut body = body.clone();
    if let Some(last) = body.statements.pop() {
        let span = last.span;
        let ret = match last.kind {
            ExprKind::Return(_) => last,
            _ => Expr {
                kind: ExprKind::Return(Box::new(last)),
                span,
            },
        };
        body.statements.push(ret);
    }
    two_pass(file, &[], |c| c.method("doIt", &[], &body, Span::default()))
}

fn two_pass(
    file: &str,
    fields: &[String],
    run: impl Fn(&mut Compiler) -> Result<CompiledCode>,
) -> Result<CompiledCode> {
    let mut first = Compiler::new(file, fields, None);
    run(&mut first)?;
    let analysis = first.record;
    let mut second = Compiler::new(file, fields, Some(&analysis));
    run(&mut second)
}

/// What the first run learns about a scope's variables.
#[derive(Default)]
struct Analysis {
    /// Per scope id: (captured, written) per variable.
    vars: FxHashMap<usize, Vec<(bool, bool)>>,
    /// Per real-scope (block) id: the outer variables it copies, in first-use order.
    free: FxHashMap<usize, Vec<(usize, usize)>>,
}

/// A value a block copies in from its creator.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FreeKey {
    Var(usize, usize),
    Vector(usize),
}

struct Var {
    name: String,
    slot: usize,
    vec_idx: Option<usize>,
}

struct Scope {
    id: usize,
    func: usize,
    vars: Vec<Var>,
    vector_slot: Option<usize>,
}

/// One real frame being compiled (the method or a non-inlined block).
struct Func {
    scope_id: usize,
    is_block: bool,
    code: Vec<u8>,
    literals: Vec<Literal>,
    sites: Vec<SiteDef>,
    globals: Vec<String>,
    blocks: Vec<CompiledCode>,
    lines: Vec<(u32, u32)>,
    copied: Vec<FreeKey>,
    num_args: usize,
    next_slot: usize,
    max_slot: usize,
}

enum Loc {
    Local(usize),
    TempVec(usize, usize),
    Field(usize),
    Global,
}

struct Compiler<'a> {
    file: &'a str,
    fields: &'a [String],
    analysis: Option<&'a Analysis>,
    record: Analysis,
    next_scope: usize,
    scopes: Vec<Scope>,
    funcs: Vec<Func>,
}

impl<'a> Compiler<'a> {
    fn new(file: &'a str, fields: &'a [String], analysis: Option<&'a Analysis>) -> Self {
        Compiler {
            file,
            fields,
            analysis,
            record: Analysis::default(),
            next_scope: 0,
            scopes: Vec::new(),
            funcs: Vec::new(),
        }
    }

    fn error(&self, span: Span, message: impl Into<String>) -> CompileError {
        CompileError {
            file: self.file.to_string(),
            span,
            message: message.into(),
        }
    }

    fn func(&mut self) -> &mut Func {
        self.funcs.last_mut().expect("a function is being compiled")
    }

    // ---- real scopes -------------------------------------------------------------

    fn method(
        &mut self,
        selector: &str,
        params: &[Ident],
        body: &Body,
        span: Span,
    ) -> Result<CompiledCode> {
        self.begin_func(false, params, span)?;
        self.enter_scope(params, &body.locals, true)?;
        self.statements(&body.statements, false)?;
        // Falling off the end answers self.
        if !matches!(
            body.statements.last().map(|e| &e.kind),
            Some(ExprKind::Return(_))
        ) {
            self.emit(Instr::ReturnSelf);
        }
        self.exit_scope();
        Ok(self.end_func(selector, span))
    }

    fn begin_func(&mut self, is_block: bool, params: &[Ident], span: Span) -> Result<()> {
        let scope_id = self.next_scope;
        let copied: Vec<FreeKey> = match self.analysis {
            Some(a) => {
                let mut keys = Vec::new();
                for &(s, v) in a.free.get(&scope_id).map(|v| v.as_slice()).unwrap_or(&[]) {
                    let key = if self.is_vectored(s, v) {
                        FreeKey::Vector(s)
                    } else {
                        FreeKey::Var(s, v)
                    };
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
                keys
            }
            None => Vec::new(),
        };
        if params.len() > 200 {
            return Err(self.error(span, "too many arguments"));
        }
        let first_temp = 1 + params.len() + copied.len();
        self.funcs.push(Func {
            scope_id,
            is_block,
            code: Vec::new(),
            literals: Vec::new(),
            sites: Vec::new(),
            globals: Vec::new(),
            blocks: Vec::new(),
            lines: Vec::new(),
            copied,
            num_args: params.len(),
            next_slot: first_temp,
            max_slot: first_temp,
        });
        self.note_line(span.line);
        Ok(())
    }

    fn end_func(&mut self, selector: &str, span: Span) -> CompiledCode {
        let f = self.funcs.pop().expect("begin_func before end_func");
        let num_copied = f.copied.len();
        CompiledCode {
            selector: selector.to_string(),
            is_block: f.is_block,
            primitive: false,
            num_args: f.num_args,
            num_copied,
            num_temps: f.max_slot.saturating_sub(1 + f.num_args + num_copied),
            code: f.code,
            literals: f.literals,
            sites: f.sites,
            globals: f.globals,
            blocks: f.blocks,
            lines: f.lines,
            line: span.line,
        }
    }

    /// Enters a (real or inlined) scope declaring `params` then `locals`. For a real
    /// scope the parameters are frame slots 1..; for an inlined one they get temps.
    fn enter_scope(&mut self, params: &[Ident], locals: &[Ident], real: bool) -> Result<()> {
        let id = self.next_scope;
        self.next_scope += 1;
        let func = self.funcs.len() - 1;
        let mut vars = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let slot = if real {
                1 + i
            } else {
                self.alloc_slot(p.span)?
            };
            vars.push(Var {
                name: p.name.clone(),
                slot,
                vec_idx: None,
            });
        }
        for l in locals {
            let slot = self.alloc_slot(l.span)?;
            vars.push(Var {
                name: l.name.clone(),
                slot,
                vec_idx: None,
            });
        }
        if self.analysis.is_none() {
            self.record
                .vars
                .insert(id, vec![(false, false); vars.len()]);
        }
        // Temp vector for captured-and-written variables.
        let mut vector_slot = None;
        let vectored: Vec<usize> = (0..vars.len())
            .filter(|&v| self.is_vectored(id, v))
            .collect();
        if !vectored.is_empty() {
            let span = params
                .first()
                .or(locals.first())
                .map(|i| i.span)
                .unwrap_or_default();
            let slot = self.alloc_slot(span)?;
            if vectored.len() > 255 {
                return Err(self.error(span, "too many captured variables"));
            }
            self.emit(Instr::MakeTempVec {
                n: slot as u8,
                size: vectored.len() as u8,
            });
            for (k, &v) in vectored.iter().enumerate() {
                vars[v].vec_idx = Some(k);
            }
            vector_slot = Some(slot);
            // Parameters of a real scope arrive in frame slots: move them in.
            if real {
                for &v in &vectored {
                    if v < params.len() {
                        self.emit(Instr::PushLocal {
                            n: vars[v].slot as u8,
                        });
                        self.emit(Instr::PopTempVec {
                            vec: slot as u8,
                            idx: vars[v].vec_idx.unwrap_or(0) as u8,
                        });
                    }
                }
            }
        }
        // Locals of an inlined scope start as nil on every entry (loops).
        if !real {
            for v in &vars[params.len()..] {
                if v.vec_idx.is_none() {
                    let n = v.slot as u8;
                    self.emit(Instr::PushNil);
                    self.emit(Instr::PopLocal { n });
                }
            }
        }
        self.scopes.push(Scope {
            id,
            func,
            vars,
            vector_slot,
        });
        Ok(())
    }

    fn exit_scope(&mut self) {
        self.scopes.pop();
    }

    fn alloc_slot(&mut self, span: Span) -> Result<usize> {
        let f = self.func();
        let slot = f.next_slot;
        f.next_slot += 1;
        f.max_slot = f.max_slot.max(f.next_slot);
        if slot > 255 {
            return Err(self.error(span, "too many temporaries"));
        }
        Ok(slot)
    }

    fn is_vectored(&self, scope: usize, var: usize) -> bool {
        match self.analysis {
            Some(a) => a
                .vars
                .get(&scope)
                .and_then(|v| v.get(var))
                .is_some_and(|&(captured, written)| captured && written),
            None => false,
        }
    }

    // ---- variables -------------------------------------------------------------------

    fn resolve(&mut self, name: &str, writing: bool) -> Loc {
        let cur = self.funcs.len() - 1;
        for si in (0..self.scopes.len()).rev() {
            let Some(v) = self.scopes[si].vars.iter().position(|x| x.name == name) else {
                continue;
            };
            let (sid, owner) = (self.scopes[si].id, self.scopes[si].func);
            if self.analysis.is_none() {
                let entry = &mut self.record.vars.get_mut(&sid).expect("scope recorded")[v];
                if owner != cur {
                    entry.0 = true;
                }
                if writing {
                    entry.1 = true;
                }
            }
            let var = &self.scopes[si].vars[v];
            let (slot, vec_idx) = (var.slot, var.vec_idx);
            let vector_slot = self.scopes[si].vector_slot;
            let key = if vec_idx.is_some() {
                FreeKey::Vector(sid)
            } else {
                FreeKey::Var(sid, v)
            };
            let base = if owner == cur {
                match vec_idx {
                    Some(_) => vector_slot.unwrap_or(0),
                    None => slot,
                }
            } else {
                self.copied_slot(owner, cur, key, (sid, v))
            };
            return match vec_idx {
                Some(i) => Loc::TempVec(base, i),
                None => Loc::Local(base),
            };
        }
        if let Some(i) = self.fields.iter().position(|f| f == name) {
            return Loc::Field(i);
        }
        Loc::Global
    }

    /// The frame slot, in function `cur`, of a value copied from function `owner`'s scope.
    fn copied_slot(
        &mut self,
        owner: usize,
        cur: usize,
        key: FreeKey,
        raw: (usize, usize),
    ) -> usize {
        if self.analysis.is_none() {
            for f in owner + 1..=cur {
                let sid = self.funcs[f].scope_id;
                if !self.funcs[f].copied.contains(&key) {
                    self.funcs[f].copied.push(key);
                    self.record.free.entry(sid).or_default().push(raw);
                }
            }
        }
        let f = &self.funcs[cur];
        let pos = f.copied.iter().position(|k| *k == key).unwrap_or(0);
        1 + f.num_args + pos
    }

    fn push_var(&mut self, name: &str, span: Span) -> Result<()> {
        match self.resolve(name, false) {
            Loc::Local(n) => self.emit(Instr::PushLocal { n: n as u8 }),
            Loc::TempVec(vec, idx) => self.emit(Instr::PushTempVec {
                vec: vec as u8,
                idx: idx as u8,
            }),
            Loc::Field(n) => self.emit(Instr::PushField {
                n: self.byte(n, span)?,
            }),
            Loc::Global => {
                let site = self.global_site(name, span)?;
                self.emit(Instr::PushGlobal { site })
            }
        }
        Ok(())
    }

    /// Stores the top of stack into `name`; pops it when `pop`.
    fn store_var(&mut self, target: &Ident, pop: bool, user: bool) -> Result<()> {
        let loc = self.resolve(&target.name, user);
        let instr = match (loc, pop) {
            (Loc::Local(n), false) => Instr::StoreLocal { n: n as u8 },
            (Loc::Local(n), true) => Instr::PopLocal { n: n as u8 },
            (Loc::TempVec(vec, idx), false) => Instr::StoreTempVec {
                vec: vec as u8,
                idx: idx as u8,
            },
            (Loc::TempVec(vec, idx), true) => Instr::PopTempVec {
                vec: vec as u8,
                idx: idx as u8,
            },
            (Loc::Field(n), false) => Instr::StoreField {
                n: self.byte(n, target.span)?,
            },
            (Loc::Field(n), true) => Instr::PopField {
                n: self.byte(n, target.span)?,
            },
            (Loc::Global, _) => {
                return Err(self.error(
                    target.span,
                    format!("cannot assign to undeclared variable '{}'", target.name),
                ))
            }
        };
        self.emit(instr);
        Ok(())
    }

    fn byte(&self, n: usize, span: Span) -> Result<u8> {
        u8::try_from(n).map_err(|_| self.error(span, "too many instance variables"))
    }

    // ---- emission ------------------------------------------------------------------

    fn emit(&mut self, instr: Instr) {
        instr.encode(&mut self.func().code);
    }

    fn pc(&mut self) -> usize {
        self.func().code.len()
    }

    fn note_line(&mut self, line: u32) {
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

    fn literal(&mut self, value: Literal, span: Span) -> Result<u16> {
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

    fn site(&mut self, selector: &str, argc: usize, span: Span) -> Result<u16> {
        let f = self.func();
        let def = SiteDef {
            selector: selector.to_string(),
            argc: argc as u8,
        };
        f.sites.push(def);
        let idx = f.sites.len() - 1;
        u16::try_from(idx).map_err(|_| self.error(span, "too many send sites"))
    }

    fn global_site(&mut self, name: &str, span: Span) -> Result<u16> {
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
    fn jump(&mut self, make: fn(u16) -> Instr) -> usize {
        let at = self.pc();
        self.emit(make(0));
        at
    }

    fn patch(&mut self, at: usize, span: Span) -> Result<()> {
        let target = self.pc();
        let offset = target - (at + 3);
        let offset = u16::try_from(offset).map_err(|_| self.error(span, "method too large"))?;
        let bytes = offset.to_le_bytes();
        let code = &mut self.func().code;
        code[at + 1] = bytes[0];
        code[at + 2] = bytes[1];
        Ok(())
    }

    fn jump_back(&mut self, target: usize, span: Span) -> Result<()> {
        let offset = self.pc() + 3 - target;
        let offset = u16::try_from(offset).map_err(|_| self.error(span, "method too large"))?;
        self.emit(Instr::JumpBack { offset });
        Ok(())
    }

    // ---- statements and expressions ---------------------------------------------------

    /// Statements of a body; leaves the last value on the stack when `value` (nil if empty).
    fn statements(&mut self, stmts: &[Expr], value: bool) -> Result<()> {
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
    fn statement(&mut self, e: &Expr, value: bool) -> Result<()> {
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

    fn emit_return(&mut self) {
        let in_block = self.funcs.last().is_some_and(|f| f.is_block);
        if in_block {
            // When the home is dead, `escapedBlock:` answers the value of the block.
            self.emit(Instr::ReturnNonLocal);
            self.emit(Instr::ReturnTop);
        } else {
            self.emit(Instr::ReturnTop);
        }
    }

    fn expr(&mut self, e: &Expr) -> Result<()> {
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
    fn message(&mut self, m: &Message, is_super: bool) -> Result<()> {
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

    fn push_literal(&mut self, lit: &Literal, span: Span) -> Result<()> {
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

    fn closure(&mut self, b: &Block, span: Span) -> Result<()> {
        let selector = "block".to_string();
        self.begin_func(true, &b.params, span)?;
        self.enter_scope(&b.params, &b.body.locals, true)?;
        self.statements(&b.body.statements, true)?;
        let ends_in_return = matches!(
            b.body.statements.last().map(|e| &e.kind),
            Some(ExprKind::Return(_))
        );
        if ends_in_return {
            // The trailing PushNil after a non-local return is dead; keep shape valid.
        }
        self.emit(Instr::ReturnTop);
        self.exit_scope();
        let copied = self
            .funcs
            .last()
            .map(|f| f.copied.clone())
            .unwrap_or_default();
        let code = self.end_func(&selector, span);
        // Push the copied values in the creator's frame.
        for key in &copied {
            self.push_free(*key, span)?;
        }
        let f = self.func();
        f.blocks.push(code);
        let block = f.blocks.len() - 1;
        let block = u16::try_from(block).map_err(|_| self.error(span, "too many blocks"))?;
        let n = u8::try_from(copied.len())
            .map_err(|_| self.error(span, "too many captured variables"))?;
        self.emit(Instr::MakeClosure { block, copied: n });
        Ok(())
    }

    /// Pushes, in the current function, the value a new block copies for `key`.
    fn push_free(&mut self, key: FreeKey, span: Span) -> Result<()> {
        let sid = match key {
            FreeKey::Var(s, _) | FreeKey::Vector(s) => s,
        };
        let Some(si) = self.scopes.iter().position(|s| s.id == sid) else {
            return Err(self.error(span, "internal error: captured scope not found"));
        };
        let owner = self.scopes[si].func;
        let cur = self.funcs.len() - 1;
        let local = match key {
            FreeKey::Var(_, v) => self.scopes[si].vars[v].slot,
            FreeKey::Vector(_) => self.scopes[si].vector_slot.unwrap_or(0),
        };
        let slot = if owner == cur {
            local
        } else {
            let raw = match key {
                FreeKey::Var(s, v) => (s, v),
                FreeKey::Vector(s) => (s, 0),
            };
            self.copied_slot(owner, cur, key, raw)
        };
        self.emit(Instr::PushLocal { n: slot as u8 });
        Ok(())
    }

    // ---- inlining ------------------------------------------------------------------

    /// Inlines `receiver message` when it is a control structure over literal blocks.
    fn try_inline(&mut self, receiver: &Expr, m: &Message, span: Span) -> Result<bool> {
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
    fn inline_block(&mut self, b: &Block, params: &[Ident]) -> Result<()> {
        self.enter_scope(params, &b.body.locals, false)?;
        self.statements(&b.body.statements, true)?;
        self.exit_scope();
        Ok(())
    }

    /// The not-nil branch of the ifNotNil: family. The tested value is on the stack:
    /// it is stored into the block's parameter, or dropped when the block has none.
    fn inline_nonnil(&mut self, b: &Block) -> Result<()> {
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

    fn inline_to_do(
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

fn jf(offset: u16) -> Instr {
    Instr::JumpIfFalse { offset }
}
fn jt(offset: u16) -> Instr {
    Instr::JumpIfTrue { offset }
}
fn jn(offset: u16) -> Instr {
    Instr::JumpIfNil { offset }
}
fn jnn(offset: u16) -> Instr {
    Instr::JumpIfNotNil { offset }
}
fn jmp(offset: u16) -> Instr {
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
