//! Parse errors: message, line and column of the first error, and no panic on any
//! prefix of valid input.

use crate::syntax::{parse_class, parse_expression, parse_method, MAX_DEPTH};

fn class_error(src: &str) -> String {
    match parse_class(src, "T.som") {
        Ok(c) => panic!("parsed {src:?} as {c:?}"),
        Err(e) => e.to_string(),
    }
}

fn eval_error(src: &str) -> String {
    match parse_expression(src, "eval") {
        Ok(b) => panic!("parsed {src:?} as {b:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn lexical_errors_point_at_their_start() {
    assert_eq!(
        eval_error("x := 'abc"),
        "eval:1:6: error: unterminated string"
    );
    assert_eq!(
        eval_error("1 \"abc\n"),
        "eval:1:3: error: unterminated comment"
    );
    assert_eq!(
        eval_error("a ? b"),
        "eval:1:3: error: unexpected character '?'"
    );
    assert_eq!(
        eval_error("16r"),
        "eval:1:1: error: malformed number: no digits after 16r"
    );
    assert_eq!(
        eval_error("1e"),
        "eval:1:1: error: malformed number: exponent has no digits"
    );
    assert_eq!(
        eval_error("99r1"),
        "eval:1:1: error: radix 99 is not in 2..36"
    );
    assert_eq!(
        eval_error("2r102"),
        "eval:1:1: error: malformed number: '102' is not a base-2 integer"
    );
    assert_eq!(
        eval_error("#"),
        "eval:1:1: error: expected a symbol, a string or '(' after '#'"
    );
    assert_eq!(
        eval_error("$"),
        "eval:1:1: error: expected a character after '$'"
    );
}

#[test]
fn byte_order_mark_and_crlf_are_accepted() {
    let src = "\u{feff}Foo = (\r\n  x = ( ^ 1 )\r\n)\r\n";
    let class = parse_class(src, "Foo.som").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(class.instance_methods[0].span.line, 2);
    assert_eq!(class.name.span.column, 1);
}

#[test]
fn columns_count_characters_and_lines_restart() {
    assert_eq!(
        eval_error("'é' foo.\n  ?"),
        "eval:2:3: error: unexpected character '?'"
    );
}

#[test]
fn syntax_errors_name_what_was_expected() {
    assert_eq!(
        eval_error("a foo b: c d: ."),
        "eval:1:15: error: expected an expression, found '.'"
    );
    assert_eq!(
        eval_error("a := 3 b := 4"),
        "eval:1:10: error: expected '.' or end of input, found ':='"
    );
    assert_eq!(
        eval_error("x foo: 1 bar: 2 ) baz"),
        "eval:1:17: error: expected '.' or end of input, found ')'"
    );
    assert_eq!(
        eval_error("^ 1. 2"),
        "eval:1:6: error: expected end of input after the return statement, found integer 2"
    );
    assert_eq!(
        eval_error("(1 + 2"),
        "eval:1:7: error: expected ')', found end of file"
    );
    assert_eq!(
        eval_error("[:a a]"),
        "eval:1:5: error: expected '|', found identifier 'a'"
    );
    assert_eq!(
        eval_error("self := 3"),
        "eval:1:1: error: cannot assign to 'self'"
    );
    assert_eq!(
        eval_error("1; foo"),
        "eval:1:2: error: a cascade ';' must follow a message send"
    );
    assert_eq!(
        eval_error("#(1 [)"),
        "eval:1:5: error: expected a literal or ')', found '['"
    );
}

#[test]
fn class_errors() {
    assert_eq!(
        class_error("Foo = ( a = ( ^1 ) a = ( ^2 ) )"),
        "T.som:1:20: error: duplicate method 'a' (first defined at line 1)"
    );
    assert_eq!(
        class_error("Foo = ( |a b a| )"),
        "T.som:1:14: error: duplicate field 'a' (first declared at line 1)"
    );
    assert_eq!(
        class_error("Foo = ( a: x b: x = ( ) )"),
        "T.som:1:17: error: duplicate argument or local 'x' (first declared at line 1)"
    );
    assert_eq!(
        class_error("Foo = ( a = ( | self | ) )"),
        "T.som:1:17: error: cannot declare 'self': it is a reserved name"
    );
    assert_eq!(
        class_error("Foo ( )"),
        "T.som:1:5: error: expected '=', found '('"
    );
    assert_eq!(
        class_error("Foo = ( a = ( ) "),
        "T.som:1:17: error: expected a method definition, '----' or ')', found end of file"
    );
    assert_eq!(
        class_error("Foo = ( a = ( ) ) extra"),
        "T.som:1:19: error: expected end of input, found identifier 'extra'"
    );
    assert_eq!(
        class_error("Foo = ( a = b )"),
        "T.som:1:13: error: expected '(' or 'primitive', found identifier 'b'"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = MAX_DEPTH * 4;
    let parens = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    assert!(eval_error(&parens).contains("nested too deeply"));
    let blocks = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(eval_error(&blocks).contains("nested too deeply"));
    let arrays = format!("#{}{}", "(".repeat(depth), ")".repeat(depth));
    assert!(eval_error(&arrays).contains("nested too deeply"));
    let unary = format!("a{}", " b".repeat(depth));
    assert!(eval_error(&unary).contains("nested too deeply"));
    let assigns = format!("{}1", "a := ".repeat(depth));
    assert!(eval_error(&assigns).contains("nested too deeply"));
    let binary = format!("a{}", " + b".repeat(depth));
    assert!(eval_error(&binary).contains("nested too deeply"));
    // Sibling arguments and cascade parts do not nest: long ones parse.
    let cascade = format!("t{}", " show: x foo bar;".repeat(depth) + " cr");
    assert!(parse_expression(&cascade, "eval").is_ok());
    let keywords = format!("t{}", " at: x foo bar".repeat(depth));
    assert!(parse_expression(&keywords, "eval").is_ok());
    // Just inside the limit still parses.
    let ok = format!("a{}", " b".repeat(MAX_DEPTH / 2));
    assert!(parse_expression(&ok, "eval").is_ok());
}

#[test]
fn every_prefix_of_a_class_fails_cleanly_or_parses() {
    let src = "Foo = Bar ( | a | m: x = ( | t | t := #(1 $a 'x''y' #s:t: (2)) . \
               ^ [:k | k + -1.5e3] value: x; yourself ) ---- new = primitive )";
    assert!(parse_class(src, "T.som").is_ok());
    for (i, _) in src.char_indices() {
        let prefix = &src[..i];
        let _ = parse_class(prefix, "T.som");
        let _ = parse_method(prefix, "T.som");
        let _ = parse_expression(prefix, "T.som");
    }
}

/// Parses the deepest accepted nesting of each kind on a thread with `stack` bytes.
fn deepest_nesting_fits_in(stack: usize) -> bool {
    let handle = std::thread::Builder::new().stack_size(stack).spawn(|| {
        let d = MAX_DEPTH - 2;
        let cases = [
            format!("{}1{}", "(".repeat(d), ")".repeat(d)),
            format!("{}{}", "[".repeat(d / 2), "]".repeat(d / 2)),
            format!("#{}{}", "(".repeat(d), ")".repeat(d)),
            format!("{}1", "a := ".repeat(d)),
            format!("{}x{}", "(a foo: ".repeat(d / 2), ")".repeat(d / 2)),
        ];
        cases.iter().all(|src| match parse_expression(src, "deep") {
            Ok(_) => true,
            Err(e) => {
                eprintln!("{e}");
                false
            }
        })
    });
    handle.is_ok_and(|h| h.join().unwrap_or(false))
}

#[test]
fn deepest_nesting_parses_within_one_mebibyte_of_stack() {
    assert!(deepest_nesting_fits_in(1 << 20));
}
