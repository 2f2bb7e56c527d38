//! `cairn-perf`: Cairn's warm-up and regression benchmarking harness.
//!
//! It runs the benchmark programs of a suite (Cairn's `perf/suite/` or AWFY's SOM
//! suite) on one or more VMs, in process: each VM runs AWFY's harness protocol and
//! prints one timed line per outer iteration. From those lines it finds where steady
//! state begins, and reports warm-up, steady-state medians with bootstrap intervals,
//! peak RSS and GC share; `compare` turns two runs into ratios and a regression verdict.
//!
//! Reading order: [`suite`] and [`vm`] (what runs), [`child`] and [`output`] (running one
//! process and reading it), [`steady`] and [`stats`] (the statistics), [`results`] (the
//! JSON file), then [`run`], [`report`], [`plot`] and [`compare`] (the commands), and [`iai`]
//! (instruction-count baselines of the iai-callgrind benches).
#![deny(unreachable_pub)]

pub mod child;
pub mod compare;
pub mod iai;
pub mod output;
pub mod plot;
pub mod report;
pub mod results;
pub mod run;
pub mod stats;
pub mod steady;
pub mod suite;
pub mod vm;
