//! iai-callgrind benches of the collector: instruction counts, independent of machine
//! load. Heaps and graphs are built in `setup`, outside the measured function.

use std::hint::black_box;

use cairn_gc::{ClassIndex, Format, Heap, Oop};
use iai_callgrind::{library_benchmark, library_benchmark_group, main};

mod gc_support;

/// Objects allocated by the allocation bench (4 MiB of eden: no scavenge).
const OBJECTS: usize = 100_000;

fn fresh_heap() -> (Heap, ClassIndex) {
    gc_support::heap(8 << 20, 2)
}

fn young_graph(mib: usize) -> (Heap, Vec<Oop>) {
    let (mut heap, class) = gc_support::heap(64 << 20, 3);
    let mut roots = Vec::new();
    gc_support::build_graph(&mut heap, &mut roots, class, mib << 20, false);
    (heap, roots)
}

fn old_graph(mib: usize) -> (Heap, Vec<Oop>) {
    let (mut heap, class) = gc_support::heap(8 << 20, 2);
    let mut roots = Vec::new();
    gc_support::build_graph(&mut heap, &mut roots, class, mib << 20, true);
    heap.full_collect(&mut roots, true);
    (heap, roots)
}

#[library_benchmark]
#[bench::fixed4(setup = fresh_heap)]
fn alloc_100k((mut heap, class): (Heap, ClassIndex)) -> usize {
    let mut n = 0;
    for _ in 0..OBJECTS {
        if let Some(o) = heap.try_alloc(class, Format::Fixed, 4, 0) {
            black_box(o);
            n += 1;
        }
    }
    n
}

#[library_benchmark]
#[bench::survivors_1mib(setup = young_graph, args = (1))]
fn scavenge((mut heap, mut roots): (Heap, Vec<Oop>)) -> usize {
    heap.scavenge(&mut roots);
    black_box(heap.occupancy().survivor_used)
}

#[library_benchmark]
#[bench::live_4mib(setup = old_graph, args = (4))]
fn mark_sweep((mut heap, mut roots): (Heap, Vec<Oop>)) -> usize {
    heap.full_collect(&mut roots, false);
    black_box(heap.occupancy().old_used)
}

library_benchmark_group!(name = gc; benchmarks = alloc_100k, scavenge, mark_sweep);
main!(library_benchmark_groups = gc);
