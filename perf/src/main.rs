//! `cairn-perf`: Cairn's warm-up and regression benchmarking harness.
fn main() {}
