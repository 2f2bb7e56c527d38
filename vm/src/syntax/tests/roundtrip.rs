//! Properties: printing a tree and parsing the text gives the tree back, and no
//! byte or token soup makes the front end panic.

use num_bigint::BigInt;
use proptest::prelude::*;

use super::{erase_body, erase_class};
use crate::syntax::ast::*;
use crate::syntax::printer::{print_body, print_class};
use crate::syntax::{parse_class, parse_expression, parse_method};

fn e(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

fn ident() -> impl Strategy<Value = Ident> {
    "[a-z][a-zA-Z0-9_]{0,6}"
        .prop_filter("reserved", |s| {
            PseudoVar::from_name(s).is_none() && s != "primitive"
        })
        .prop_map(|name| Ident {
            name,
            span: Span::default(),
        })
}

fn keyword_selector(parts: usize) -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z][a-zA-Z0-9]{0,4}", parts)
        .prop_map(|v| v.iter().map(|p| format!("{p}:")).collect::<String>())
}

fn binary_selector() -> impl Strategy<Value = String> {
    "[~&|*/\\\\+=><,@%-]{1,3}".prop_filter("separator or bar", |s| {
        // `----` is the class separator; a selector starting with '|' can be
        // mistaken for a locals bar at the start of a block body.
        !s.starts_with('|')
    })
}

fn literal() -> impl Strategy<Value = Literal> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Literal::Integer),
        (any::<i128>(), any::<bool>()).prop_map(|(i, up)| {
            let n = BigInt::from(i)
                * if up {
                    BigInt::from(u64::MAX)
                } else {
                    BigInt::from(1)
                };
            match i64::try_from(&n) {
                Ok(small) => Literal::Integer(small),
                Err(_) => Literal::LargeInteger(n),
            }
        }),
        any::<f64>()
            .prop_filter("finite", |d| d.is_finite())
            .prop_map(Literal::Double),
        any::<String>().prop_map(Literal::String),
        prop_oneof![
            "[a-z][a-zA-Z0-9]{0,5}(:[a-z][a-zA-Z0-9]{0,3}){0,2}:?",
            "[~&|*/+=><,@%-]{1,3}",
            any::<String>(),
        ]
        .prop_map(Literal::Symbol),
        any::<char>().prop_map(Literal::Character),
    ];
    leaf.prop_recursive(3, 16, 5, |inner| {
        prop::collection::vec(
            prop_oneof![
                inner,
                Just(Literal::Nil),
                Just(Literal::True),
                Just(Literal::False)
            ],
            0..5,
        )
        .prop_map(Literal::Array)
    })
}

fn message(arg: BoxedStrategy<Expr>) -> impl Strategy<Value = Message> {
    prop_oneof![
        ident().prop_map(|i| (i.name, SelectorKind::Unary, vec![])),
        (binary_selector(), arg.clone()).prop_map(|(s, a)| (s, SelectorKind::Binary, vec![a])),
        (1usize..4)
            .prop_flat_map(move |n| (keyword_selector(n), prop::collection::vec(arg.clone(), n)))
            .prop_map(|(s, args)| (s, SelectorKind::Keyword, args)),
    ]
    .prop_map(|(selector, kind, args)| Message {
        selector,
        kind,
        args,
        selector_span: Span::default(),
    })
}

fn body_of(expr: BoxedStrategy<Expr>) -> impl Strategy<Value = Body> {
    (
        prop::collection::vec(ident(), 0..3),
        prop::collection::vec(expr, 0..4),
        prop::option::of(Just(())),
    )
        .prop_filter("unique locals", |(locals, _, _)| unique(locals))
        .prop_map(|(locals, mut statements, ret)| {
            if let (Some(()), Some(last)) = (ret, statements.pop()) {
                statements.push(e(ExprKind::Return(Box::new(last))));
            }
            Body { locals, statements }
        })
}

fn unique(names: &[Ident]) -> bool {
    let mut seen = std::collections::HashSet::new();
    names.iter().all(|n| seen.insert(n.name.clone()))
}

fn expr() -> BoxedStrategy<Expr> {
    let leaf = prop_oneof![
        literal().prop_map(|l| e(ExprKind::Literal(l))),
        ident().prop_map(|i| e(ExprKind::Variable(i.name))),
        prop_oneof![
            Just(PseudoVar::SelfVar),
            Just(PseudoVar::Super),
            Just(PseudoVar::Nil),
            Just(PseudoVar::True),
            Just(PseudoVar::False)
        ]
        .prop_map(|p| e(ExprKind::Pseudo(p))),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            (ident(), inner.clone()).prop_map(|(target, v)| e(ExprKind::Assign {
                target,
                value: Box::new(v)
            })),
            (inner.clone(), message(inner.clone())).prop_map(|(receiver, message)| e(
                ExprKind::Send(Box::new(Send { receiver, message }))
            )),
            (
                inner.clone(),
                prop::collection::vec(message(inner.clone()), 2..4)
            )
                .prop_map(|(r, messages)| e(ExprKind::Cascade {
                    receiver: Box::new(r),
                    messages
                })),
            (prop::collection::vec(ident(), 0..3), body_of(inner))
                .prop_filter("unique names", |(params, body)| {
                    let mut all = params.clone();
                    all.extend(body.locals.iter().cloned());
                    unique(&all)
                })
                .prop_map(|(params, body)| e(ExprKind::Block(Box::new(Block { params, body })))),
        ]
    })
    .boxed()
}

fn method() -> impl Strategy<Value = MethodDef> {
    let pattern = prop_oneof![
        ident().prop_map(|i| (i.name, SelectorKind::Unary, vec![])),
        (binary_selector(), ident()).prop_map(|(s, p)| (s, SelectorKind::Binary, vec![p])),
        (1usize..4)
            .prop_flat_map(|n| (keyword_selector(n), prop::collection::vec(ident(), n)))
            .prop_map(|(s, ps)| (s, SelectorKind::Keyword, ps)),
    ];
    let body = prop_oneof![
        1 => Just(MethodBody::Primitive),
        4 => body_of(expr()).prop_map(MethodBody::Code),
    ];
    (pattern, body)
        .prop_filter("unique names", |((_, _, params), body)| {
            let mut all = params.clone();
            if let MethodBody::Code(b) = body {
                all.extend(b.locals.iter().cloned());
            }
            unique(&all)
        })
        .prop_map(|((selector, kind, params), body)| MethodDef {
            selector,
            kind,
            params,
            body,
            span: Span::default(),
        })
}

fn methods() -> impl Strategy<Value = Vec<MethodDef>> {
    prop::collection::vec(method(), 0..4).prop_map(|mut ms| {
        let mut seen = std::collections::HashSet::new();
        ms.retain(|m| seen.insert(m.selector.clone()));
        ms
    })
}

fn class() -> impl Strategy<Value = ClassDef> {
    (
        "[A-Z][a-zA-Z0-9]{0,6}",
        prop::option::of("[A-Z][a-zA-Z0-9]{0,6}"),
        prop::collection::vec(ident(), 0..3),
        methods(),
        prop::collection::vec(ident(), 0..3),
        methods(),
    )
        .prop_filter("unique fields", |(_, _, f, _, cf, _)| {
            let mut all = f.clone();
            all.extend(cf.iter().cloned());
            unique(&all)
        })
        .prop_map(
            |(name, sup, instance_fields, instance_methods, class_fields, class_methods)| {
                let id = |name: String| Ident {
                    name,
                    span: Span::default(),
                };
                ClassDef {
                    name: id(name),
                    superclass: sup.map(id),
                    instance_fields,
                    instance_methods,
                    class_fields,
                    class_methods,
                    span: Span::default(),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn printed_bodies_parse_back_to_the_same_tree(body in body_of(expr())) {
        let text = print_body(&body);
        let mut parsed = parse_expression(&text, "eval")
            .map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
        erase_body(&mut parsed);
        prop_assert_eq!(parsed, body, "{}", text);
    }

    #[test]
    fn printed_classes_parse_back_to_the_same_tree(class in class()) {
        let text = print_class(&class);
        let mut parsed = parse_class(&text, "C.som")
            .map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
        erase_class(&mut parsed);
        prop_assert_eq!(parsed, class, "{}", text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_class(&text, "x");
        let _ = parse_method(&text, "x");
        let _ = parse_expression(&text, "x");
    }

    #[test]
    fn random_token_soup_never_panics(
        tokens in prop::collection::vec(
            prop::sample::select(vec![
                "Foo", "=", "(", ")", "[", "]", "|", "||", ":", ":=", "^", ".", ";", "#",
                "#(", "----", "x", "at:", "put:", "1", "-", "-2", "1.5", "'s'", "$a",
                "primitive", "self", "super", "+", "\"c\"", "16r1F", " ", "\n", "1e", "'",
            ]),
            0..60,
        )
    ) {
        let text: String = tokens.concat();
        let _ = parse_class(&text, "x");
        let _ = parse_method(&text, "x");
        let _ = parse_expression(&text, "x");
    }
}
