//! The recursive-descent parser: tokens to [`ast`](super::ast) nodes.
//!
//! Grammar (SOM, with the extensions noted in [`super::lexer`] and cascades):
//!
//! ```text
//! class      = Ident '=' [Ident] '(' [fields] method* ['----' [fields] method*] ')'
//! fields     = '|' Ident* '|'
//! method     = pattern '=' ('primitive' | '(' body ')')
//! pattern    = Ident | BinaryOp Ident | (Keyword Ident)+
//! body       = ['|' Ident* '|'] statements
//! statements = { expr '.' } [ ('^' expr | expr) ['.'] ]
//! expr       = Ident ':=' expr | cascade
//! cascade    = evaluation { ';' message }
//! evaluation = primary unary* binary* [keyword]
//! primary    = Ident | literal | '(' expr ')' | block
//! block      = '[' [(':' Ident)+ '|'] body ']'
//! ```
//!
//! Nesting (parentheses, blocks, arrays, assignment chains and message chains) is
//! bounded by [`MAX_DEPTH`], so no input can overflow the stack of the parser or of
//! the passes that walk the tree after it.

use rustc_hash::FxHashMap;

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::ast::{
    Block, Body, ClassDef, Expr, ExprKind, Ident, Literal, Message, MethodBody, MethodDef,
    PseudoVar, SelectorKind, Send, Span,
};
use super::error::ParseError;
use super::lexer::{tokenize, Tok, Token};

/// The deepest nesting of expressions the parser accepts.
pub const MAX_DEPTH: usize = 256;

/// Parses a whole class file `Name = Super ( ... )`.
pub fn parse_class(source: &str, file: &str) -> Result<ClassDef, ParseError> {
    let mut p = Parser::new(source, file)?;
    let class = p.class_def()?;
    p.expect_eof()?;
    Ok(class)
}

/// Parses one method definition, e.g. `foo: x = ( ^x + 1 )`.
pub fn parse_method(source: &str, file: &str) -> Result<MethodDef, ParseError> {
    let mut p = Parser::new(source, file)?;
    let method = p.method_def()?;
    p.expect_eof()?;
    Ok(method)
}

/// Parses statements with optional temporaries, e.g. `| a | a := 3. a + 4`, as
/// typed to `cairn eval`.
pub fn parse_expression(source: &str, file: &str) -> Result<Body, ParseError> {
    let mut p = Parser::new(source, file)?;
    let body = p.body(&Terminator::Eof)?;
    p.expect_eof()?;
    Ok(body)
}

/// What closes a body.
enum Terminator {
    Eof,
    RParen,
    RBracket,
}

impl Terminator {
    fn matches(&self, tok: &Tok) -> bool {
        matches!(
            (self, tok),
            (Terminator::Eof, Tok::Eof)
                | (Terminator::RParen, Tok::RParen)
                | (Terminator::RBracket, Tok::RBracket)
        )
    }

    fn describe(&self) -> &'static str {
        match self {
            Terminator::Eof => "end of input",
            Terminator::RParen => "')'",
            Terminator::RBracket => "']'",
        }
    }
}

struct Parser<'f> {
    tokens: Vec<Token>,
    pos: usize,
    file: &'f str,
    depth: usize,
}

type PResult<T> = Result<T, ParseError>;

impl<'f> Parser<'f> {
    fn new(source: &str, file: &'f str) -> PResult<Self> {
        Ok(Parser {
            tokens: tokenize(source, file)?,
            pos: 0,
            file,
            depth: 0,
        })
    }

    // ----- token access -----

    fn tok(&self) -> &Tok {
        &self.token().tok
    }

    fn token(&self) -> &Token {
        // The vector always ends with Eof and `advance` never moves past it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_tok(&self, n: usize) -> &Tok {
        let i = (self.pos + n).min(self.tokens.len() - 1);
        &self.tokens[i].tok
    }

    fn span(&self) -> Span {
        self.token().span
    }

    /// The span of the last consumed token.
    fn prev_span(&self) -> Span {
        if self.pos == 0 {
            self.span()
        } else {
            self.tokens[self.pos - 1].span
        }
    }

    /// Moves past the current token (never past the final `Eof`); answers its span.
    fn advance(&mut self) -> Span {
        let span = self.span();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        span
    }

    fn error_at(&self, span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            span,
            message: message.into(),
        }
    }

    fn expected(&self, what: &str) -> ParseError {
        self.error_at(
            self.span(),
            format!("expected {what}, found {}", self.tok().describe()),
        )
    }

    fn expect(&mut self, tok: Tok, what: &str) -> PResult<Span> {
        if *self.tok() == tok {
            Ok(self.advance())
        } else {
            Err(self.expected(what))
        }
    }

    fn expect_eof(&self) -> PResult<()> {
        if *self.tok() == Tok::Eof {
            Ok(())
        } else {
            Err(self.expected("end of input"))
        }
    }

    fn is_binary(&self, op: &str) -> bool {
        matches!(self.tok(), Tok::Binary(s) if s == op)
    }

    /// True when the current token starts with a `|`.
    fn at_bar(&self) -> bool {
        matches!(self.tok(), Tok::Binary(s) if s.starts_with('|'))
    }

    /// Consumes one `|`, splitting an operator token such as `||` when needed.
    fn eat_bar(&mut self) -> bool {
        let pos = self.pos;
        let token = &mut self.tokens[pos];
        match &mut token.tok {
            Tok::Binary(s) if s == "|" => {
                self.advance();
                true
            }
            Tok::Binary(s) if s.starts_with('|') => {
                s.remove(0);
                token.span.start += 1;
                token.span.column += 1;
                true
            }
            _ => false,
        }
    }

    fn expect_bar(&mut self) -> PResult<()> {
        if self.eat_bar() {
            Ok(())
        } else {
            Err(self.expected("'|'"))
        }
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.tok().clone() {
            Tok::Ident(name) => {
                let span = self.advance();
                Ok(Ident { name, span })
            }
            _ => Err(self.expected(what)),
        }
    }

    /// Guards one more level of nesting.
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(
                self.span(),
                format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self, levels: usize) {
        self.depth -= levels;
    }

    /// Parses a message argument: the nesting levels its own message chain takes
    /// are released when it is done, so sibling arguments do not add up.
    fn argument(
        &mut self,
        parse: impl FnOnce(&mut Self, &mut usize) -> PResult<Expr>,
    ) -> PResult<Expr> {
        let mut levels = 0;
        let result = parse(self, &mut levels);
        self.leave(levels);
        result
    }

    /// Runs `parse` one nesting level deeper.
    fn nested<T>(&mut self, parse: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.enter()?;
        let result = parse(self);
        self.leave(1);
        result
    }

    // ----- classes and methods -----

    fn class_def(&mut self) -> PResult<ClassDef> {
        let name = self.ident("a class name")?;
        if !self.is_binary("=") {
            return Err(self.expected("'='"));
        }
        self.advance();
        let superclass = match self.tok() {
            Tok::Ident(_) => Some(self.ident("a superclass name")?),
            _ => None,
        };
        self.expect(Tok::LParen, "'('")?;
        let instance_fields = self.fields()?;
        let mut seen = FxHashMap::default();
        let instance_methods = self.methods(&mut seen)?;
        let (class_fields, class_methods) = if *self.tok() == Tok::Separator {
            self.advance();
            let fields = self.fields()?;
            let mut seen = FxHashMap::default();
            (fields, self.methods(&mut seen)?)
        } else {
            (Vec::new(), Vec::new())
        };
        let end = self.expect(Tok::RParen, "a method definition, '----' or ')'")?;
        check_unique(self, instance_fields.iter().chain(&class_fields), "field")?;
        Ok(ClassDef {
            span: name.span.to(end),
            name,
            superclass,
            instance_fields,
            instance_methods,
            class_fields,
            class_methods,
        })
    }

    /// `| a b c |` at the start of a class side, if present. A `|` followed by an
    /// identifier and then `=` begins a binary method named `|` instead.
    fn fields(&mut self) -> PResult<Vec<Ident>> {
        if !self.is_binary("|") {
            return Ok(Vec::new());
        }
        let mut n = 1;
        while matches!(self.peek_tok(n), Tok::Ident(_)) {
            n += 1;
        }
        if !matches!(self.peek_tok(n), Tok::Binary(s) if s.starts_with('|')) {
            return Ok(Vec::new());
        }
        self.names_between_bars()
    }

    /// `| a b |` (the caller checked that a bar is next).
    fn names_between_bars(&mut self) -> PResult<Vec<Ident>> {
        self.expect_bar()?;
        let mut names = Vec::new();
        while let Tok::Ident(_) = self.tok() {
            names.push(self.ident("a name")?);
        }
        if !self.eat_bar() {
            return Err(self.expected("a name or '|'"));
        }
        Ok(names)
    }

    fn methods(&mut self, seen: &mut FxHashMap<String, Span>) -> PResult<Vec<MethodDef>> {
        let mut methods = Vec::new();
        while !matches!(self.tok(), Tok::Separator | Tok::RParen | Tok::Eof) {
            let start = self.span();
            let method = self.method_def()?;
            if let Some(first) = seen.get(&method.selector) {
                return Err(self.error_at(
                    start,
                    format!(
                        "duplicate method '{}' (first defined at line {})",
                        method.selector, first.line
                    ),
                ));
            }
            seen.insert(method.selector.clone(), start);
            methods.push(method);
        }
        Ok(methods)
    }

    fn method_def(&mut self) -> PResult<MethodDef> {
        let start = self.span();
        let (selector, kind, params) = self.pattern()?;
        if !self.is_binary("=") {
            return Err(self.expected("'=' after the method pattern"));
        }
        self.advance();
        let body = match self.tok() {
            Tok::Ident(s) if s == "primitive" => {
                self.advance();
                MethodBody::Primitive
            }
            Tok::LParen => {
                self.advance();
                let body = self.body(&Terminator::RParen)?;
                self.expect(Tok::RParen, "')'")?;
                MethodBody::Code(body)
            }
            _ => return Err(self.expected("'(' or 'primitive'")),
        };
        if let MethodBody::Code(b) = &body {
            check_unique(self, params.iter().chain(&b.locals), "argument or local")?;
        } else {
            check_unique(self, params.iter(), "argument")?;
        }
        Ok(MethodDef {
            selector,
            kind,
            params,
            body,
            span: start.to(self.prev_span()),
        })
    }

    fn pattern(&mut self) -> PResult<(String, SelectorKind, Vec<Ident>)> {
        match self.tok().clone() {
            Tok::Ident(name) => {
                self.advance();
                Ok((name, SelectorKind::Unary, Vec::new()))
            }
            Tok::Binary(op) => {
                self.advance();
                let param = self.ident("an argument name")?;
                Ok((op, SelectorKind::Binary, vec![param]))
            }
            Tok::Keyword(_) => {
                let mut selector = String::new();
                let mut params = Vec::new();
                while let Tok::Keyword(kw) = self.tok().clone() {
                    self.advance();
                    selector.push_str(&kw);
                    params.push(self.ident("an argument name")?);
                }
                Ok((selector, SelectorKind::Keyword, params))
            }
            _ => Err(self.expected("a method definition")),
        }
    }

    // ----- bodies and statements -----

    fn body(&mut self, end: &Terminator) -> PResult<Body> {
        let locals = if self.at_bar() {
            self.names_between_bars()?
        } else {
            Vec::new()
        };
        let mut statements = Vec::new();
        loop {
            while *self.tok() == Tok::Period {
                self.advance();
            }
            if end.matches(self.tok()) {
                break;
            }
            if matches!(self.tok(), Tok::RParen | Tok::RBracket | Tok::Eof) {
                return Err(self.expected(end.describe()));
            }
            if *self.tok() == Tok::Caret {
                let start = self.advance();
                let value = self.expression()?;
                let span = start.to(value.span);
                statements.push(Expr {
                    kind: ExprKind::Return(Box::new(value)),
                    span,
                });
                while *self.tok() == Tok::Period {
                    self.advance();
                }
                if !end.matches(self.tok()) {
                    return Err(
                        self.expected(&format!("{} after the return statement", end.describe()))
                    );
                }
                break;
            }
            statements.push(self.expression()?);
            if *self.tok() == Tok::Period {
                continue;
            }
            if !end.matches(self.tok()) {
                return Err(self.expected(&format!("'.' or {}", end.describe())));
            }
        }
        Ok(Body { locals, statements })
    }

    fn expression(&mut self) -> PResult<Expr> {
        self.nested(Self::expression_inner)
    }

    fn expression_inner(&mut self) -> PResult<Expr> {
        if let (Tok::Ident(_), Tok::Assign) = (self.tok(), self.peek_tok(1)) {
            let target = self.ident("a variable")?;
            if PseudoVar::from_name(&target.name).is_some() {
                return Err(
                    self.error_at(target.span, format!("cannot assign to '{}'", target.name))
                );
            }
            self.advance();
            let value = self.expression()?;
            let span = target.span.to(value.span);
            return Ok(Expr {
                kind: ExprKind::Assign {
                    target,
                    value: Box::new(value),
                },
                span,
            });
        }
        let mut levels = 0;
        let result = self.cascade(&mut levels);
        self.leave(levels);
        result
    }

    /// An evaluation followed by `; message` parts. `levels` counts the nesting
    /// levels taken by the message chain, released by the caller.
    fn cascade(&mut self, levels: &mut usize) -> PResult<Expr> {
        let first = self.evaluation(levels)?;
        if *self.tok() != Tok::Semicolon {
            return Ok(first);
        }
        let span_start = first.span;
        let ExprKind::Send(send) = first.kind else {
            return Err(self.error_at(self.span(), "a cascade ';' must follow a message send"));
        };
        let Send { receiver, message } = *send;
        let mut messages = vec![message];
        while *self.tok() == Tok::Semicolon {
            self.advance();
            messages.push(self.cascade_message()?);
        }
        Ok(Expr {
            kind: ExprKind::Cascade {
                receiver: Box::new(receiver),
                messages,
            },
            span: span_start.to(self.prev_span()),
        })
    }

    fn cascade_message(&mut self) -> PResult<Message> {
        match self.tok().clone() {
            Tok::Ident(name) => {
                let span = self.advance();
                Ok(Message {
                    selector: name,
                    kind: SelectorKind::Unary,
                    args: Vec::new(),
                    selector_span: span,
                })
            }
            Tok::Binary(op) => {
                let span = self.advance();
                let arg = self.argument(Self::binary_operand)?;
                Ok(Message {
                    selector: op,
                    kind: SelectorKind::Binary,
                    args: vec![arg],
                    selector_span: span,
                })
            }
            Tok::Keyword(_) => self.keyword_message(),
            _ => Err(self.expected("a message after ';'")),
        }
    }

    /// `primary unary* binary* [keyword]`.
    fn evaluation(&mut self, levels: &mut usize) -> PResult<Expr> {
        let mut expr = self.primary()?;
        expr = self.unary_chain(expr, levels)?;
        expr = self.binary_chain(expr, levels)?;
        if let Tok::Keyword(_) = self.tok() {
            let message = self.keyword_message()?;
            expr = self.send(expr, message, levels)?;
        }
        Ok(expr)
    }

    fn send(&mut self, receiver: Expr, message: Message, levels: &mut usize) -> PResult<Expr> {
        self.enter()?;
        *levels += 1;
        let span = receiver.span.to(self.prev_span());
        Ok(Expr {
            kind: ExprKind::Send(Box::new(Send { receiver, message })),
            span,
        })
    }

    fn unary_chain(&mut self, mut expr: Expr, levels: &mut usize) -> PResult<Expr> {
        while let Tok::Ident(name) = self.tok().clone() {
            let span = self.advance();
            let message = Message {
                selector: name,
                kind: SelectorKind::Unary,
                args: Vec::new(),
                selector_span: span,
            };
            expr = self.send(expr, message, levels)?;
        }
        Ok(expr)
    }

    fn binary_chain(&mut self, mut expr: Expr, levels: &mut usize) -> PResult<Expr> {
        while let Tok::Binary(op) = self.tok().clone() {
            let span = self.advance();
            let arg = self.argument(Self::binary_operand)?;
            let message = Message {
                selector: op,
                kind: SelectorKind::Binary,
                args: vec![arg],
                selector_span: span,
            };
            expr = self.send(expr, message, levels)?;
        }
        Ok(expr)
    }

    /// `primary unary*`: the argument of a binary message.
    fn binary_operand(&mut self, levels: &mut usize) -> PResult<Expr> {
        let primary = self.primary()?;
        self.unary_chain(primary, levels)
    }

    /// `(Keyword binaryOperand binary*)+`.
    fn keyword_message(&mut self) -> PResult<Message> {
        let selector_span = self.span();
        let mut selector = String::new();
        let mut args = Vec::new();
        while let Tok::Keyword(kw) = self.tok().clone() {
            self.advance();
            selector.push_str(&kw);
            args.push(self.argument(|p, levels| {
                let operand = p.binary_operand(levels)?;
                p.binary_chain(operand, levels)
            })?);
        }
        Ok(Message {
            selector,
            kind: SelectorKind::Keyword,
            args,
            selector_span,
        })
    }

    fn primary(&mut self) -> PResult<Expr> {
        let start = self.span();
        let kind = match self.tok().clone() {
            Tok::Ident(name) => {
                self.advance();
                match PseudoVar::from_name(&name) {
                    Some(p) => ExprKind::Pseudo(p),
                    None => ExprKind::Variable(name),
                }
            }
            Tok::LParen => {
                self.advance();
                let inner = self.expression()?;
                self.expect(Tok::RParen, "')'")?;
                // Parentheses only group: the inner node keeps its own span.
                return Ok(inner);
            }
            Tok::LBracket => ExprKind::Block(Box::new(self.nested(Self::block)?)),
            _ => match self.literal_in_code()? {
                Some(lit) => ExprKind::Literal(lit),
                None => return Err(self.expected("an expression")),
            },
        };
        Ok(Expr {
            kind,
            span: start.to(self.prev_span()),
        })
    }

    fn block(&mut self) -> PResult<Block> {
        self.advance();
        let mut params = Vec::new();
        while *self.tok() == Tok::Colon {
            self.advance();
            params.push(self.ident("a block argument name")?);
        }
        if !params.is_empty() && *self.tok() != Tok::RBracket {
            self.expect_bar()?;
        }
        let body = self.body(&Terminator::RBracket)?;
        self.expect(Tok::RBracket, "']'")?;
        check_unique(self, params.iter().chain(&body.locals), "argument or local")?;
        Ok(Block { params, body })
    }

    // ----- literals -----

    /// A literal in code position, or `None` when the current token starts none.
    fn literal_in_code(&mut self) -> PResult<Option<Literal>> {
        let lit = match self.tok().clone() {
            Tok::Integer(n) => {
                self.advance();
                integer(n)
            }
            Tok::Double(d) => {
                self.advance();
                Literal::Double(d)
            }
            Tok::Binary(op) if op == "-" => match self.peek_tok(1).clone() {
                Tok::Integer(n) => {
                    self.advance();
                    self.advance();
                    integer(-n)
                }
                Tok::Double(d) => {
                    self.advance();
                    self.advance();
                    Literal::Double(-d)
                }
                _ => return Ok(None),
            },
            Tok::Str(s) => {
                self.advance();
                Literal::String(s)
            }
            Tok::Symbol(s) => {
                self.advance();
                Literal::Symbol(s)
            }
            Tok::Char(c) => {
                self.advance();
                Literal::Character(c)
            }
            Tok::ArrayStart => self.literal_array()?,
            _ => return Ok(None),
        };
        Ok(Some(lit))
    }

    /// `#( ... )` or a nested `( ... )` inside one; the opening token is current.
    fn literal_array(&mut self) -> PResult<Literal> {
        self.nested(Self::literal_array_inner)
    }

    fn literal_array_inner(&mut self) -> PResult<Literal> {
        self.advance();
        let mut items = Vec::new();
        loop {
            let item = match self.tok().clone() {
                Tok::RParen => {
                    self.advance();
                    return Ok(Literal::Array(items));
                }
                Tok::LParen | Tok::ArrayStart => self.literal_array()?,
                Tok::Ident(name) => {
                    self.advance();
                    match name.as_str() {
                        "nil" => Literal::Nil,
                        "true" => Literal::True,
                        "false" => Literal::False,
                        _ => Literal::Symbol(name),
                    }
                }
                Tok::Keyword(kw) => {
                    // Adjacent keywords form one selector: `#(at:put:)`.
                    let mut selector = kw;
                    let mut end = self.advance().end;
                    while let Tok::Keyword(next) = self.tok().clone() {
                        if self.span().start != end {
                            break;
                        }
                        selector.push_str(&next);
                        end = self.advance().end;
                    }
                    Literal::Symbol(selector)
                }
                Tok::Binary(op) => {
                    let adjacent_number = op == "-"
                        && matches!(self.peek_tok(1), Tok::Integer(_) | Tok::Double(_))
                        && self.tokens[self.pos + 1].span.start == self.span().end;
                    if adjacent_number {
                        match self.literal_in_code()? {
                            Some(lit) => lit,
                            None => return Err(self.expected("a literal")),
                        }
                    } else {
                        self.advance();
                        Literal::Symbol(op)
                    }
                }
                _ => match self.literal_in_code()? {
                    Some(lit) => lit,
                    None => return Err(self.expected("a literal or ')'")),
                },
            };
            items.push(item);
        }
    }
}

/// An integer literal, small when it fits in `i64`.
fn integer(n: BigInt) -> Literal {
    match n.to_i64() {
        Some(i) => Literal::Integer(i),
        None => Literal::LargeInteger(n),
    }
}

/// Fails on the second occurrence of a name among `names`, and on a declared
/// name that is a pseudo-variable (`self`, `nil`, …).
fn check_unique<'a>(
    p: &Parser<'_>,
    names: impl Iterator<Item = &'a Ident>,
    what: &str,
) -> PResult<()> {
    let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
    for ident in names {
        if PseudoVar::from_name(&ident.name).is_some() {
            return Err(p.error_at(
                ident.span,
                format!("cannot declare '{}': it is a reserved name", ident.name),
            ));
        }
        if let Some(first) = seen.insert(&ident.name, ident.span) {
            return Err(p.error_at(
                ident.span,
                format!(
                    "duplicate {what} '{}' (first declared at line {})",
                    ident.name, first.line
                ),
            ));
        }
    }
    Ok(())
}
