//! Full-collection pause (mark and sweep, no compaction) against live-heap size: a linked
//! graph of 4, 16 and 64 MiB in old space, collected again and again (it all stays live).

use cairn_gc::Oop;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

mod gc_support;

fn full_by_live_size(c: &mut Criterion) {
    let mut g = c.benchmark_group("gc_full");
    g.sample_size(10);
    for mib in [4usize, 16, 64] {
        let bytes = mib << 20;
        let (mut heap, class) = gc_support::heap(8 << 20, 2);
        let mut roots: Vec<Oop> = Vec::new();
        gc_support::build_graph(&mut heap, &mut roots, class, bytes, true);
        heap.full_collect(&mut roots, true);
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_with_input(
            BenchmarkId::new("mark_sweep_live_mib", mib),
            &mib,
            |b, _| b.iter(|| heap.full_collect(&mut roots, false)),
        );
        g.bench_with_input(
            BenchmarkId::new("mark_compact_live_mib", mib),
            &mib,
            |b, _| b.iter(|| heap.full_collect(&mut roots, true)),
        );
    }
    g.finish();
}

criterion_group!(benches, full_by_live_size);
criterion_main!(benches);
