//! Cairn's bytecode: the one instruction set shared by the compiler, the interpreter,
//! the disassembler, the verifier and (later) the Cranelift tier.
//!
//! Every instruction is a one-byte opcode followed by its operands inline (`u8` or
//! little-endian `u16`). The single [`bytecodes!`] table below generates:
//! - [`Opcode`], a fieldless `#[repr(u8)]` enum the interpreter dispatches on;
//! - [`Instr`], the same instructions with decoded operands, for the compiler and tools;
//! - encoding, decoding, lengths and `Display` (the disassembler's spelling).
//!
//! Frame slots ("locals") are numbered from the receiver: local 0 is `self`, then the
//! arguments, then the values a block copied from its creator, then temporaries
//! (see `docs/design/interpreter.md`). Jump offsets are unsigned and relative to the
//! address of the next instruction: `Jump*` go forward, `JumpBack` goes backward.
//! Send sites and global sites index the method's side tables.

use std::fmt;

macro_rules! bytecodes {
    ($( $(#[$doc:meta])* $name:ident = $code:literal $( ( $($field:ident : $ty:ident),* ) )? ; )*) => {
        /// The opcode byte of every instruction (the interpreter's dispatch key).
        #[repr(u8)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Opcode {
            $( $(#[$doc])* $name = $code, )*
        }

        /// One decoded instruction with its operands.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Instr {
            $( $(#[$doc])* $name $( { $( #[allow(missing_docs)] $field : $ty ),* } )?, )*
        }

        impl Opcode {
            /// The opcode for `byte`, if it is one.
            pub fn from_byte(byte: u8) -> Option<Opcode> {
                match byte {
                    $( $code => Some(Opcode::$name), )*
                    _ => None,
                }
            }

            /// The instruction's name as the disassembler prints it.
            pub fn name(self) -> &'static str {
                match self {
                    $( Opcode::$name => stringify!($name), )*
                }
            }

            /// Encoded length in bytes, opcode included.
            pub fn size(self) -> usize {
                match self {
                    $( Opcode::$name => 1 $( $( + operand_len!($ty) )* )?, )*
                }
            }
        }

        impl Instr {
            /// This instruction's opcode.
            pub fn opcode(&self) -> Opcode {
                match self {
                    $( Instr::$name $( { $($field: _),* } )? => Opcode::$name, )*
                }
            }

            /// Appends the encoding of this instruction to `out`.
            pub fn encode(&self, out: &mut Vec<u8>) {
                match *self {
                    $( Instr::$name $( { $($field),* } )? => {
                        out.push($code);
                        $( $( Operand::put($field, out); )* )?
                    } )*
                }
            }

            /// Decodes the instruction at `pc`, or `None` when the bytes are not one.
            pub fn decode(code: &[u8], pc: usize) -> Option<Instr> {
                let op = Opcode::from_byte(*code.get(pc)?)?;
                if pc + op.size() > code.len() {
                    return None;
                }
                #[allow(unused_mut, unused_variables)]
                let mut at = pc + 1;
                Some(match op {
                    $( Opcode::$name => Instr::$name $( { $( $field: <$ty as Operand>::get(code, &mut at) ),* } )?, )*
                })
            }
        }

        impl fmt::Display for Instr {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( Instr::$name $( { $($field),* } )? => {
                        write!(f, "{}", stringify!($name))?;
                        $( $( write!(f, " {}", $field)?; )* )?
                        Ok(())
                    } )*
                }
            }
        }
    };
}

macro_rules! operand_len {
    (u8) => {
        1
    };
    (u16) => {
        2
    };
}

/// An inline operand type.
trait Operand: Sized {
    fn put(self, out: &mut Vec<u8>);
    fn get(code: &[u8], at: &mut usize) -> Self;
}

impl Operand for u8 {
    fn put(self, out: &mut Vec<u8>) {
        out.push(self);
    }
    fn get(code: &[u8], at: &mut usize) -> u8 {
        let v = code[*at];
        *at += 1;
        v
    }
}

impl Operand for u16 {
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(code: &[u8], at: &mut usize) -> u16 {
        let v = u16::from_le_bytes([code[*at], code[*at + 1]]);
        *at += 2;
        v
    }
}

bytecodes! {
    /// Push frame slot `n` (0 = self).
    PushLocal = 0 (n: u8);
    /// Push instance variable `n` of self.
    PushField = 1 (n: u8);
    /// Push element `idx` of the temp vector held in frame slot `vec`.
    PushTempVec = 2 (vec: u8, idx: u8);
    /// Push literal `lit` of the method.
    PushLiteral = 3 (lit: u16);
    /// Push the value of global site `site` (class loading / `unknownGlobal:` when unbound).
    PushGlobal = 4 (site: u16);
    /// Push self.
    PushSelf = 5;
    /// Push nil.
    PushNil = 6;
    /// Push true.
    PushTrue = 7;
    /// Push false.
    PushFalse = 8;
    /// Push a SmallInteger in 0..=255.
    PushSmall = 9 (value: u8);
    /// Store the top into frame slot `n`, keeping it on the stack.
    StoreLocal = 10 (n: u8);
    /// Store the top into instance variable `n` of self, keeping it.
    StoreField = 11 (n: u8);
    /// Store the top into a temp vector element, keeping it.
    StoreTempVec = 12 (vec: u8, idx: u8);
    /// Pop the top into frame slot `n`.
    PopLocal = 13 (n: u8);
    /// Pop the top into instance variable `n` of self.
    PopField = 14 (n: u8);
    /// Pop the top into a temp vector element.
    PopTempVec = 15 (vec: u8, idx: u8);
    /// Allocate a temp vector of `size` nils into frame slot `n`.
    MakeTempVec = 16 (n: u8, size: u8);
    /// Pop `copied` values and push a closure over block method literal `block`.
    MakeClosure = 17 (block: u16, copied: u8);
    /// Discard the top.
    Pop = 18;
    /// Duplicate the top.
    Dup = 19;
    /// Send through site `site` (receiver and arguments on the stack).
    Send = 20 (site: u16);
    /// Send through site `site`, looking up from the method holder's superclass.
    SuperSend = 21 (site: u16);
    /// `+` with a SmallInteger/Double fast path; falls back to site `site`.
    Add = 22 (site: u16);
    /// `-` with a fast path.
    Sub = 23 (site: u16);
    /// `*` with a fast path.
    Mul = 24 (site: u16);
    /// `<` with a fast path.
    Lt = 25 (site: u16);
    /// `>` with a fast path.
    Gt = 26 (site: u16);
    /// `<=` with a fast path.
    Le = 27 (site: u16);
    /// `>=` with a fast path.
    Ge = 28 (site: u16);
    /// `=` with a SmallInteger fast path.
    Eq = 29 (site: u16);
    /// `~=` / `<>` with a SmallInteger fast path.
    Ne = 30 (site: u16);
    /// `==`: identity, never sent.
    Identical = 31;
    /// Return the top from this frame to its caller.
    ReturnTop = 32;
    /// Return self from this frame.
    ReturnSelf = 33;
    /// Return nil from this frame.
    ReturnNil = 34;
    /// Return the top from the block's home method (non-local return).
    ReturnNonLocal = 35;
    /// Jump forward by `offset`.
    Jump = 36 (offset: u16);
    /// Jump backward by `offset` (a loop back-edge: safepoint and counter).
    JumpBack = 37 (offset: u16);
    /// Pop; jump forward if it is true.
    JumpIfTrue = 38 (offset: u16);
    /// Pop; jump forward if it is false.
    JumpIfFalse = 39 (offset: u16);
    /// Pop; jump forward if it is nil.
    JumpIfNil = 40 (offset: u16);
    /// Pop; jump forward if it is not nil.
    JumpIfNotNil = 41 (offset: u16);
    /// `//` with a SmallInteger fast path.
    IntDiv = 42 (site: u16);
    /// `\\` with a SmallInteger fast path.
    Mod = 43 (site: u16);
    /// `&` / `bitAnd:` with a SmallInteger fast path.
    BitAnd = 44 (site: u16);
    /// If frame slot `n` holds a SmallInteger, increment it and skip the next `skip`
    /// bytes (the generic `n := n + 1` sequence that follows, run otherwise).
    IncLocal = 45 (n: u8, skip: u8);
    /// `/` (truncated integer quotient) with a SmallInteger fast path.
    Quo = 46 (site: u16);
    /// `at:` with a fast path for Arrays and SmallInteger indices in range.
    At = 47 (site: u16);
    /// `at:put:` with a fast path for Arrays and SmallInteger indices in range.
    AtPut = 48 (site: u16);
}

/// The opcode that gives a fast path to `selector` with one argument, if any.
pub fn special_binary(selector: &str) -> Option<fn(u16) -> Instr> {
    Some(match selector {
        "+" => |site| Instr::Add { site },
        "-" => |site| Instr::Sub { site },
        "*" => |site| Instr::Mul { site },
        "<" => |site| Instr::Lt { site },
        ">" => |site| Instr::Gt { site },
        "<=" => |site| Instr::Le { site },
        ">=" => |site| Instr::Ge { site },
        "=" => |site| Instr::Eq { site },
        "~=" | "<>" => |site| Instr::Ne { site },
        "//" => |site| Instr::IntDiv { site },
        "\\\\" | "%" => |site| Instr::Mod { site },
        "/" => |site| Instr::Quo { site },
        "at:" => |site| Instr::At { site },
        "&" | "bitAnd:" => |site| Instr::BitAnd { site },
        _ => return None,
    })
}

impl Instr {
    /// Where a jump at `pc` lands, if this instruction is a jump.
    pub fn jump_target(&self, pc: usize) -> Option<usize> {
        let next = pc + self.opcode().size();
        match *self {
            Instr::Jump { offset }
            | Instr::JumpIfTrue { offset }
            | Instr::JumpIfFalse { offset }
            | Instr::JumpIfNil { offset }
            | Instr::JumpIfNotNil { offset } => Some(next + offset as usize),
            Instr::JumpBack { offset } => next.checked_sub(offset as usize),
            Instr::IncLocal { skip, .. } => Some(next + skip as usize),
            _ => None,
        }
    }

    /// `(pops, pushes)` on the operand stack, with `argc` giving a send site's argument
    /// count. Shared by the verifier (depth along every path) and the compiler (the
    /// operand-stack limit).
    pub fn stack_effect(&self, argc: impl Fn(u16) -> usize) -> (usize, usize) {
        match *self {
            Instr::PushLocal { .. }
            | Instr::PushField { .. }
            | Instr::PushTempVec { .. }
            | Instr::PushLiteral { .. }
            | Instr::PushGlobal { .. }
            | Instr::PushSelf
            | Instr::PushNil
            | Instr::PushTrue
            | Instr::PushFalse
            | Instr::PushSmall { .. } => (0, 1),
            Instr::StoreLocal { .. } | Instr::StoreField { .. } | Instr::StoreTempVec { .. } => {
                (1, 1)
            }
            Instr::PopLocal { .. }
            | Instr::PopField { .. }
            | Instr::PopTempVec { .. }
            | Instr::Pop => (1, 0),
            Instr::MakeTempVec { .. }
            | Instr::IncLocal { .. }
            | Instr::Jump { .. }
            | Instr::JumpBack { .. } => (0, 0),
            Instr::MakeClosure { copied, .. } => (copied as usize, 1),
            Instr::Dup => (1, 2),
            Instr::Send { site } | Instr::SuperSend { site } => (argc(site) + 1, 1),
            Instr::Identical => (2, 1),
            Instr::AtPut { .. } => (3, 1),
            Instr::ReturnTop => (1, 0),
            // A dead home: the value is replaced by `escapedBlock:`'s answer, then returned.
            Instr::ReturnNonLocal => (1, 1),
            Instr::ReturnSelf | Instr::ReturnNil => (0, 0),
            Instr::JumpIfTrue { .. }
            | Instr::JumpIfFalse { .. }
            | Instr::JumpIfNil { .. }
            | Instr::JumpIfNotNil { .. } => (1, 0),
            // The special binary sends.
            _ => (2, 1),
        }
    }

    /// The send site this instruction uses, if any.
    pub fn site(&self) -> Option<u16> {
        match *self {
            Instr::Send { site }
            | Instr::SuperSend { site }
            | Instr::Add { site }
            | Instr::Sub { site }
            | Instr::Mul { site }
            | Instr::Lt { site }
            | Instr::Gt { site }
            | Instr::Le { site }
            | Instr::Ge { site }
            | Instr::Eq { site }
            | Instr::Ne { site }
            | Instr::IntDiv { site }
            | Instr::Mod { site }
            | Instr::BitAnd { site }
            | Instr::Quo { site }
            | Instr::At { site }
            | Instr::AtPut { site } => Some(site),
            _ => None,
        }
    }
}

/// Decodes a whole bytecode string into `(pc, instruction)` pairs; stops at the first
/// undecodable byte and reports its pc as the error.
pub fn decode_all(code: &[u8]) -> Result<Vec<(usize, Instr)>, usize> {
    let mut out = Vec::new();
    let mut pc = 0;
    while pc < code.len() {
        let instr = Instr::decode(code, pc).ok_or(pc)?;
        out.push((pc, instr));
        pc += instr.opcode().size();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_instruction_round_trips_through_its_encoding() {
        let samples = [
            Instr::PushLocal { n: 3 },
            Instr::PushTempVec { vec: 2, idx: 7 },
            Instr::PushLiteral { lit: 300 },
            Instr::MakeClosure {
                block: 513,
                copied: 4,
            },
            Instr::Send { site: 65535 },
            Instr::JumpBack { offset: 12 },
            Instr::IncLocal { n: 5, skip: 9 },
            Instr::ReturnNonLocal,
        ];
        let mut code = Vec::new();
        for i in &samples {
            i.encode(&mut code);
        }
        let decoded: Vec<Instr> = decode_all(&code)
            .unwrap()
            .into_iter()
            .map(|(_, i)| i)
            .collect();
        assert_eq!(decoded, samples);
    }

    #[test]
    fn display_spells_name_then_operands() {
        assert_eq!(
            Instr::PushTempVec { vec: 1, idx: 2 }.to_string(),
            "PushTempVec 1 2"
        );
        assert_eq!(Instr::ReturnSelf.to_string(), "ReturnSelf");
    }

    #[test]
    fn truncated_and_unknown_bytes_do_not_decode() {
        assert_eq!(Instr::decode(&[Opcode::Send as u8, 1], 0), None);
        assert_eq!(decode_all(&[Opcode::Pop as u8, 250]), Err(1));
    }

    #[test]
    fn backward_jump_targets_are_relative_to_the_next_instruction() {
        let j = Instr::JumpBack { offset: 3 };
        assert_eq!(j.jump_target(10), Some(10));
        assert_eq!(Instr::Jump { offset: 2 }.jump_target(0), Some(5));
    }
}
