//! One test per syntactic construct: the parsed tree (spans erased) is compared
//! with a tree built by hand.

use num_bigint::BigInt;

use super::{erase_body, erase_class, erase_method};
use crate::syntax::ast::*;
use crate::syntax::{parse_class, parse_expression, parse_method};

fn e(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

fn id(name: &str) -> Ident {
    Ident {
        name: name.to_string(),
        span: Span::default(),
    }
}

fn var(name: &str) -> Expr {
    e(ExprKind::Variable(name.to_string()))
}

fn int(i: i64) -> Expr {
    e(ExprKind::Literal(Literal::Integer(i)))
}

fn lit(l: Literal) -> Expr {
    e(ExprKind::Literal(l))
}

fn pseudo(p: PseudoVar) -> Expr {
    e(ExprKind::Pseudo(p))
}

fn msg(selector: &str, args: Vec<Expr>) -> Message {
    let kind = if selector.ends_with(':') {
        SelectorKind::Keyword
    } else if args.is_empty() {
        SelectorKind::Unary
    } else {
        SelectorKind::Binary
    };
    Message {
        selector: selector.to_string(),
        kind,
        args,
        selector_span: Span::default(),
    }
}

fn send(receiver: Expr, selector: &str, args: Vec<Expr>) -> Expr {
    e(ExprKind::Send(Box::new(Send {
        receiver,
        message: msg(selector, args),
    })))
}

fn assign(target: &str, value: Expr) -> Expr {
    e(ExprKind::Assign {
        target: id(target),
        value: Box::new(value),
    })
}

fn ret(value: Expr) -> Expr {
    e(ExprKind::Return(Box::new(value)))
}

fn block(params: &[&str], locals: &[&str], statements: Vec<Expr>) -> Expr {
    e(ExprKind::Block(Box::new(Block {
        params: params.iter().map(|p| id(p)).collect(),
        body: Body {
            locals: locals.iter().map(|p| id(p)).collect(),
            statements,
        },
    })))
}

/// Parses `src` as an eval snippet with spans erased.
fn body(src: &str) -> Body {
    let mut b = parse_expression(src, "test").unwrap_or_else(|err| panic!("{err}"));
    erase_body(&mut b);
    b
}

/// The single statement of `src`.
fn stmt(src: &str) -> Expr {
    let b = body(src);
    assert_eq!(b.statements.len(), 1, "{src}");
    b.statements.into_iter().next().unwrap_or_else(|| var("?"))
}

fn literal_of(src: &str) -> Literal {
    match stmt(src).kind {
        ExprKind::Literal(l) => l,
        other => panic!("{src} is not a literal: {other:?}"),
    }
}

#[test]
fn integers_small_large_and_negative() {
    assert_eq!(literal_of("42"), Literal::Integer(42));
    assert_eq!(literal_of("-42"), Literal::Integer(-42));
    assert_eq!(literal_of("- 7"), Literal::Integer(-7));
    assert_eq!(
        literal_of("9223372036854775807"),
        Literal::Integer(i64::MAX)
    );
    assert_eq!(
        literal_of("-9223372036854775808"),
        Literal::Integer(i64::MIN)
    );
    let big: BigInt = "9223372036854775808".parse().unwrap_or_default();
    assert_eq!(
        literal_of("9223372036854775808"),
        Literal::LargeInteger(big.clone())
    );
    assert_eq!(
        literal_of("-9223372036854775809"),
        Literal::LargeInteger(-big - 1)
    );
}

#[test]
fn radix_integers() {
    assert_eq!(literal_of("16rFF"), Literal::Integer(255));
    assert_eq!(literal_of("2r1010"), Literal::Integer(10));
    assert_eq!(literal_of("36rZ"), Literal::Integer(35));
    assert_eq!(literal_of("-16r10"), Literal::Integer(-16));
}

#[test]
fn doubles() {
    assert_eq!(literal_of("1.5"), Literal::Double(1.5));
    assert_eq!(literal_of("1e10"), Literal::Double(1e10));
    assert_eq!(literal_of("1.5e-3"), Literal::Double(1.5e-3));
    assert_eq!(literal_of("-0.25"), Literal::Double(-0.25));
    assert_eq!(literal_of("3.0"), Literal::Double(3.0));
}

#[test]
fn integer_followed_by_period_ends_statement() {
    let b = body("x := 1. y := 2.");
    assert_eq!(b.statements, vec![assign("x", int(1)), assign("y", int(2))]);
}

#[test]
fn strings_with_escapes() {
    assert_eq!(literal_of("'abc'"), Literal::String("abc".into()));
    assert_eq!(literal_of("''"), Literal::String(String::new()));
    assert_eq!(literal_of("'it''s'"), Literal::String("it's".into()));
    assert_eq!(
        literal_of(r"'\t\b\n\r\f\0\'\\'"),
        Literal::String("\t\u{8}\n\r\u{c}\0'\\".into())
    );
    assert_eq!(literal_of(r"'\q'"), Literal::String("\\q".into()));
    assert_eq!(
        literal_of("'line\nbreak'"),
        Literal::String("line\nbreak".into())
    );
}

#[test]
fn symbols() {
    assert_eq!(literal_of("#foo"), Literal::Symbol("foo".into()));
    assert_eq!(literal_of("#foo:"), Literal::Symbol("foo:".into()));
    assert_eq!(literal_of("#at:put:"), Literal::Symbol("at:put:".into()));
    assert_eq!(literal_of("#+"), Literal::Symbol("+".into()));
    assert_eq!(literal_of("#<="), Literal::Symbol("<=".into()));
    assert_eq!(
        literal_of("#'hello world'"),
        Literal::Symbol("hello world".into())
    );
}

#[test]
fn characters() {
    assert_eq!(literal_of("$a"), Literal::Character('a'));
    assert_eq!(literal_of("$ "), Literal::Character(' '));
    assert_eq!(literal_of("$'"), Literal::Character('\''));
}

#[test]
fn literal_arrays_nested() {
    assert_eq!(
        literal_of("#(1 $a 'x' #sym (nested 2) #(3) foo: at:put: + -4 - 5 nil true false)"),
        Literal::Array(vec![
            Literal::Integer(1),
            Literal::Character('a'),
            Literal::String("x".into()),
            Literal::Symbol("sym".into()),
            Literal::Array(vec![Literal::Symbol("nested".into()), Literal::Integer(2)]),
            Literal::Array(vec![Literal::Integer(3)]),
            Literal::Symbol("foo:".into()),
            Literal::Symbol("at:put:".into()),
            Literal::Symbol("+".into()),
            Literal::Integer(-4),
            Literal::Symbol("-".into()),
            Literal::Integer(5),
            Literal::Nil,
            Literal::True,
            Literal::False,
        ])
    );
    assert_eq!(literal_of("#()"), Literal::Array(vec![]));
}

#[test]
fn pseudo_variables() {
    assert_eq!(stmt("self"), pseudo(PseudoVar::SelfVar));
    assert_eq!(stmt("super"), pseudo(PseudoVar::Super));
    assert_eq!(stmt("nil"), pseudo(PseudoVar::Nil));
    assert_eq!(stmt("true"), pseudo(PseudoVar::True));
    assert_eq!(stmt("false"), pseudo(PseudoVar::False));
    assert_eq!(stmt("thisContext"), var("thisContext"));
}

#[test]
fn unary_binary_keyword_precedence() {
    // a foo + b bar baz: c - d qux: e
    let expected = send(
        send(
            send(var("a"), "foo", vec![]),
            "+",
            vec![send(var("b"), "bar", vec![])],
        ),
        "baz:qux:",
        vec![send(var("c"), "-", vec![var("d")]), var("e")],
    );
    assert_eq!(stmt("a foo + b bar baz: c - d qux: e"), expected);
}

#[test]
fn binary_operators_are_left_associative() {
    assert_eq!(
        stmt("1 + 2 * 3"),
        send(send(int(1), "+", vec![int(2)]), "*", vec![int(3)])
    );
}

#[test]
fn every_binary_operator_character() {
    for op in [
        "~", "&", "|", "*", "/", "\\", "+", "=", ">", "<", ",", "@", "%", "-", "<=", ">=", "==",
        "~=", "->", "||", "&&", "//", "\\\\", ">>", "<<",
    ] {
        let src = format!("a {op} b");
        assert_eq!(stmt(&src), send(var("a"), op, vec![var("b")]), "{src}");
    }
}

#[test]
fn negative_literal_operands() {
    assert_eq!(stmt("3 - -2"), send(int(3), "-", vec![int(-2)]));
    assert_eq!(stmt("3-2"), send(int(3), "-", vec![int(2)]));
    assert_eq!(stmt("x-1"), send(var("x"), "-", vec![int(1)]));
    assert_eq!(stmt("-5 abs"), send(int(-5), "abs", vec![]));
    assert_eq!(
        stmt("a max: -1.5"),
        send(var("a"), "max:", vec![lit(Literal::Double(-1.5))])
    );
}

#[test]
fn parentheses_group() {
    assert_eq!(
        stmt("1 + (2 * 3)"),
        send(int(1), "+", vec![send(int(2), "*", vec![int(3)])])
    );
    assert_eq!(stmt("((a))"), var("a"));
}

#[test]
fn cascaded_assignment() {
    assert_eq!(stmt("a := b := 3"), assign("a", assign("b", int(3))));
}

#[test]
fn super_send() {
    let s = stmt("super foo: 1");
    match &s.kind {
        ExprKind::Send(send) => assert!(send.is_super()),
        other => panic!("not a send: {other:?}"),
    }
    match &stmt("self foo").kind {
        ExprKind::Send(send) => assert!(!send.is_super()),
        other => panic!("not a send: {other:?}"),
    }
}

#[test]
fn cascade() {
    assert_eq!(
        stmt("t show: 1; cr; + 2; at: 1 put: 2"),
        e(ExprKind::Cascade {
            receiver: Box::new(var("t")),
            messages: vec![
                msg("show:", vec![int(1)]),
                msg("cr", vec![]),
                msg("+", vec![int(2)]),
                msg("at:put:", vec![int(1), int(2)]),
            ],
        })
    );
    // The cascade receiver is the receiver of the last message before ';'.
    assert_eq!(
        stmt("a b c; d"),
        e(ExprKind::Cascade {
            receiver: Box::new(send(var("a"), "b", vec![])),
            messages: vec![msg("c", vec![]), msg("d", vec![])],
        })
    );
}

#[test]
fn blocks_with_params_and_locals() {
    assert_eq!(stmt("[]"), block(&[], &[], vec![]));
    assert_eq!(stmt("[ 1 ]"), block(&[], &[], vec![int(1)]));
    assert_eq!(
        stmt("[:a :b | a + b]"),
        block(&["a", "b"], &[], vec![send(var("a"), "+", vec![var("b")])])
    );
    assert_eq!(stmt("[:a]"), block(&["a"], &[], vec![]));
    assert_eq!(
        stmt("[:a | | t | t := a. ^ t]"),
        block(&["a"], &["t"], vec![assign("t", var("a")), ret(var("t"))])
    );
    // `||` after the parameters: the parameter bar, then an empty... no, a locals bar.
    assert_eq!(stmt("[:a || t | t]"), block(&["a"], &["t"], vec![var("t")]));
    assert_eq!(stmt("[| t | t]"), block(&[], &["t"], vec![var("t")]));
    assert_eq!(stmt("[ || ]"), block(&[], &[], vec![]));
}

#[test]
fn statements_temporaries_and_return() {
    let b = body("| a b | a := 3. b := a + 4. ^ b.");
    assert_eq!(b.locals, vec![id("a"), id("b")]);
    assert_eq!(
        b.statements,
        vec![
            assign("a", int(3)),
            assign("b", send(var("a"), "+", vec![int(4)])),
            ret(var("b")),
        ]
    );
    assert_eq!(body("").statements, vec![]);
    assert_eq!(body("1.. 2").statements, vec![int(1), int(2)]);
}

#[test]
fn comments_are_skipped() {
    assert_eq!(
        stmt("\"a comment\" 1 \"another\" + \"x\" 2 \"end\""),
        send(int(1), "+", vec![int(2)])
    );
}

fn method(src: &str) -> MethodDef {
    let mut m = parse_method(src, "test").unwrap_or_else(|err| panic!("{err}"));
    erase_method(&mut m);
    m
}

#[test]
fn method_patterns() {
    let m = method("foo = ( ^ 1 )");
    assert_eq!((m.selector.as_str(), m.kind), ("foo", SelectorKind::Unary));
    assert!(m.params.is_empty());
    assert_eq!(
        m.body,
        MethodBody::Code(Body {
            locals: vec![],
            statements: vec![ret(int(1))]
        })
    );

    let m = method("+ other = ( ^ other )");
    assert_eq!((m.selector.as_str(), m.kind), ("+", SelectorKind::Binary));
    assert_eq!(m.params, vec![id("other")]);

    let m = method("at: i put: v = ( | old | old := v )");
    assert_eq!(
        (m.selector.as_str(), m.kind),
        ("at:put:", SelectorKind::Keyword)
    );
    assert_eq!(m.params, vec![id("i"), id("v")]);

    let m = method("|| b = ( ^ b )");
    assert_eq!((m.selector.as_str(), m.kind), ("||", SelectorKind::Binary));
}

#[test]
fn primitive_methods() {
    let m = method("hashcode = primitive");
    assert_eq!(m.body, MethodBody::Primitive);
    let m = method("at: i put: v = primitive");
    assert_eq!(m.body, MethodBody::Primitive);
    assert_eq!(m.params.len(), 2);
}

#[test]
fn empty_method_body() {
    let m = method("foo = ( )");
    assert_eq!(
        m.body,
        MethodBody::Code(Body {
            locals: vec![],
            statements: vec![]
        })
    );
}

fn class(src: &str) -> ClassDef {
    let mut c = parse_class(src, "test").unwrap_or_else(|err| panic!("{err}"));
    erase_class(&mut c);
    c
}

#[test]
fn class_with_both_sides() {
    let c = class(
        "Point = Object ( | x y | x = ( ^ x ) + p = ( ^ self ) ---- | count | new = primitive )",
    );
    assert_eq!(c.name, id("Point"));
    assert_eq!(c.superclass, Some(id("Object")));
    assert_eq!(c.instance_fields, vec![id("x"), id("y")]);
    let selectors: Vec<_> = c
        .instance_methods
        .iter()
        .map(|m| m.selector.as_str())
        .collect();
    assert_eq!(selectors, ["x", "+"]);
    assert_eq!(c.class_fields, vec![id("count")]);
    assert_eq!(c.class_methods.len(), 1);
    assert_eq!(c.class_methods[0].body, MethodBody::Primitive);
}

#[test]
fn class_without_superclass_or_fields() {
    let c = class("Empty = ()");
    assert_eq!(c.superclass, None);
    assert!(c.instance_fields.is_empty() && c.instance_methods.is_empty());
    let c = class("Object = nil ( ---------- )");
    assert_eq!(c.superclass, Some(id("nil")));
    assert!(c.class_methods.is_empty());
}

#[test]
fn bar_method_first_is_not_a_field_list() {
    let c = class("B = ( | other = ( ^ other ) )");
    assert!(c.instance_fields.is_empty());
    assert_eq!(c.instance_methods[0].selector, "|");
    let c = class("B = ( | | | other = ( ^ other ) )");
    assert!(c.instance_fields.is_empty());
    assert_eq!(c.instance_methods[0].selector, "|");
}

#[test]
fn keyword_selector_named_primitive_is_a_name() {
    let b = body("x primitive");
    assert_eq!(b.statements, vec![send(var("x"), "primitive", vec![])]);
}

#[test]
fn selector_arity_counts_arguments() {
    assert_eq!(selector_arity("foo"), 0);
    assert_eq!(selector_arity("+"), 1);
    assert_eq!(selector_arity("at:put:"), 2);
}
