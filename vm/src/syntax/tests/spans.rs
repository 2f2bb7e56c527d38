//! Spans: every node points at its own text, with 1-based lines and columns.

use crate::syntax::ast::*;
use crate::syntax::{parse_class, parse_expression};

fn text(src: &str, span: Span) -> &str {
    &src[span.start as usize..span.end as usize]
}

#[test]
fn expression_spans_cover_their_text() {
    let src = "| a |\na := 3 + 4 foo.\n^ [:x | x] value: a";
    let body = parse_expression(src, "eval").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(text(src, body.locals[0].span), "a");
    let assign = &body.statements[0];
    assert_eq!(text(src, assign.span), "a := 3 + 4 foo");
    assert_eq!((assign.span.line, assign.span.column), (2, 1));
    let ExprKind::Assign { value, .. } = &assign.kind else {
        panic!("not an assignment: {assign:?}")
    };
    assert_eq!(text(src, value.span), "3 + 4 foo");
    let ExprKind::Send(send) = &value.kind else {
        panic!("not a send: {value:?}")
    };
    assert_eq!(text(src, send.message.selector_span), "+");
    assert_eq!(text(src, send.message.args[0].span), "4 foo");
    assert_eq!(
        (
            send.message.selector_span.line,
            send.message.selector_span.column
        ),
        (2, 8)
    );
    let ret = &body.statements[1];
    assert_eq!(text(src, ret.span), "^ [:x | x] value: a");
    assert_eq!((ret.span.line, ret.span.column), (3, 1));
}

#[test]
fn method_and_class_spans() {
    let src = "Foo = Bar (\n  x = ( ^ 1 )\n  ----\n  y: a = primitive\n)";
    let class = parse_class(src, "Foo.som").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(text(src, class.span), src);
    assert_eq!(text(src, class.instance_methods[0].span), "x = ( ^ 1 )");
    assert_eq!(class.instance_methods[0].span.line, 2);
    assert_eq!(text(src, class.class_methods[0].span), "y: a = primitive");
    assert_eq!(
        (
            class.class_methods[0].span.line,
            class.class_methods[0].span.column
        ),
        (4, 3)
    );
}

#[test]
fn span_to_joins_ranges() {
    let a = Span {
        start: 4,
        end: 6,
        line: 1,
        column: 5,
    };
    let b = Span {
        start: 10,
        end: 12,
        line: 2,
        column: 1,
    };
    let joined = Span {
        start: 4,
        end: 12,
        line: 1,
        column: 5,
    };
    assert_eq!(a.to(b), joined);
    assert_eq!(b.to(a), joined);
}
