//! Criterion (wall-time) benches of the front end: parsing the kernel's class files, and
//! parsing plus compiling every method in them to bytecode.

use cairn_benches::{compile_all, kernel_sources, parse_all};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn front_end(c: &mut Criterion) {
    let sources = kernel_sources();
    let bytes: usize = sources.iter().map(|(_, t)| t.len()).sum();
    let mut group = c.benchmark_group("front");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("parse_kernel", |b| {
        b.iter(|| parse_all(black_box(&sources)))
    });
    group.bench_function("compile_kernel", |b| {
        b.iter(|| compile_all(black_box(&sources)))
    });
    group.finish();
}

criterion_group!(benches, front_end);
criterion_main!(benches);
