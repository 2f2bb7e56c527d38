//! Ordinary Smalltalk: literals at representation boundaries, arithmetic, strings,
//! collections, blocks, conditionals and bounded loops, as typed expression families
//! (integer, number, string, collection, any). [`Gen`] also assembles the program:
//! temporaries, guarded statements, the final value.

use super::adversarial;
use super::{Choices, Feature, Features, Program};

/// Expression families: what kind of value an expression is meant to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An Integer (small or large).
    Int,
    /// An Integer or a Double.
    Num,
    /// A String or Symbol.
    Str,
    /// An Array, Vector, Set or Dictionary.
    Coll,
    /// Anything.
    Any,
}

/// Integers at and around the representation boundaries (SmallInteger is 61 bits).
pub const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "42",
    "255",
    "256",
    "65535",
    "1073741823",
    "4294967296",
    "1152921504606846975",
    "1152921504606846976",
    "-1152921504606846976",
    "-1152921504606846977",
    "4611686018427387904",
    "9223372036854775807",
    "18446744073709551616",
    "-18446744073709551616",
    "340282366920938463463374607431768211457",
];

const DOUBLES: &[&str] = &[
    "0.0",
    "0.5",
    "-2.5",
    "1e308",
    "1.7976931348623157e308",
    "4.9e-324",
    "3.14159",
    // Near the limits of immediate floats (exponents 2^-126 ..= 2^128): one operation
    // moves a result between immediate and boxed.
    "3.0e38",
    "-1.0e-38",
    "1.5e-38",
    "-0.0",
];
const STRINGS: &[&str] = &[
    "''",
    "'a'",
    "'abc'",
    "'hello world'",
    "'a:b:'",
    "'+'",
    "'12'",
    "'-7'",
    "'Object'",
];
const SYMBOLS: &[&str] = &[
    "#foo",
    "#at:",
    "#at:put:",
    "#+",
    "#value",
    "#value:",
    "#printString",
    "#size",
    "#new:",
    "#yourself",
    "#class",
    "#==",
    "#with:with:",
    "#Object",
];
const CHARS: &[&str] = &["$a", "$ ", "$'", "$0", "$Z"];
const LITERAL_ARRAYS: &[&str] = &[
    "#()",
    "#(1 2 3)",
    "#(1 $a 'x' #sym nil)",
    "#(#(1 2) 3.5 true)",
    "#(1152921504606846976 -1)",
];
/// Globals a program may name; the kernel classes with special formats come first.
pub const CLASSES: &[&str] = &[
    "Object",
    "Array",
    "String",
    "Symbol",
    "Integer",
    "Double",
    "Character",
    "Block",
    "Method",
    "Class",
    "Metaclass",
    "Nil",
    "True",
    "False",
    "Boolean",
    "Vector",
    "Set",
    "Dictionary",
    "IdentityDictionary",
    "Association",
    "Pair",
    "Exception",
    "Error",
    "ZeroDivide",
    "MessageNotUnderstood",
    "PrimitiveFailed",
    "StackOverflow",
    "OutOfMemory",
    "Warning",
    "ReadStream",
    "WriteStream",
    "System",
    "Smalltalk",
    "ProgenShape",
    "ProgenWide",
    "ProgenEmpty",
];
const UNARY: &[&str] = &[
    "printString",
    "class",
    "size",
    "hash",
    "isNil",
    "notNil",
    "yourself",
    "copy",
    "asString",
    "asSymbol",
    "asInteger",
    "negated",
    "abs",
    "value",
    "first",
    "last",
    "isEmpty",
    "reversed",
    "name",
    "superclass",
    "asArray",
    "numArgs",
    "identityHash",
    "isString",
    "isSymbol",
    "isClass",
    "asDouble",
    "sqrt",
    "squared",
    "even",
    "asCharacter",
    "asUppercase",
    "keys",
    "values",
    "sum",
    "max",
    "sorted",
    "asSet",
    "length",
    "objectSize",
    "instSize",
    "fields",
    "selectors",
    "displayString",
    "shallowCopy",
    "species",
    "isEmptyOrNil",
    "description",
    "messageText",
    "signature",
    "holder",
    "truncated",
    "rounded",
    "isPrime",
    "trimmed",
];
const BINARY: &[&str] = &[
    "+", "-", "*", "/", "//", "\\\\", "%", "<", ">", "<=", ">=", "=", "==", "~=", ",", "&", "|",
    "->", "<<", ">>", "@",
];
/// Keyword selectors sent with arguments of any kind; none makes work grow with an
/// argument's value (`raisedTo:`, `new:`, `copyWithSize:` take their arguments from
/// [`Gen::size`] and literals only).
const KEYWORD1: &[&str] = &[
    "at:",
    "value:",
    "max:",
    "min:",
    "includes:",
    "indexOf:",
    "add:",
    "remove:",
    "copyWith:",
    "respondsTo:",
    "isKindOf:",
    "gcd:",
    "rem:",
    "quo:",
    "bitAnd:",
    "bitXor:",
    "printString:",
    "join:",
    "occurrencesOf:",
    "beginsWith:",
    "split:",
    "union:",
    "copyFrom:",
    "removeKey:",
    "containsKey:",
    "lookup:",
    "canUnderstand:",
    "inheritsFrom:",
    "charAt:",
    "roundTo:",
];
const KEYWORD2: &[&str] = &[
    "at:put:",
    "copyFrom:to:",
    "value:value:",
    "between:and:",
    "at:ifAbsent:",
    "with:with:",
    "indexOf:startingAt:",
    "replaceFrom:to:",
];
/// Shift amounts: either side of every word boundary.
const SHIFTS: &[&str] = &[
    "0", "1", "3", "59", "60", "61", "62", "63", "64", "65", "100", "-1", "-64", "200",
];

/// The generator: decisions, enabled features, budget, and the temporaries in use.
pub struct Gen<'c> {
    pub c: &'c mut dyn Choices,
    pub features: Features,
    /// Expression nodes still allowed in this program.
    budget: usize,
    /// Nesting depth of the expression being generated.
    depth: usize,
    /// Program temporaries (t0..).
    temps: Vec<String>,
    /// Block parameters in scope.
    params: Vec<String>,
    /// Loop counters: declared with the temporaries, never assigned by generated code.
    counters: Vec<String>,
    next_name: usize,
    pub pollutes: bool,
    /// The program may exceed a compiler limit: a compile error is a correct answer.
    pub compile_error_ok: bool,
}

impl<'c> Gen<'c> {
    /// A generator drawing from `c`.
    pub fn new(c: &'c mut dyn Choices, features: Features) -> Gen<'c> {
        Gen {
            c,
            features,
            budget: 0,
            depth: 0,
            temps: Vec::new(),
            params: Vec::new(),
            counters: Vec::new(),
            next_name: 0,
            pollutes: false,
            compile_error_ok: false,
        }
    }

    /// One element of `items`.
    pub fn one<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.c.pick(items.len())]
    }

    /// A new temporary, declared at the top of the program.
    pub fn fresh_temp(&mut self) -> String {
        let name = format!("t{}", self.temps.len());
        self.temps.push(name.clone());
        name
    }

    /// A new loop counter, declared at the top of the program but never a [`Gen::target`].
    pub fn fresh_counter(&mut self) -> String {
        let name = format!("k{}", self.counters.len());
        self.counters.push(name.clone());
        name
    }

    /// A new block-parameter name.
    pub fn fresh_param(&mut self) -> String {
        self.next_name += 1;
        format!("p{}", self.next_name)
    }

    /// A variable to read: a temporary or a block parameter in scope.
    fn variable(&mut self) -> Option<String> {
        let n = self.temps.len() + self.params.len();
        if n == 0 {
            return None;
        }
        let i = self.c.pick(n);
        Some(if i < self.temps.len() {
            self.temps[i].clone()
        } else {
            self.params[i - self.temps.len()].clone()
        })
    }

    /// A temporary to assign.
    pub fn target(&mut self) -> String {
        let i = self.c.pick(self.temps.len() + 1);
        if i < self.temps.len() {
            self.temps[i].clone()
        } else {
            self.fresh_temp()
        }
    }

    /// Whether more structure may be generated (budget left, not too deep).
    fn room(&self) -> bool {
        self.budget > 0 && self.depth < 5
    }

    /// A small literal loop bound or count.
    pub fn small(&mut self) -> usize {
        self.c.pick(5)
    }

    /// An allocation size: small, or far past any heap, or not a size at all.
    pub fn size(&mut self) -> String {
        match self.c.pick(12) {
            0..=5 => self.c.pick(8).to_string(),
            6 => "(1 << 40)".into(),
            7 => "-1".into(),
            8 => self
                .one(&[
                    "1152921504606846975",
                    "4611686018427387904",
                    "(2 raisedTo: 64)",
                    "4294967296",
                ])
                .into(),
            9 => "nil".into(),
            10 => "3.5".into(),
            _ => "'3'".into(),
        }
    }

    /// An expression of kind `k`.
    pub fn expr(&mut self, k: Kind) -> String {
        if !self.room() {
            return self.leaf(k);
        }
        self.budget -= 1;
        self.depth += 1;
        let e = match k {
            Kind::Int => self.int_expr(),
            Kind::Num => self.num_expr(),
            Kind::Str => self.str_expr(),
            Kind::Coll => self.coll_expr(),
            Kind::Any => self.any_expr(),
        };
        self.depth -= 1;
        e
    }

    /// A literal (or variable) of kind `k`: no further structure.
    pub fn leaf(&mut self, k: Kind) -> String {
        match k {
            Kind::Int => self.one(INTS).into(),
            Kind::Num => {
                if self.c.chance(1, 3) {
                    self.one(DOUBLES).into()
                } else {
                    self.one(INTS).into()
                }
            }
            Kind::Str => {
                if self.c.chance(1, 3) {
                    self.one(SYMBOLS).into()
                } else {
                    self.one(STRINGS).into()
                }
            }
            Kind::Coll => self.one(LITERAL_ARRAYS).into(),
            Kind::Any => match self.c.pick(9) {
                0 => self.one(INTS).into(),
                1 => self.one(STRINGS).into(),
                2 => self.one(&["nil", "true", "false"]).into(),
                3 => self.one(CHARS).into(),
                4 => self.one(SYMBOLS).into(),
                5 => self.one(LITERAL_ARRAYS).into(),
                6 => self.one(CLASSES).into(),
                7 => self.one(DOUBLES).into(),
                _ => self.variable().unwrap_or_else(|| "nil".into()),
            },
        }
    }

    fn int_expr(&mut self) -> String {
        match self.c.pick(9) {
            0 => self.leaf(Kind::Int),
            1 | 2 => {
                let op = self.one(&[
                    "+", "-", "*", "//", "\\\\", "rem:", "quo:", "gcd:", "max:", "min:", "bitAnd:",
                    "bitOr:", "bitXor:", "/", "%",
                ]);
                format!("({} {op} {})", self.expr(Kind::Int), self.expr(Kind::Int))
            }
            3 => {
                let op = self.one(&["<<", ">>", "bitShift:"]);
                format!("({} {op} {})", self.expr(Kind::Int), self.one(SHIFTS))
            }
            4 => {
                let op = self.one(&["negated", "abs", "squared", "sign", "hash"]);
                format!("({} {op})", self.expr(Kind::Int))
            }
            5 => format!("({} raisedTo: {})", self.one(INTS), self.c.pick(70)),
            6 => {
                // Out of SmallInteger range and back again.
                let (b, k) = (self.one(INTS), self.one(INTS));
                format!("(({b} + {k}) - {k})")
            }
            7 => format!("{} factorial", self.c.pick(30)),
            _ => format!("({} size)", self.expr(Kind::Str)),
        }
    }

    fn num_expr(&mut self) -> String {
        match self.c.pick(5) {
            0 => self.leaf(Kind::Num),
            1 => self.int_expr(),
            2 => format!("({} asDouble)", self.expr(Kind::Int)),
            3 => {
                let op = self.one(&["+", "-", "*", "//", "<", "max:", "roundTo:"]);
                format!("({} {op} {})", self.expr(Kind::Num), self.expr(Kind::Num))
            }
            _ => format!(
                "({} {})",
                self.expr(Kind::Num),
                self.one(&[
                    "sqrt",
                    "rounded",
                    "truncated",
                    "floor",
                    "negated",
                    "printString"
                ])
            ),
        }
    }

    fn str_expr(&mut self) -> String {
        match self.c.pick(8) {
            0 => self.leaf(Kind::Str),
            1 => format!("({} , {})", self.expr(Kind::Str), self.expr(Kind::Str)),
            2 => format!("({} printString)", self.expr(Kind::Any)),
            3 => format!(
                "({} {})",
                self.expr(Kind::Str),
                self.one(&[
                    "reversed",
                    "asUppercase",
                    "asSymbol",
                    "asString",
                    "trimmed",
                    "copy"
                ])
            ),
            4 => format!(
                "({} copyFrom: {} to: {})",
                self.expr(Kind::Str),
                self.c.pick(4),
                self.leaf(Kind::Int)
            ),
            5 => format!(
                "({} printString: {})",
                self.expr(Kind::Int),
                self.one(&["2", "16", "36", "1", "0", "-3"])
            ),
            6 => format!("(String new: {})", self.size()),
            _ => format!("({} join: {})", self.expr(Kind::Str), self.expr(Kind::Coll)),
        }
    }

    fn coll_expr(&mut self) -> String {
        match self.c.pick(10) {
            0 => self.leaf(Kind::Coll),
            1 => format!("(Array new: {})", self.size()),
            2 => format!(
                "(Array with: {} with: {})",
                self.expr(Kind::Any),
                self.expr(Kind::Any)
            ),
            3 => format!(
                "(Array new: {} withAll: {})",
                self.c.pick(6),
                self.expr(Kind::Any)
            ),
            4 => {
                let p = self.fresh_param();
                let body = self.scoped(&p, Kind::Any);
                let op = self.one(&["collect:", "select:", "reject:"]);
                format!("({} {op} [:{p} | {body}])", self.expr(Kind::Coll))
            }
            5 => format!("({} , {})", self.expr(Kind::Coll), self.expr(Kind::Coll)),
            6 => format!(
                "(Vector new add: {}; add: {}; yourself)",
                self.expr(Kind::Any),
                self.expr(Kind::Any)
            ),
            7 => format!("(Set withAll: {})", self.expr(Kind::Coll)),
            8 => format!(
                "(Dictionary new at: {} put: {}; at: {} put: {}; yourself)",
                self.expr(Kind::Any),
                self.expr(Kind::Any),
                self.expr(Kind::Any),
                self.expr(Kind::Any)
            ),
            _ => format!(
                "({} {})",
                self.expr(Kind::Coll),
                self.one(&["reversed", "asArray", "copy", "sorted", "asSet", "keys", "values"])
            ),
        }
    }

    fn any_expr(&mut self) -> String {
        match self.c.pick(16) {
            0 => self.leaf(Kind::Any),
            1 => self.expr(Kind::Int),
            2 => self.expr(Kind::Str),
            3 => self.expr(Kind::Coll),
            4 => self.expr(Kind::Num),
            5 => format!("({} {})", self.expr(Kind::Any), self.one(UNARY)),
            6 => format!(
                "({} {} {})",
                self.expr(Kind::Any),
                self.one(BINARY),
                self.expr(Kind::Any)
            ),
            7 => format!(
                "({} {} {})",
                self.expr(Kind::Any),
                self.one(KEYWORD1),
                self.expr(Kind::Any)
            ),
            8 => {
                let sel = self.one(KEYWORD2);
                let mut parts = sel.split_inclusive(':');
                let (k1, k2) = (
                    parts.next().unwrap_or("at:"),
                    parts.next().unwrap_or("put:"),
                );
                format!(
                    "({} {k1} {} {k2} {})",
                    self.expr(Kind::Any),
                    self.expr(Kind::Any),
                    self.expr(Kind::Any)
                )
            }
            9 => self.block_value(),
            10 => format!(
                "({} ifTrue: [{}] ifFalse: [{}])",
                self.condition(),
                self.expr(Kind::Any),
                self.expr(Kind::Any)
            ),
            11 => format!(
                "({} ifNil: [{}] ifNotNil: [:x | x])",
                self.expr(Kind::Any),
                self.expr(Kind::Any)
            ),
            12 => {
                let (a, b) = (self.fresh_param(), self.fresh_param());
                self.params.push(a.clone());
                let body = self.scoped(&b, Kind::Any);
                self.params.pop();
                format!(
                    "({} inject: {} into: [:{a} :{b} | {body}])",
                    self.expr(Kind::Coll),
                    self.expr(Kind::Any)
                )
            }
            13 => {
                let p = self.fresh_param();
                let body = self.scoped(&p, Kind::Any);
                format!(
                    "({} detect: [:{p} | {body}] ifNone: [{}])",
                    self.expr(Kind::Coll),
                    self.leaf(Kind::Any)
                )
            }
            14 => format!(
                "({} -> {}) value",
                self.expr(Kind::Any),
                self.expr(Kind::Any)
            ),
            _ => {
                let v = self.target();
                format!("({v} := {})", self.expr(Kind::Any))
            }
        }
    }

    /// A boolean (mostly): comparisons, tests, and now and then something that is not.
    pub fn condition(&mut self) -> String {
        match self.c.pick(5) {
            0 => self.one(&["true", "false"]).into(),
            1 => format!("({} < {})", self.expr(Kind::Num), self.expr(Kind::Num)),
            2 => format!("({} = {})", self.expr(Kind::Any), self.expr(Kind::Any)),
            3 => format!("({} isNil)", self.expr(Kind::Any)),
            _ => self.expr(Kind::Any),
        }
    }

    /// An expression with block parameter `p` in scope.
    pub fn scoped(&mut self, p: &str, k: Kind) -> String {
        self.params.push(p.to_string());
        let e = self.expr(k);
        self.params.pop();
        e
    }

    /// A literal block evaluated with the right number of arguments.
    fn block_value(&mut self) -> String {
        match self.c.pick(3) {
            0 => format!("[{}] value", self.expr(Kind::Any)),
            1 => {
                let p = self.fresh_param();
                let body = self.scoped(&p, Kind::Any);
                format!("([:{p} | {body}] value: {})", self.expr(Kind::Any))
            }
            _ => {
                let (a, b) = (self.fresh_param(), self.fresh_param());
                self.params.push(a.clone());
                let body = self.scoped(&b, Kind::Any);
                self.params.pop();
                format!(
                    "([:{a} :{b} | {body}] value: {} value: {})",
                    self.expr(Kind::Any),
                    self.expr(Kind::Any)
                )
            }
        }
    }

    /// An ordinary statement: assignment, expression, bounded loop or conditional.
    pub fn plain_statement(&mut self) -> String {
        if !self.room() {
            let v = self.target();
            return format!("{v} := {}", self.leaf(Kind::Any));
        }
        match self.c.pick(7) {
            0 | 1 => {
                let v = self.target();
                format!("{v} := {}", self.expr(Kind::Any))
            }
            2 => self.expr(Kind::Any),
            3 => {
                let p = self.fresh_param();
                self.params.push(p.clone());
                let body = self.body();
                self.params.pop();
                format!("1 to: {} do: [:{p} | {body}]", self.small())
            }
            4 => format!("{} timesRepeat: [{}]", self.small(), self.body()),
            5 => format!(
                "{} ifTrue: [{}] ifFalse: [{}]",
                self.condition(),
                self.body(),
                self.body()
            ),
            _ => {
                // A while loop, bounded by a counter of its own.
                let k = self.fresh_counter();
                let n = self.small();
                format!(
                    "{k} := 0. [{k} < {n}] whileTrue: [{k} := {k} + 1. {}]",
                    self.body()
                )
            }
        }
    }

    /// A nested statement (loop or conditional body), one level deeper.
    pub fn body(&mut self) -> String {
        self.depth += 1;
        let s = self.statement();
        self.depth -= 1;
        s
    }

    /// One statement: an adversarial snippet from an enabled feature or plain code.
    pub fn statement(&mut self) -> String {
        let adversarial = self.features.list();
        if !adversarial.is_empty() && self.c.chance(1, 2) {
            let f = adversarial[self.c.pick(adversarial.len())];
            if f != Feature::Unguarded {
                return adversarial::snippet(self, f);
            }
        }
        self.plain_statement()
    }

    /// `stmt` inside a handler, or bare when [`Feature::Unguarded`] allows it.
    fn guarded(&mut self, stmt: String) -> String {
        if self.features.has(Feature::Unguarded) && self.c.chance(1, 16) {
            return stmt;
        }
        let (class, handler) = if self.features.has(Feature::Exceptions) && self.c.chance(1, 8) {
            adversarial::handler(self)
        } else {
            let class = self.one(&["Exception", "Error", "Exception, Error"]);
            let h = match self.c.pick(5) {
                0 => "nil".to_string(),
                1 => "e messageText".into(),
                2 => format!("e return: {}", self.leaf(Kind::Any)),
                3 => "e class name".into(),
                _ => "e description".into(),
            };
            (class.to_string(), h)
        };
        format!("[{stmt}] on: {class} do: [:e | {handler}]")
    }

    /// A whole program of at most `statements` statements (at least one).
    pub fn program(&mut self, statements: usize) -> Program {
        let n = 1 + self.c.pick(statements.max(1));
        self.budget = 6 + 6 * n;
        let mut body = Vec::new();
        for _ in 0..n {
            self.depth = 0;
            let s = self.statement();
            body.push(self.guarded(s));
        }
        let last = self.leaf(Kind::Any);
        body.push(last);
        let mut text = String::new();
        let declared: Vec<&str> = self
            .temps
            .iter()
            .chain(&self.counters)
            .map(|s| s.as_str())
            .collect();
        if !declared.is_empty() {
            text.push_str(&format!("| {} |\n", declared.join(" ")));
        }
        text.push_str(&body.join(".\n"));
        Program {
            text,
            pollutes: self.pollutes,
            compile_error_ok: self.compile_error_ok,
        }
    }
}
