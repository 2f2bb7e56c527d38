//! The abstract syntax tree of SOM class files, methods and `cairn eval` snippets.
//!
//! Plain data: enums, `Vec` and `Box`, all `Debug + Clone + PartialEq`. Every node
//! carries a [`Span`] (byte range plus the line and column of its first byte) so that
//! the compiler can map bytecodes back to source lines for stack traces.
//!
//! Conventions the compiler relies on:
//! - `self`, `super`, `nil`, `true` and `false` are [`ExprKind::Pseudo`], never
//!   [`ExprKind::Variable`]. A super send is a [`Send`] whose receiver is
//!   `Pseudo(PseudoVar::Super)` (see [`Send::is_super`]).
//! - `^ expr` is [`ExprKind::Return`]; the parser only produces it as the last
//!   statement of a body.
//! - `a := b := 3` is `Assign(a, Assign(b, 3))`.
//! - A method or block body's statements are in source order; an empty body is an
//!   empty `Vec` (a method then answers `self`, a block `nil`).

use num_bigint::BigInt;

/// A range of source bytes, with the 1-based line and column of its first byte.
///
/// The column counts characters (not bytes) from the start of the line, starting at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column (in characters) of `start`.
    pub column: u32,
}

impl Span {
    /// The smallest span covering `self` and `other` (line/column of the earlier one).
    pub fn to(self, other: Span) -> Span {
        let (first, _) = if self.start <= other.start {
            (self, other)
        } else {
            (other, self)
        };
        Span {
            start: first.start,
            end: self.end.max(other.end),
            line: first.line,
            column: first.column,
        }
    }
}

/// A name written in the source (variable, field, parameter, class name), with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name as written.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A whole class file: `Name = Super ( |fields| methods ---- |classFields| methods )`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassDef {
    /// The class name.
    pub name: Ident,
    /// The superclass name as written; `None` when omitted (meaning `Object`).
    /// `Object = nil ( ... )` gives `Some("nil")`: the root class.
    pub superclass: Option<Ident>,
    /// Instance variable names, in order.
    pub instance_fields: Vec<Ident>,
    /// Instance-side methods, in source order.
    pub instance_methods: Vec<MethodDef>,
    /// Class-side instance variable names (after `----`).
    pub class_fields: Vec<Ident>,
    /// Class-side methods (after `----`), in source order.
    pub class_methods: Vec<MethodDef>,
    /// The whole definition.
    pub span: Span,
}

/// The three shapes of selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelectorKind {
    /// `foo` (no arguments).
    Unary,
    /// `+`, `<=`, `,` … (one argument).
    Binary,
    /// `at:put:` (one argument per keyword).
    Keyword,
}

/// A method definition: `pattern = ( |locals| statements )` or `pattern = primitive`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodDef {
    /// The full selector, e.g. `at:put:`.
    pub selector: String,
    /// The selector's shape.
    pub kind: SelectorKind,
    /// Parameter names (empty for unary).
    pub params: Vec<Ident>,
    /// Body or `primitive`.
    pub body: MethodBody,
    /// The whole definition, from the pattern to the closing parenthesis.
    pub span: Span,
}

/// What a method does.
#[derive(Debug, Clone, PartialEq)]
pub enum MethodBody {
    /// `= primitive`: implemented by the VM.
    Primitive,
    /// `= ( ... )`: Smalltalk code.
    Code(Body),
}

/// Locals and statements of a method or block.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// `| a b |` temporaries, in order.
    pub locals: Vec<Ident>,
    /// Statements in order; a `Return` can only be last.
    pub statements: Vec<Expr>,
}

/// A block: `[ :a :b | | t | statements ]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Parameter names, in order.
    pub params: Vec<Ident>,
    /// Locals and statements.
    pub body: Body,
}

/// An expression (or statement) with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The pseudo-variables the compiler treats specially.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PseudoVar {
    /// `self`.
    SelfVar,
    /// `super` (only meaningful as a send receiver).
    Super,
    /// `nil`.
    Nil,
    /// `true`.
    True,
    /// `false`.
    False,
}

impl PseudoVar {
    /// The keyword as written in source.
    pub fn name(self) -> &'static str {
        match self {
            PseudoVar::SelfVar => "self",
            PseudoVar::Super => "super",
            PseudoVar::Nil => "nil",
            PseudoVar::True => "true",
            PseudoVar::False => "false",
        }
    }

    /// The pseudo-variable spelled `name`, if any.
    pub fn from_name(name: &str) -> Option<PseudoVar> {
        Some(match name {
            "self" => PseudoVar::SelfVar,
            "super" => PseudoVar::Super,
            "nil" => PseudoVar::Nil,
            "true" => PseudoVar::True,
            "false" => PseudoVar::False,
            _ => return None,
        })
    }
}

/// A message send `receiver selector args`.
#[derive(Debug, Clone, PartialEq)]
pub struct Send {
    /// The receiver (`Pseudo(Super)` for a super send).
    pub receiver: Expr,
    /// The message.
    pub message: Message,
}

impl Send {
    /// True when the receiver is `super`: lookup starts in the method's superclass.
    pub fn is_super(&self) -> bool {
        matches!(self.receiver.kind, ExprKind::Pseudo(PseudoVar::Super))
    }
}

/// A selector with its arguments, without the receiver (also one part of a cascade).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The full selector, e.g. `at:put:`.
    pub selector: String,
    /// The selector's shape.
    pub kind: SelectorKind,
    /// Arguments, one per keyword (one for binary, none for unary).
    pub args: Vec<Expr>,
    /// Span of the selector (first keyword for keyword messages).
    pub selector_span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal constant.
    Literal(Literal),
    /// Read of a local, argument, field or global.
    Variable(String),
    /// `self`, `super`, `nil`, `true`, `false`.
    Pseudo(PseudoVar),
    /// `target := value` (nested for `a := b := v`).
    Assign {
        /// The variable written.
        target: Ident,
        /// The value (also the value of the assignment).
        value: Box<Expr>,
    },
    /// A message send (including super sends).
    Send(Box<Send>),
    /// `receiver m1; m2; m3`: every message goes to `receiver`, the value is the last
    /// answer. `messages` has at least two entries. (An extension: SOM has no `;`.)
    Cascade {
        /// The common receiver.
        receiver: Box<Expr>,
        /// The messages, in order.
        messages: Vec<Message>,
    },
    /// A block closure.
    Block(Box<Block>),
    /// `^ value`: return from the enclosing method (non-local from a block).
    Return(Box<Expr>),
}

/// A literal constant, as written in code or inside a literal array.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer that fits in `i64` (negative literals included).
    Integer(i64),
    /// An integer that does not fit in `i64`.
    LargeInteger(BigInt),
    /// A floating-point literal.
    Double(f64),
    /// `'text'` with escapes resolved.
    String(String),
    /// `#foo`, `#at:put:`, `#+`, `#'with space'`.
    Symbol(String),
    /// `$a` (an extension: SOM has no character literals).
    Character(char),
    /// `#( ... )`; nested `( ... )` inside it are arrays too.
    Array(Vec<Literal>),
    /// `nil` inside a literal array.
    Nil,
    /// `true` inside a literal array.
    True,
    /// `false` inside a literal array.
    False,
}

/// The number of arguments a selector takes.
pub fn selector_arity(selector: &str) -> usize {
    let first = selector.chars().next();
    match first {
        Some(c) if c.is_alphabetic() || c == '_' => selector.matches(':').count(),
        Some(_) => 1,
        None => 0,
    }
}
