//! Criterion (wall-time) benches of the Cranelift tier next to the interpreter's: the
//! programs of `cairn_benches::PROGRAMS` (a monomorphic send compiled as a direct call,
//! polymorphic and megamorphic sites, a primitive, closures, allocation, calls, a
//! barriered field store) in a VM whose methods were compiled with warm inline caches
//! (`--jit=on`, threshold 2), and again interpreted, in one group so the report puts
//! them side by side.

use cairn_benches::{run, warm, warm_jit, PROGRAMS};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn tiers(c: &mut Criterion) {
    let mut group = c.benchmark_group("tiers");
    for (name, source, expected) in PROGRAMS {
        for (tier, mut vm) in [("jit", warm_jit(source)), ("interp", warm(source))] {
            assert_eq!(run(&mut vm, source), expected, "{name} ({tier})");
            group.bench_function(format!("{name}/{tier}"), |b| {
                b.iter(|| run(&mut vm, black_box(source)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, tiers);
criterion_main!(benches);
