//! Criterion (wall-time) benches of the interpreter: send sites that stay monomorphic,
//! become polymorphic or megamorphic, a primitive behind a real send, closure creation
//! and evaluation, allocation, and calls (fib). Each iteration evaluates one fixed
//! program of `cairn_benches::PROGRAMS` in a VM booted and warmed once per bench.

use cairn_benches::{run, warm, PROGRAMS};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn interpreter(c: &mut Criterion) {
    let mut group = c.benchmark_group("interp");
    for (name, source, expected) in PROGRAMS {
        let mut vm = warm(source);
        assert_eq!(run(&mut vm, source), expected, "{name}");
        group.bench_function(name, |b| b.iter(|| run(&mut vm, black_box(source))));
    }
    group.finish();
}

criterion_group!(benches, interpreter);
criterion_main!(benches);
