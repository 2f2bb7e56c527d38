//! What the translator needs to know before emitting code: the decoded instructions,
//! the operand-stack depth at each (the verifier's walk, `verifier::stack_depths`), the
//! pcs that start a Cranelift block (*labels*) and the *resume points*: the pcs where
//! native code may be entered from the dispatch loop (docs/design/jit.md §3).
//!
//! Resume points are 0 (entry), the pc after every instruction that calls out and may
//! change frames or answer after the loop ran something (sends, special sends, an
//! unbound global, a non-local return to a dead home) and every back-edge target
//! (safepoints, on-stack replacement). A conditional jump whose `mustBeBoolean` send
//! returns continues at the jump itself (its answer is the condition again), which is
//! not a resume point: the interpreter finishes that activation.

use std::collections::BTreeSet;

use cairn_vm::bytecode::{decode_all, Instr};
use cairn_vm::tier::{Bailout, MethodRef};
use cairn_vm::verifier::stack_depths;

/// Methods with more bytecode than this stay interpreted (compile pauses are bounded).
pub const MAX_CODE_BYTES: usize = 4096;

/// The translator's map of one method.
pub struct Plan {
    /// `(pc, instruction)` in code order.
    pub instrs: Vec<(usize, Instr)>,
    /// Operand-stack depth by pc (`None`: not an instruction start, or unreachable).
    pub depth: Vec<Option<usize>>,
    /// Pcs that start a Cranelift block.
    pub labels: BTreeSet<usize>,
    /// Pcs the native entry accepts as `resume` (a subset of `labels`).
    pub resumes: BTreeSet<usize>,
}

impl Plan {
    /// Plans `method`, or says why it stays interpreted.
    pub fn of(method: &MethodRef) -> Result<Plan, Bailout> {
        if method.marks() != 0 {
            return Err(Bailout::Marked);
        }
        let code = method.code();
        if code.len() > MAX_CODE_BYTES {
            return Err(Bailout::TooBig);
        }
        let instrs = decode_all(code).map_err(|_| Bailout::Unsupported("undecodable"))?;
        let depth = stack_depths(code, |s| method.site(s as usize).map_or(0, |s| s.argc));
        let reachable = |pc: usize| depth.get(pc).copied().flatten().is_some();
        let mut labels = BTreeSet::from([0]);
        let mut resumes = BTreeSet::from([0]);
        for &(pc, i) in &instrs {
            if !reachable(pc) {
                continue;
            }
            let next = pc + i.opcode().size();
            if let Some(target) = i.jump_target(pc) {
                labels.insert(target);
                if matches!(i, Instr::JumpBack { .. }) {
                    resumes.insert(target);
                }
            }
            let conditional = matches!(
                i,
                Instr::JumpIfTrue { .. }
                    | Instr::JumpIfFalse { .. }
                    | Instr::JumpIfNil { .. }
                    | Instr::JumpIfNotNil { .. }
                    | Instr::IncLocal { .. }
            );
            let resumable =
                i.site().is_some() || matches!(i, Instr::PushGlobal { .. } | Instr::ReturnNonLocal);
            if (conditional || resumable) && reachable(next) {
                labels.insert(next);
                if resumable {
                    resumes.insert(next);
                }
            }
        }
        Ok(Plan {
            instrs,
            depth,
            labels,
            resumes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_vm::bytecode::Instr::*;

    fn encode(instrs: &[Instr]) -> Vec<u8> {
        let mut out = Vec::new();
        for i in instrs {
            i.encode(&mut out);
        }
        out
    }

    #[test]
    fn depths_follow_the_verifier() {
        let code = encode(&[PushSelf, PushSmall { value: 1 }, Pop, ReturnTop]);
        let d = stack_depths(&code, |_| 0);
        assert_eq!(d, vec![Some(0), Some(1), None, Some(2), Some(1)]);
    }
}
