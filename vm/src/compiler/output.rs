//! What the compiler produces: one [`CompiledCode`] per method or block, heap-free.

use std::fmt::{self, Write};

use crate::bytecode::decode_all;
use crate::syntax::ast::Literal;

/// One send site: the selector and its argument count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDef {
    /// The selector sent.
    pub selector: String,
    /// Number of arguments.
    pub argc: u8,
}

/// A compiled method or block.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledCode {
    /// The selector (a block's is `[] in Holder>>selector`-like for stack traces).
    pub selector: String,
    /// True for a block.
    pub is_block: bool,
    /// True for `= primitive` methods (then `code` is empty).
    pub primitive: bool,
    /// Number of arguments.
    pub num_args: usize,
    /// Number of values copied from the creator into the frame (blocks only).
    pub num_copied: usize,
    /// Number of temporaries after args and copied values (nil-initialised).
    pub num_temps: usize,
    /// The bytecodes.
    pub code: Vec<u8>,
    /// Literal frame.
    pub literals: Vec<Literal>,
    /// Send sites (selector, argc).
    pub sites: Vec<SiteDef>,
    /// Global sites (names).
    pub globals: Vec<String>,
    /// Nested block methods, indexed by `MakeClosure`.
    pub blocks: Vec<CompiledCode>,
    /// `(pc, line)` pairs, ascending pc: the line of the code starting at pc.
    pub lines: Vec<(u32, u32)>,
    /// The source line where the method or block starts.
    pub line: u32,
}

impl CompiledCode {
    /// The source line of the instruction at `pc`.
    pub fn line_at(&self, pc: usize) -> u32 {
        let mut line = self.line;
        for &(at, l) in &self.lines {
            if at as usize > pc {
                break;
            }
            line = l;
        }
        line
    }

    /// A disassembly: one instruction per line, with site selectors and literals
    /// spelled out, then the nested blocks indented.
    pub fn disassemble(&self) -> String {
        let mut out = String::new();
        self.disassemble_into(&mut out, 0)
            .expect("writing to a String cannot fail");
        out
    }

    fn disassemble_into(&self, out: &mut String, indent: usize) -> fmt::Result {
        let pad = " ".repeat(indent);
        writeln!(
            out,
            "{pad}{} args={} copied={} temps={}",
            self.selector, self.num_args, self.num_copied, self.num_temps
        )?;
        let Ok(instrs) = decode_all(&self.code) else {
            return writeln!(out, "{pad}  <undecodable>");
        };
        for (pc, instr) in instrs {
            write!(out, "{pad}  {pc:4} {instr}")?;
            if let Some(site) = instr.site() {
                if let Some(s) = self.sites.get(site as usize) {
                    write!(out, " #{}", s.selector)?;
                }
            }
            match instr {
                crate::bytecode::Instr::PushLiteral { lit } => {
                    if let Some(l) = self.literals.get(lit as usize) {
                        write!(out, " ; {l:?}")?;
                    }
                }
                crate::bytecode::Instr::PushGlobal { site } => {
                    if let Some(g) = self.globals.get(site as usize) {
                        write!(out, " ; {g}")?;
                    }
                }
                _ => {}
            }
            writeln!(out)?;
        }
        for b in &self.blocks {
            b.disassemble_into(out, indent + 4)?;
        }
        Ok(())
    }
}
