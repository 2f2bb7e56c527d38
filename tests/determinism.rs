//! Determinism for headless tests: `Random default` is seeded from `CAIRN_SEED`, so two
//! runs with the same seed print the same numbers (the same as `Random seed:` with that
//! seed), and another seed prints others.

use std::process::Command;

/// stdout of `cairn eval EXPR` with `CAIRN_SEED` set to `seed` (or unset).
fn eval_with_seed(expression: &str, seed: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
    cmd.args(["eval", expression]);
    match seed {
        Some(s) => cmd.env("CAIRN_SEED", s),
        None => cmd.env_remove("CAIRN_SEED"),
    };
    let out = cmd.output().expect("run cairn");
    assert!(out.status.success(), "cairn eval failed: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn cairn_seed_makes_the_default_random_repeat() {
    let draw = "(1 to: 5) collect: [ :i | Random default nextInt: 1000000 ]";
    let first = eval_with_seed(draw, Some("123456"));
    assert_eq!(first, eval_with_seed(draw, Some("123456")));
    let explicit = eval_with_seed(
        "| r | r := Random seed: 123456. (1 to: 5) collect: [ :i | r nextInt: 1000000 ]",
        None,
    );
    assert_eq!(first, explicit, "CAIRN_SEED=n is `Random seed: n`");
    assert_ne!(first, eval_with_seed(draw, Some("654321")));
}

#[test]
fn a_default_without_cairn_seed_still_draws_in_range() {
    let out = eval_with_seed(
        "((1 to: 100) collect: [ :i | Random default nextInt: 6 ]) allSatisfy: [ :n | n >= 1 and: [ n <= 6 ] ]",
        None,
    );
    assert_eq!(out.trim(), "true");
}
