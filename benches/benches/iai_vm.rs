//! iai-callgrind benches: instruction counts of small fixed Smalltalk programs (the
//! programs of `cairn_benches::PROGRAMS`, interpreted and compiled by the Cranelift tier
//! with warm caches) and of the front end. Booting and warming the
//! VM happens in `setup`, outside the measured function. Counts are compared with the
//! committed baseline `benches/iai-baseline.txt` by `cairn-perf iai-check`
//! (see docs/perf/harness.md, "Instruction counts").

use cairn_benches::{compile_all, kernel_sources, parse_all, run, warm, warm_jit, PROGRAMS};
use cairn_vm::Vm;
use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use std::hint::black_box;

fn program(index: usize) -> (Vm, &'static str) {
    let (_, source, _) = PROGRAMS[index];
    (warm(source), source)
}

/// The same program in a VM whose methods the Cranelift tier compiled with warm caches.
fn compiled(index: usize) -> (Vm, &'static str) {
    let (_, source, _) = PROGRAMS[index];
    (warm_jit(source), source)
}

#[library_benchmark]
#[bench::send_mono(setup = program, args = (0))]
#[bench::send_poly(setup = program, args = (1))]
#[bench::send_mega(setup = program, args = (2))]
#[bench::primitive(setup = program, args = (3))]
#[bench::closure(setup = program, args = (4))]
#[bench::alloc(setup = program, args = (5))]
#[bench::fib(setup = program, args = (6))]
#[bench::store(setup = program, args = (7))]
fn eval((mut vm, source): (Vm, &'static str)) -> String {
    black_box(run(&mut vm, source))
}

#[library_benchmark]
#[bench::send_mono(setup = compiled, args = (0))]
#[bench::send_poly(setup = compiled, args = (1))]
#[bench::send_mega(setup = compiled, args = (2))]
#[bench::primitive(setup = compiled, args = (3))]
#[bench::closure(setup = compiled, args = (4))]
#[bench::alloc(setup = compiled, args = (5))]
#[bench::fib(setup = compiled, args = (6))]
#[bench::store(setup = compiled, args = (7))]
fn eval_jit((mut vm, source): (Vm, &'static str)) -> String {
    black_box(run(&mut vm, source))
}

#[library_benchmark]
#[bench::kernel(setup = kernel_sources)]
fn parse(sources: Vec<(String, String)>) -> usize {
    black_box(parse_all(&sources))
}

#[library_benchmark]
#[bench::kernel(setup = kernel_sources)]
fn compile(sources: Vec<(String, String)>) -> usize {
    black_box(compile_all(&sources))
}

library_benchmark_group!(name = programs; benchmarks = eval, eval_jit);
library_benchmark_group!(name = front; benchmarks = parse, compile);
main!(library_benchmark_groups = programs, front);
