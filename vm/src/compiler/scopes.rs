//! Scopes, variables and closures: frame slots for arguments and temporaries, temp
//! vectors for captured-and-written variables, name resolution (locals, copied values,
//! fields, globals), and the creation of a real (non-inlined) block.

use crate::bytecode::Instr;
use crate::syntax::ast::{Block, ExprKind, Ident, Span};

use super::codegen::{Compiler, FreeKey, Loc, Result, Scope, Var};
use super::limits::{MAX_BLOCKS, MAX_FRAME_SLOTS, MAX_TEMP_VECTOR};

impl Compiler<'_> {
    /// Enters a (real or inlined) scope declaring `params` then `locals`. For a real
    /// scope the parameters are frame slots 1..; for an inlined one they get temps.
    pub(super) fn enter_scope(
        &mut self,
        params: &[Ident],
        locals: &[Ident],
        real: bool,
    ) -> Result<()> {
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
            if let Some(&v) = vectored.get(MAX_TEMP_VECTOR) {
                let ident = params.get(v).or(locals.get(v - params.len().min(v)));
                return Err(self.error(
                    ident.map_or(span, |i| i.span),
                    format!(
                        "too many variables both captured by a block and assigned in one scope (at most {MAX_TEMP_VECTOR})"
                    ),
                ));
            }
            let slot = self.alloc_slot(span)?;
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

    pub(super) fn exit_scope(&mut self) {
        self.scopes.pop();
    }

    pub(super) fn alloc_slot(&mut self, span: Span) -> Result<usize> {
        let f = self.func();
        let slot = f.next_slot;
        f.next_slot += 1;
        f.max_slot = f.max_slot.max(f.next_slot);
        if slot >= MAX_FRAME_SLOTS {
            return Err(self.error(
                span,
                format!(
                    "too many temporaries: a frame holds at most {MAX_FRAME_SLOTS} slots \
                     (receiver, arguments, captured values, temporaries of inlined blocks and loops)"
                ),
            ));
        }
        Ok(slot)
    }

    pub(super) fn is_vectored(&self, scope: usize, var: usize) -> bool {
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

    pub(super) fn resolve(&mut self, name: &str, writing: bool) -> Loc {
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
    pub(super) fn copied_slot(
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

    pub(super) fn push_var(&mut self, name: &str, span: Span) -> Result<()> {
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
    pub(super) fn store_var(&mut self, target: &Ident, pop: bool, user: bool) -> Result<()> {
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

    pub(super) fn byte(&self, n: usize, span: Span) -> Result<u8> {
        u8::try_from(n).map_err(|_| self.error(span, "too many instance variables"))
    }

    pub(super) fn closure(&mut self, b: &Block, span: Span) -> Result<()> {
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
        if block >= MAX_BLOCKS {
            return Err(self.error(
                span,
                format!("too many blocks in one method or block (at most {MAX_BLOCKS})"),
            ));
        }
        let block = block as u16;
        // begin_func bounded the copied values by the frame size.
        let n = u8::try_from(copied.len())
            .map_err(|_| self.error(span, "internal error: too many captured values"))?;
        self.emit(Instr::MakeClosure { block, copied: n });
        Ok(())
    }

    /// Pushes, in the current function, the value a new block copies for `key`.
    pub(super) fn push_free(&mut self, key: FreeKey, span: Span) -> Result<()> {
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
}
