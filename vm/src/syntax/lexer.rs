//! The lexer: source text to a vector of `Token`s with spans.
//!
//! Whitespace and `"comments"` are skipped. The whole input is tokenised before
//! parsing, so a lexical error (unterminated string or comment, bad character,
//! malformed number) is the one error reported for the file.
//!
//! Token rules worth knowing:
//! - An identifier directly followed by `:` (and not `:=`) is a `Tok::Keyword`.
//! - Runs of the binary operator characters `~ & | * / \ + = > < , @ % -` are one
//!   `Tok::Binary` token, except a run of four or more `-` alone, which is the
//!   class-side `Tok::Separator`. The parser splits `||` where it expects bars.
//! - `-` is never part of a number token; the parser makes `- 5` in operand position
//!   a negative literal.
//! - Numbers: `123`, `1.5`, `1e10`, `1.5e-3` (a fraction or an exponent makes a
//!   double), radix integers `16rFF` (radix 2..=36). A `.` not followed by a digit
//!   ends the number (it is a statement period).
//! - Strings `'it''s'` with SOM escapes `\t \b \n \r \f \0 \' \\`; any other `\x`
//!   keeps both characters.

use num_bigint::BigInt;

use super::ast::Span;
use super::error::ParseError;

/// The kinds of token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// `foo` (also `self`, `primitive`, …).
    Ident(String),
    /// `at:` (one keyword, colon included).
    Keyword(String),
    /// A run of operator characters, e.g. `+`, `<=`, `|`, `||`.
    Binary(String),
    /// `----` (four or more dashes).
    Separator,
    /// A non-negative integer literal.
    Integer(BigInt),
    /// A non-negative floating-point literal.
    Double(f64),
    /// A string literal, escapes resolved.
    Str(String),
    /// `#foo`, `#at:put:`, `#+`, `#'x y'`.
    Symbol(String),
    /// `$a`.
    Char(char),
    /// `#(` (start of a literal array).
    ArrayStart,
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `[`.
    LBracket,
    /// `]`.
    RBracket,
    /// `:` (block parameter marker).
    Colon,
    /// `:=`.
    Assign,
    /// `^`.
    Caret,
    /// `.`.
    Period,
    /// `;`.
    Semicolon,
    /// End of input.
    Eof,
}

impl Tok {
    /// How the token is named in "found …" messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier '{s}'"),
            Tok::Keyword(s) => format!("keyword '{s}'"),
            Tok::Binary(s) => format!("'{s}'"),
            Tok::Separator => "'----'".to_string(),
            Tok::Integer(n) => format!("integer {n}"),
            Tok::Double(d) => format!("number {d}"),
            Tok::Str(_) => "string literal".to_string(),
            Tok::Symbol(s) => format!("symbol #{s}"),
            Tok::Char(c) => format!("character ${c}"),
            Tok::ArrayStart => "'#('".to_string(),
            Tok::LParen => "'('".to_string(),
            Tok::RParen => "')'".to_string(),
            Tok::LBracket => "'['".to_string(),
            Tok::RBracket => "']'".to_string(),
            Tok::Colon => "':'".to_string(),
            Tok::Assign => "':='".to_string(),
            Tok::Caret => "'^'".to_string(),
            Tok::Period => "'.'".to_string(),
            Tok::Semicolon => "';'".to_string(),
            Tok::Eof => "end of file".to_string(),
        }
    }
}

/// A token with its source span.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    /// What it is.
    pub(crate) tok: Tok,
    /// Where it is.
    pub(crate) span: Span,
}

/// True for the characters that make up binary selectors.
pub fn is_operator_char(c: char) -> bool {
    matches!(
        c,
        '~' | '&' | '|' | '*' | '/' | '\\' | '+' | '=' | '>' | '<' | ',' | '@' | '%' | '-'
    )
}

/// True for characters that may start an identifier.
pub fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// True for characters that may continue an identifier.
pub fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Tokenises `src` completely; the last token is always [`Tok::Eof`].
pub(crate) fn tokenize(src: &str, file: &str) -> Result<Vec<Token>, ParseError> {
    // A UTF-8 byte-order mark is not part of the text.
    let start = if src.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lexer = Lexer {
        src,
        file,
        pos: start,
        line: 1,
        column: 1,
    };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let done = token.tok == Tok::Eof;
        tokens.push(token);
        if done {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    file: &'a str,
    pos: usize,
    line: u32,
    column: u32,
}

/// A saved lexer position, for spans.
#[derive(Clone, Copy)]
struct Mark {
    pos: usize,
    line: u32,
    column: u32,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn mark(&self) -> Mark {
        Mark {
            pos: self.pos,
            line: self.line,
            column: self.column,
        }
    }

    fn span_from(&self, m: Mark) -> Span {
        Span {
            start: offset(m.pos),
            end: offset(self.pos),
            line: m.line,
            column: m.column,
        }
    }

    fn error(&self, m: Mark, message: impl Into<String>) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            span: self.span_from(m),
            message: message.into(),
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.bump();
        }
        &self.src[start..self.pos]
    }

    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('"') => {
                    let m = self.mark();
                    self.bump();
                    loop {
                        match self.bump() {
                            Some('"') => break,
                            Some(_) => {}
                            None => return Err(self.error(m, "unterminated comment")),
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn next_token(&mut self) -> Result<Token, ParseError> {
        self.skip_trivia()?;
        let m = self.mark();
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::Eof,
                span: self.span_from(m),
            });
        };
        let tok = match c {
            c if is_ident_start(c) => {
                let name = self.take_while(is_ident_char);
                if self.peek() == Some(':') && self.peek_at(1) != Some('=') {
                    self.bump();
                    Tok::Keyword(format!("{name}:"))
                } else {
                    Tok::Ident(name.to_string())
                }
            }
            c if c.is_ascii_digit() => self.number(m)?,
            c if is_operator_char(c) => {
                let op = self.take_while(is_operator_char);
                if op.len() >= 4 && op.chars().all(|c| c == '-') {
                    Tok::Separator
                } else {
                    Tok::Binary(op.to_string())
                }
            }
            '\'' => Tok::Str(self.string(m)?),
            '#' => {
                self.bump();
                self.symbol(m)?
            }
            '$' => {
                self.bump();
                match self.bump() {
                    Some(c) => Tok::Char(c),
                    None => return Err(self.error(m, "expected a character after '$'")),
                }
            }
            ':' => {
                self.bump();
                if self.peek() == Some('=') {
                    self.bump();
                    Tok::Assign
                } else {
                    Tok::Colon
                }
            }
            _ => {
                self.bump();
                match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '[' => Tok::LBracket,
                    ']' => Tok::RBracket,
                    '^' => Tok::Caret,
                    '.' => Tok::Period,
                    ';' => Tok::Semicolon,
                    _ => {
                        return Err(self.error(m, format!("unexpected character {c:?}")));
                    }
                }
            }
        };
        Ok(Token {
            tok,
            span: self.span_from(m),
        })
    }

    /// A string body after the opening quote at `m`.
    fn string(&mut self, m: Mark) -> Result<String, ParseError> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error(m, "unterminated string")),
                Some('\'') => {
                    if self.peek() == Some('\'') {
                        self.bump();
                        out.push('\'');
                    } else {
                        return Ok(out);
                    }
                }
                Some('\\') => match self.bump() {
                    None => return Err(self.error(m, "unterminated string")),
                    Some(e) => match escape(e) {
                        Some(c) => out.push(c),
                        None => {
                            out.push('\\');
                            out.push(e);
                        }
                    },
                },
                Some(c) => out.push(c),
            }
        }
    }

    /// What follows `#` (already consumed) at `m`.
    fn symbol(&mut self, m: Mark) -> Result<Tok, ParseError> {
        match self.peek() {
            Some('(') => {
                self.bump();
                Ok(Tok::ArrayStart)
            }
            Some('\'') => {
                let sm = self.mark();
                Ok(Tok::Symbol(self.string(sm)?))
            }
            Some(c) if is_operator_char(c) => {
                Ok(Tok::Symbol(self.take_while(is_operator_char).to_string()))
            }
            Some(c) if is_ident_start(c) => {
                let start = self.pos;
                loop {
                    self.take_while(is_ident_char);
                    if self.peek() != Some(':') || self.peek_at(1) == Some('=') {
                        break;
                    }
                    self.bump();
                    if !self.peek().is_some_and(is_ident_start) {
                        break;
                    }
                }
                Ok(Tok::Symbol(self.src[start..self.pos].to_string()))
            }
            _ => Err(self.error(m, "expected a symbol, a string or '(' after '#'")),
        }
    }

    /// A number starting at `m` (first char is a digit).
    fn number(&mut self, m: Mark) -> Result<Tok, ParseError> {
        let digits = self.take_while(|c| c.is_ascii_digit());
        if self.peek() == Some('r') {
            // Radix integer: digits are the radix.
            self.bump();
            let radix: u32 = match digits.parse() {
                Ok(r) if (2..=36).contains(&r) => r,
                _ => return Err(self.error(m, format!("radix {digits} is not in 2..36"))),
            };
            let body = self.take_while(|c| c.is_ascii_alphanumeric());
            if body.is_empty() {
                return Err(self.error(m, format!("malformed number: no digits after {digits}r")));
            }
            return match BigInt::parse_bytes(body.as_bytes(), radix) {
                Some(n) => Ok(Tok::Integer(n)),
                None => Err(self.error(
                    m,
                    format!("malformed number: '{body}' is not a base-{radix} integer"),
                )),
            };
        }
        let mut is_double = false;
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            self.take_while(|c| c.is_ascii_digit());
            is_double = true;
        }
        if self.peek() == Some('e') {
            let exponent_digit = match self.peek_at(1) {
                Some(c) if c.is_ascii_digit() => true,
                Some('-') => self.peek_at(2).is_some_and(|c| c.is_ascii_digit()),
                _ => false,
            };
            if !exponent_digit {
                self.bump();
                return Err(self.error(m, "malformed number: exponent has no digits"));
            }
            self.bump();
            if self.peek() == Some('-') {
                self.bump();
            }
            self.take_while(|c| c.is_ascii_digit());
            is_double = true;
        }
        let text = &self.src[m.pos..self.pos];
        if is_double {
            match text.parse::<f64>() {
                Ok(d) => Ok(Tok::Double(d)),
                Err(_) => Err(self.error(m, format!("malformed number '{text}'"))),
            }
        } else {
            match BigInt::parse_bytes(text.as_bytes(), 10) {
                Some(n) => Ok(Tok::Integer(n)),
                None => Err(self.error(m, format!("malformed number '{text}'"))),
            }
        }
    }
}

/// The character a SOM string escape `\e` stands for.
fn escape(e: char) -> Option<char> {
    Some(match e {
        't' => '\t',
        'b' => '\u{8}',
        'n' => '\n',
        'r' => '\r',
        'f' => '\u{c}',
        '0' => '\0',
        '\'' => '\'',
        '\\' => '\\',
        _ => return None,
    })
}

/// A byte offset as stored in spans (inputs beyond 4 GiB saturate).
fn offset(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}
