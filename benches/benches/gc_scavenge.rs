//! Scavenge pause against survivor volume: a linked graph of 1, 2 and 4 MiB lives in eden
//! and is copied into the survivor space. Each measured scavenge starts from a freshly
//! built graph (building and clearing are not timed).

use std::time::{Duration, Instant};

use cairn_gc::Oop;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

mod gc_support;

fn scavenge_by_survivors(c: &mut Criterion) {
    // 64 MiB nursery: 48 MiB eden, 8 MiB survivor spaces; tenure age 3 so that the
    // measured scavenge copies everything into the survivor space.
    let (mut heap, class) = gc_support::heap(64 << 20, 3);
    let mut g = c.benchmark_group("gc_scavenge");
    g.sample_size(20);
    for mib in [1usize, 2, 4] {
        let bytes = mib << 20;
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_with_input(
            BenchmarkId::new("survivors_mib", mib),
            &bytes,
            |b, &bytes| {
                let mut roots: Vec<Oop> = Vec::new();
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        gc_support::build_graph(&mut heap, &mut roots, class, bytes, false);
                        let t = Instant::now();
                        heap.scavenge(&mut roots);
                        total += t.elapsed();
                        roots.clear();
                        heap.scavenge(&mut roots);
                    }
                    total
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, scavenge_by_survivors);
criterion_main!(benches);
