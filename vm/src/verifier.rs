//! The bytecode verifier: checks a [`CompiledCode`] before it is installed, so the
//! interpreter can dispatch without checks. It collects every violation, not just the
//! first.
//!
//! Invariants checked:
//! 1. **Decoding.** The code decodes into whole instructions (valid opcodes, operands
//!    present) and is not empty.
//! 2. **Operands.** Frame slots are below the frame size (receiver, arguments, copied
//!    values, temporaries); literal, send-site, global-site and block indices are below
//!    their table lengths; a closure's copied count matches its block.
//! 3. **Control flow.** Every jump lands on an instruction boundary inside the code;
//!    the last instruction is a return or a backward jump (nothing falls off the end).
//! 4. **Stack depth.** Along every path the operand stack never underflows, and
//!    every instruction is reached with one depth (so the frame's reserve, the code
//!    length, bounds it).

use std::collections::VecDeque;

use crate::bytecode::{decode_all, Instr};
use crate::compiler::CompiledCode;

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where (pc), if at an instruction.
    pub pc: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// Verifies `code` and its nested blocks; `Ok` or every violation found.
pub fn verify(code: &CompiledCode) -> Result<(), Vec<Violation>> {
    let mut out = Vec::new();
    verify_into(code, &mut out);
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

fn verify_into(code: &CompiledCode, out: &mut Vec<Violation>) {
    for b in &code.blocks {
        verify_into(b, out);
    }
    if code.primitive {
        return;
    }
    let bad = |out: &mut Vec<Violation>, pc: Option<usize>, message: String| {
        out.push(Violation { pc, message })
    };
    let instrs = match decode_all(&code.code) {
        Ok(i) if !i.is_empty() => i,
        Ok(_) => return bad(out, None, "empty code".into()),
        Err(pc) => return bad(out, Some(pc), "undecodable instruction".into()),
    };
    let frame = 1 + code.num_args + code.num_copied + code.num_temps;
    let index_of = |pc: usize| instrs.binary_search_by_key(&pc, |&(p, _)| p).ok();
    for &(pc, i) in &instrs {
        let slot_ok = |n: u8| (n as usize) < frame;
        let ok = match i {
            Instr::PushLocal { n }
            | Instr::StoreLocal { n }
            | Instr::PopLocal { n }
            | Instr::IncLocal { n, .. } => slot_ok(n),
            Instr::MakeTempVec { n, .. } => slot_ok(n),
            Instr::PushTempVec { vec, .. }
            | Instr::StoreTempVec { vec, .. }
            | Instr::PopTempVec { vec, .. } => slot_ok(vec),
            Instr::PushLiteral { lit } => (lit as usize) < code.literals.len(),
            Instr::PushGlobal { site } => (site as usize) < code.globals.len(),
            Instr::MakeClosure { block, copied } => code
                .blocks
                .get(block as usize)
                .is_some_and(|b| b.num_copied == copied as usize),
            _ => match i.site() {
                Some(site) => (site as usize) < code.sites.len(),
                None => true,
            },
        };
        if !ok {
            bad(out, Some(pc), format!("operand out of range in {i}"));
        }
        if let Some(target) = i.jump_target(pc) {
            if index_of(target).is_none() {
                bad(
                    out,
                    Some(pc),
                    format!("{i} lands at {target}, not an instruction"),
                );
            }
        }
    }
    if let Some(&(pc, last)) = instrs.last() {
        if !matches!(
            last,
            Instr::ReturnTop | Instr::ReturnSelf | Instr::ReturnNil | Instr::JumpBack { .. }
        ) {
            bad(
                out,
                Some(pc),
                format!("code ends with {last}, which falls off the end"),
            );
        }
    }
    let argc = |site: u16| code.sites.get(site as usize).map_or(0, |s| s.argc as usize);
    walk_depths(&instrs, argc, |pc, message| bad(out, Some(pc), message));
}

/// The operand-stack depth at each instruction of verified `code` (indexed by pc; `None`
/// for bytes inside an instruction and for unreachable code), with `argc` giving each
/// send site's argument count. The native tier sizes its operand stack with it.
pub fn stack_depths(code: &[u8], argc: impl Fn(u16) -> usize) -> Vec<Option<usize>> {
    let mut by_pc = vec![None; code.len()];
    if let Ok(instrs) = decode_all(code) {
        let depths = walk_depths(&instrs, argc, |_, _| {});
        for (k, &(pc, _)) in instrs.iter().enumerate() {
            by_pc[pc] = depths[k].map(|d| d as usize);
        }
    }
    by_pc
}

/// Stack depths by abstract interpretation, one per instruction; `bad` hears of every
/// underflow and every instruction reached with two depths.
fn walk_depths(
    instrs: &[(usize, Instr)],
    argc: impl Fn(u16) -> usize,
    mut bad: impl FnMut(usize, String),
) -> Vec<Option<i64>> {
    let index_of = |pc: usize| instrs.binary_search_by_key(&pc, |&(p, _)| p).ok();
    let mut depth: Vec<Option<i64>> = vec![None; instrs.len()];
    let mut work = VecDeque::from([(0usize, 0i64)]);
    while let Some((k, d)) = work.pop_front() {
        let (pc, i) = instrs[k];
        match depth[k] {
            Some(seen) if seen == d => continue,
            Some(seen) => {
                bad(pc, format!("reached with stack depths {seen} and {d}"));
                continue;
            }
            None => depth[k] = Some(d),
        }
        let (pops, pushes) = i.stack_effect(&argc);
        let (pops, pushes) = (pops as i64, pushes as i64);
        if d < pops {
            bad(pc, format!("{i} underflows the stack"));
            continue;
        }
        let after = d - pops + pushes;
        let falls_through = !matches!(
            i,
            Instr::ReturnTop
                | Instr::ReturnSelf
                | Instr::ReturnNil
                | Instr::Jump { .. }
                | Instr::JumpBack { .. }
        );
        if let Some(target) = i.jump_target(pc) {
            if let Some(t) = index_of(target) {
                work.push_back((t, after));
            }
        }
        if falls_through && k + 1 < instrs.len() {
            work.push_back((k + 1, after));
        }
    }
    depth
}
