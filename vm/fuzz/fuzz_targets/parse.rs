//! Fuzz target `parse`: any bytes through the three front-end entry points, and
//! every successfully parsed class printed and parsed again to the same shape.
#![no_main]

use cairn_vm::syntax::printer::print_class;
use cairn_vm::syntax::{parse_class, parse_expression, parse_method};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = parse_expression(&text, "fuzz");
    let _ = parse_method(&text, "fuzz");
    if let Ok(class) = parse_class(&text, "fuzz") {
        let printed = print_class(&class);
        match parse_class(&printed, "printed") {
            Ok(again) => assert_eq!(print_class(&again), printed),
            Err(err) => panic!("printed class does not parse: {err}\n{printed}"),
        }
    }
});
