//! The `cairn` command: wiring only.
fn main() {}
