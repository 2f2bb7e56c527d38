//! Prints AST nodes back as SOM source that parses to the same tree (spans aside).
//!
//! Used by the round-trip property tests and handy for diagnostics. Parentheses are
//! added only where precedence needs them; layout is one method per line group.

use std::fmt::Write;

use super::ast::{
    Block, Body, ClassDef, Expr, ExprKind, Ident, Literal, Message, MethodBody, MethodDef,
    SelectorKind,
};
use super::lexer::{is_ident_char, is_ident_start, is_operator_char};

/// Source text for a whole class definition.
pub fn print_class(class: &ClassDef) -> String {
    let mut out = String::new();
    out.push_str(&class.name.name);
    out.push_str(" = ");
    if let Some(sup) = &class.superclass {
        out.push_str(&sup.name);
        out.push(' ');
    }
    out.push_str("(\n");
    print_side(&mut out, &class.instance_fields, &class.instance_methods);
    if !class.class_fields.is_empty() || !class.class_methods.is_empty() {
        out.push_str("----\n");
        print_side(&mut out, &class.class_fields, &class.class_methods);
    }
    out.push_str(")\n");
    out
}

fn print_side(out: &mut String, fields: &[Ident], methods: &[MethodDef]) {
    if !fields.is_empty() {
        out.push_str("    ");
        names_between_bars(out, fields);
        out.push('\n');
    }
    for m in methods {
        out.push_str("    ");
        out.push_str(&print_method(m));
        out.push('\n');
    }
}

/// Source text for one method definition.
pub fn print_method(method: &MethodDef) -> String {
    let mut out = String::new();
    match method.kind {
        SelectorKind::Unary => out.push_str(&method.selector),
        SelectorKind::Binary | SelectorKind::Keyword => {
            let parts = selector_parts(&method.selector, method.kind);
            for (i, (part, param)) in parts.iter().zip(&method.params).enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{part} {}", param.name);
            }
        }
    }
    out.push_str(" = ");
    match &method.body {
        MethodBody::Primitive => out.push_str("primitive"),
        MethodBody::Code(body) => {
            out.push_str("( ");
            print_body_into(&mut out, body);
            out.push_str(" )");
        }
    }
    out
}

/// Source text for a body (temporaries and statements), as `cairn eval` takes it.
pub fn print_body(body: &Body) -> String {
    let mut out = String::new();
    print_body_into(&mut out, body);
    out
}

/// Source text for one expression.
pub fn print_expr(expr: &Expr) -> String {
    let mut out = String::new();
    expr_at(&mut out, expr, Prec::Statement);
    out
}

/// Source text for one literal (with `#` for symbols and arrays).
pub fn print_literal(lit: &Literal) -> String {
    let mut out = String::new();
    literal(&mut out, lit);
    out
}

fn names_between_bars(out: &mut String, names: &[Ident]) {
    out.push('|');
    for n in names {
        out.push(' ');
        out.push_str(&n.name);
    }
    out.push_str(" |");
}

fn print_body_into(out: &mut String, body: &Body) {
    if !body.locals.is_empty() {
        names_between_bars(out, &body.locals);
        out.push(' ');
    }
    for (i, stmt) in body.statements.iter().enumerate() {
        if i > 0 {
            out.push_str(". ");
        }
        expr_at(out, stmt, Prec::Statement);
    }
}

/// The binding strength a position needs; an expression of a weaker kind than the
/// position allows is parenthesised.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    /// Primaries only (receiver of a unary send).
    Primary,
    /// Up to unary sends (receiver of a binary send, binary argument).
    Unary,
    /// Up to binary sends (receiver of a keyword send, keyword argument).
    Binary,
    /// Anything but a statement-only construct (inside parentheses, assigned value).
    Expression,
    /// Anything, including `^`.
    Statement,
}

fn prec_of(expr: &Expr) -> Prec {
    match &expr.kind {
        ExprKind::Literal(_) | ExprKind::Variable(_) | ExprKind::Pseudo(_) | ExprKind::Block(_) => {
            Prec::Primary
        }
        ExprKind::Send(send) => message_prec(send.message.kind),
        ExprKind::Assign { .. } | ExprKind::Cascade { .. } => Prec::Expression,
        ExprKind::Return(_) => Prec::Statement,
    }
}

fn message_prec(kind: SelectorKind) -> Prec {
    match kind {
        SelectorKind::Unary => Prec::Unary,
        SelectorKind::Binary => Prec::Binary,
        SelectorKind::Keyword => Prec::Expression,
    }
}

/// The precedence a receiver of a message of `kind` may have.
fn receiver_prec(kind: SelectorKind) -> Prec {
    match kind {
        SelectorKind::Unary => Prec::Unary,
        SelectorKind::Binary => Prec::Binary,
        SelectorKind::Keyword => Prec::Binary,
    }
}

fn expr_at(out: &mut String, expr: &Expr, allowed: Prec) {
    if prec_of(expr) > allowed {
        out.push('(');
        expr_at(out, expr, Prec::Expression);
        out.push(')');
        return;
    }
    match &expr.kind {
        ExprKind::Literal(lit) => literal(out, lit),
        ExprKind::Variable(name) => out.push_str(name),
        ExprKind::Pseudo(p) => out.push_str(p.name()),
        ExprKind::Assign { target, value } => {
            let _ = write!(out, "{} := ", target.name);
            expr_at(out, value, Prec::Expression);
        }
        ExprKind::Send(send) => {
            expr_at(out, &send.receiver, receiver_prec(send.message.kind));
            message(out, &send.message);
        }
        ExprKind::Cascade { receiver, messages } => {
            let first_kind = messages.first().map_or(SelectorKind::Unary, |m| m.kind);
            expr_at(out, receiver, receiver_prec(first_kind));
            for (i, m) in messages.iter().enumerate() {
                if i > 0 {
                    out.push(';');
                }
                message(out, m);
            }
        }
        ExprKind::Block(block) => print_block(out, block),
        ExprKind::Return(value) => {
            out.push_str("^ ");
            expr_at(out, value, Prec::Expression);
        }
    }
}

fn message(out: &mut String, m: &Message) {
    match m.kind {
        SelectorKind::Unary => {
            out.push(' ');
            out.push_str(&m.selector);
        }
        SelectorKind::Binary | SelectorKind::Keyword => {
            let arg_prec = if m.kind == SelectorKind::Binary {
                Prec::Unary
            } else {
                Prec::Binary
            };
            for (part, arg) in selector_parts(&m.selector, m.kind).iter().zip(&m.args) {
                let _ = write!(out, " {part} ");
                expr_at(out, arg, arg_prec);
            }
        }
    }
}

/// `at:put:` → `["at:", "put:"]`; a binary selector is one part.
fn selector_parts(selector: &str, kind: SelectorKind) -> Vec<&str> {
    match kind {
        SelectorKind::Keyword => selector.split_inclusive(':').collect(),
        _ => vec![selector],
    }
}

fn print_block(out: &mut String, block: &Block) {
    out.push('[');
    for p in &block.params {
        let _ = write!(out, " :{}", p.name);
    }
    if !block.params.is_empty() {
        out.push_str(" |");
    }
    out.push(' ');
    print_body_into(out, &block.body);
    out.push_str(" ]");
}

fn literal(out: &mut String, lit: &Literal) {
    match lit {
        Literal::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Literal::LargeInteger(n) => {
            let _ = write!(out, "{n}");
        }
        Literal::Double(d) => double(out, *d),
        Literal::String(s) => string(out, s),
        Literal::Symbol(s) => {
            out.push('#');
            if is_plain_symbol(s) {
                out.push_str(s);
            } else {
                string(out, s);
            }
        }
        Literal::Character(c) => {
            out.push('$');
            out.push(*c);
        }
        Literal::Array(items) => {
            out.push_str("#(");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                literal(out, item);
            }
            out.push(')');
        }
        Literal::Nil => out.push_str("nil"),
        Literal::True => out.push_str("true"),
        Literal::False => out.push_str("false"),
    }
}

fn double(out: &mut String, d: f64) {
    if d.is_nan() {
        // No literal spells NaN; the parser never produces one.
        out.push_str("(0.0 / 0.0)");
    } else if d.is_infinite() {
        out.push_str(if d > 0.0 { "1e999" } else { "-1e999" });
    } else {
        // Debug prints the shortest text that reads back as the same value, with
        // a `.0` or an exponent, never as a bare integer.
        let _ = write!(out, "{d:?}");
    }
}

fn string(out: &mut String, s: &str) {
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
}

/// True when `#s` reads back as the symbol `s` without quotes.
fn is_plain_symbol(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if is_ident_start(c) => {
            // ident (':' ident)* [':'] — keyword selectors like at:put:.
            let mut after_colon = false;
            for c in s.chars() {
                if c == ':' {
                    if after_colon {
                        return false;
                    }
                    after_colon = true;
                } else if is_ident_char(c) {
                    if after_colon && !is_ident_start(c) {
                        return false;
                    }
                    after_colon = false;
                } else {
                    return false;
                }
            }
            true
        }
        Some(_) => s.chars().all(is_operator_char),
        None => false,
    }
}
