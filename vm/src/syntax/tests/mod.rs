//! Front-end tests: one per construct, error positions, and round-trip properties.

mod constructs;
mod errors;
mod roundtrip;
mod spans;

use super::ast::*;

/// Sets every span in a tree to the default, so trees from different texts compare.
pub(super) fn erase_class(c: &mut ClassDef) {
    c.span = Span::default();
    erase_ident(&mut c.name);
    if let Some(s) = &mut c.superclass {
        erase_ident(s);
    }
    c.instance_fields.iter_mut().for_each(erase_ident);
    c.class_fields.iter_mut().for_each(erase_ident);
    c.instance_methods.iter_mut().for_each(erase_method);
    c.class_methods.iter_mut().for_each(erase_method);
}

pub(super) fn erase_method(m: &mut MethodDef) {
    m.span = Span::default();
    m.params.iter_mut().for_each(erase_ident);
    if let MethodBody::Code(b) = &mut m.body {
        erase_body(b);
    }
}

pub(super) fn erase_body(b: &mut Body) {
    b.locals.iter_mut().for_each(erase_ident);
    b.statements.iter_mut().for_each(erase_expr);
}

fn erase_ident(i: &mut Ident) {
    i.span = Span::default();
}

fn erase_message(m: &mut Message) {
    m.selector_span = Span::default();
    m.args.iter_mut().for_each(erase_expr);
}

pub(super) fn erase_expr(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Literal(_) | ExprKind::Variable(_) | ExprKind::Pseudo(_) => {}
        ExprKind::Assign { target, value } => {
            erase_ident(target);
            erase_expr(value);
        }
        ExprKind::Send(send) => {
            erase_expr(&mut send.receiver);
            erase_message(&mut send.message);
        }
        ExprKind::Cascade { receiver, messages } => {
            erase_expr(receiver);
            messages.iter_mut().for_each(erase_message);
        }
        ExprKind::Block(block) => {
            block.params.iter_mut().for_each(erase_ident);
            erase_body(&mut block.body);
        }
        ExprKind::Return(v) => erase_expr(v),
    }
}
