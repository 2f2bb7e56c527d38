//! Allocation rate of small objects on the eden fast path (4 pointer slots, 40 bytes).
//! Each batch allocates until eden is full, then an empty scavenge (no survivors) resets
//! eden outside the measured loop's cost model: it runs once per ~200 000 objects.

use std::hint::black_box;

use cairn_gc::{Format, NoRoots};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

mod gc_support;

const BATCH: u64 = 100_000;

fn alloc_fixed4(c: &mut Criterion) {
    let (mut heap, class) = gc_support::heap(8 << 20, 2);
    let mut g = c.benchmark_group("gc_alloc");
    g.throughput(Throughput::Elements(BATCH));
    g.bench_function("fast_path_4_slots", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                match heap.try_alloc(class, Format::Fixed, 4, 0) {
                    Some(o) => {
                        black_box(o);
                    }
                    None => heap.scavenge(&mut NoRoots),
                }
            }
        })
    });
    g.bench_function("alloc_with_roots_4_slots", |b| {
        let mut roots = NoRoots;
        b.iter(|| {
            for _ in 0..BATCH {
                black_box(
                    heap.alloc(&mut roots, class, Format::Fixed, 4, 0)
                        .expect("room"),
                );
            }
        })
    });
    g.bench_function("fast_path_16_byte_string", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                match heap.try_alloc(class, Format::Bytes, 0, 16) {
                    Some(o) => {
                        black_box(o);
                    }
                    None => heap.scavenge(&mut NoRoots),
                }
            }
        })
    });
    g.finish();
}

criterion_group!(benches, alloc_fixed4);
criterion_main!(benches);
