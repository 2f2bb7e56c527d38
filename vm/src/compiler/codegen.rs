//! The compiler's driver and state: the entry points ([`compile_method`],
//! [`compile_doit`]), the two-run scheme, [`CompileError`], and the per-frame state
//! ([`Func`]) that the other passes of the code generator fill in.
//!
//! Capture: a block copies the values of the outer variables it reads into its own frame
//! when it is created. A variable that is captured by some block *and* assigned anywhere
//! lives instead in a temp vector (an Array) created when its scope is entered; blocks
//! copy the reference to the vector. Deciding this needs the whole method, so the method
//! is generated twice: the first run only records which variables are captured and
//! written and which outer variables each block uses; the second run emits the code.
//!
//! The generator's methods are spread over sibling modules by what they handle:
//! [`super::scopes`] (scopes, variables, closures), [`super::expressions`] (statements
//! and sends), [`super::inline`] (inlined control structures) and [`super::emit`]
//! (instructions, tables, jumps).

use rustc_hash::FxHashMap;
use std::fmt;

use crate::bytecode::Instr;
use crate::syntax::ast::{Body, Expr, ExprKind, Ident, Literal, MethodBody, MethodDef, Span};

use super::limits::{MAX_ARGS, MAX_FRAME_SLOTS};
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

pub(super) type Result<T> = std::result::Result<T, CompileError>;

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
pub(super) struct Analysis {
    /// Per scope id: (captured, written) per variable.
    pub(super) vars: FxHashMap<usize, Vec<(bool, bool)>>,
    /// Per real-scope (block) id: the outer variables it copies, in first-use order.
    pub(super) free: FxHashMap<usize, Vec<(usize, usize)>>,
}

/// A value a block copies in from its creator.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum FreeKey {
    Var(usize, usize),
    Vector(usize),
}

pub(super) struct Var {
    pub(super) name: String,
    pub(super) slot: usize,
    pub(super) vec_idx: Option<usize>,
}

pub(super) struct Scope {
    pub(super) id: usize,
    pub(super) func: usize,
    pub(super) vars: Vec<Var>,
    pub(super) vector_slot: Option<usize>,
}

/// One real frame being compiled (the method or a non-inlined block).
pub(super) struct Func {
    pub(super) scope_id: usize,
    pub(super) is_block: bool,
    pub(super) code: Vec<u8>,
    pub(super) literals: Vec<Literal>,
    pub(super) sites: Vec<SiteDef>,
    pub(super) globals: Vec<String>,
    pub(super) blocks: Vec<CompiledCode>,
    pub(super) lines: Vec<(u32, u32)>,
    pub(super) copied: Vec<FreeKey>,
    pub(super) num_args: usize,
    pub(super) next_slot: usize,
    pub(super) max_slot: usize,
    /// Operand-stack depth after the last emitted instruction, and the highest so far.
    pub(super) depth: usize,
    pub(super) max_depth: usize,
    /// Forward jumps not yet patched: (position, depth at their target).
    pub(super) pending_jumps: Vec<(usize, usize)>,
    /// Indices of the shared literals and of the globals, so that a method with
    /// thousands of them compiles in linear time.
    pub(super) shared_literals: FxHashMap<SharedLiteral, usize>,
    pub(super) global_index: FxHashMap<String, usize>,
}

/// A literal that shares its slot with equal ones: symbols, integers and characters
/// (strings, doubles and arrays are distinct objects in SOM and get a slot each).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) enum SharedLiteral {
    Symbol(String),
    Integer(i64),
    Character(char),
}

impl SharedLiteral {
    pub(super) fn of(lit: &Literal) -> Option<SharedLiteral> {
        match lit {
            Literal::Symbol(s) => Some(SharedLiteral::Symbol(s.clone())),
            Literal::Integer(i) => Some(SharedLiteral::Integer(*i)),
            Literal::Character(c) => Some(SharedLiteral::Character(*c)),
            _ => None,
        }
    }
}

pub(super) enum Loc {
    Local(usize),
    TempVec(usize, usize),
    Field(usize),
    Global,
}

pub(super) struct Compiler<'a> {
    pub(super) file: &'a str,
    pub(super) fields: &'a [String],
    pub(super) analysis: Option<&'a Analysis>,
    pub(super) record: Analysis,
    pub(super) next_scope: usize,
    pub(super) scopes: Vec<Scope>,
    pub(super) funcs: Vec<Func>,
}

impl<'a> Compiler<'a> {
    pub(super) fn new(file: &'a str, fields: &'a [String], analysis: Option<&'a Analysis>) -> Self {
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

    pub(super) fn error(&self, span: Span, message: impl Into<String>) -> CompileError {
        CompileError {
            file: self.file.to_string(),
            span,
            message: message.into(),
        }
    }

    pub(super) fn func(&mut self) -> &mut Func {
        self.funcs.last_mut().expect("a function is being compiled")
    }

    // ---- real scopes -------------------------------------------------------------

    pub(super) fn method(
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

    pub(super) fn begin_func(
        &mut self,
        is_block: bool,
        params: &[Ident],
        span: Span,
    ) -> Result<()> {
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
        if let Some(p) = params.get(MAX_ARGS) {
            let what = if is_block { "block" } else { "method" };
            return Err(self.error(
                p.span,
                format!("too many arguments: a {what} takes at most {MAX_ARGS}"),
            ));
        }
        if 1 + params.len() + copied.len() > MAX_FRAME_SLOTS {
            return Err(self.error(
                span,
                format!(
                    "block uses too many outer variables: its frame would need {} slots \
                     (at most {MAX_FRAME_SLOTS}: receiver, arguments, captured values, temporaries)",
                    1 + params.len() + copied.len()
                ),
            ));
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
            depth: 0,
            max_depth: 0,
            pending_jumps: Vec::new(),
            shared_literals: FxHashMap::default(),
            global_index: FxHashMap::default(),
        });
        self.note_line(span.line);
        Ok(())
    }

    pub(super) fn end_func(&mut self, selector: &str, span: Span) -> CompiledCode {
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
}
