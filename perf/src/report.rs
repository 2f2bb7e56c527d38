//! The text table printed after a run: one row per (benchmark, VM), then the geometric
//! mean of the steady medians per VM and, with several VMs, each VM's ratio to the first.

use crate::results::{BenchResult, RunResults};
use crate::stats::geomean;
use std::fmt::Write;

fn ms(us: f64) -> String {
    format!("{:.2}", us / 1000.0)
}

fn row(r: &BenchResult) -> [String; 8] {
    let base = [r.benchmark.clone(), r.vm.clone()];
    let Some(s) = &r.summary else {
        let why = r
            .invocations
            .iter()
            .find_map(|i| i.error.clone())
            .unwrap_or_default();
        return [
            base[0].clone(),
            base[1].clone(),
            "FAILED".into(),
            why,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ];
    };
    let e = s.steady_median_us;
    [
        base[0].clone(),
        base[1].clone(),
        if s.steady_reached {
            s.warm_up.iterations.to_string()
        } else {
            "-*".into()
        },
        if s.steady_reached {
            ms(s.warm_up.time)
        } else {
            "-".into()
        },
        format!("{} [{}, {}]", ms(e.value), ms(e.low), ms(e.high)),
        format!("{:.1}%", 100.0 * s.steady_cv),
        format!("{:.1}", s.peak_rss_kib as f64 / 1024.0),
        s.gc_share
            .map_or("-".into(), |g| format!("{:.1}%", 100.0 * g)),
    ]
}

/// Renders rows as an aligned table with a header.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(header.to_vec(), &mut out);
    line(
        widths
            .iter()
            .map(|&w| "-".repeat(w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
        &mut out,
    );
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// The full report of a run.
pub fn run_table(run: &RunResults) -> String {
    let header = [
        "benchmark",
        "vm",
        "warm-up it.",
        "warm-up ms",
        "steady median ms [95% CI]",
        "CV",
        "peak RSS MiB",
        "GC",
    ];
    let rows: Vec<Vec<String>> = run.results.iter().map(|r| row(r).to_vec()).collect();
    let mut out = render(&header, &rows);
    out.push_str("(* = no steady state reached: the last half of the iterations is used)\n");
    for r in &run.results {
        for (n, e) in r
            .invocations
            .iter()
            .enumerate()
            .filter_map(|(n, i)| Some((n, i.error.as_ref()?)))
        {
            let _ = writeln!(
                out,
                "FAILED {} on {} (invocation {}): {e}",
                r.benchmark,
                r.vm,
                n + 1
            );
        }
    }
    out.push('\n');
    // Each VM's geomean is over the benchmarks it completed (marked partial when that
    // is not all of them); the ratio to the first VM is over the benchmarks both
    // completed, so it compares like with like. No row is ever NaN.
    let all = benchmark_names(run);
    let first = run.vms.first().map(|v| v.label.as_str());
    let mut geo_rows = Vec::new();
    for vm in &run.vms {
        let completed = medians(run, &vm.label, &all);
        let count = if completed.len() == all.len() {
            completed.len().to_string()
        } else {
            format!("{} of {} (partial)", completed.len(), all.len())
        };
        let ratio = first.and_then(|f| {
            let both: Vec<String> = all
                .iter()
                .filter(|b| {
                    [f, vm.label.as_str()]
                        .iter()
                        .all(|v| median(run, v, b).is_some())
                })
                .cloned()
                .collect();
            let (a, b) = (medians(run, f, &both), medians(run, &vm.label, &both));
            (!both.is_empty()).then(|| geomean(&b) / geomean(&a))
        });
        geo_rows.push(vec![
            vm.label.clone(),
            count,
            if completed.is_empty() {
                "-".into()
            } else {
                ms(geomean(&completed))
            },
            ratio.map_or("-".into(), |r| format!("{r:.2}")),
        ]);
    }
    out.push_str(&render(
        &["vm", "benchmarks", "geomean steady ms", "ratio to first"],
        &geo_rows,
    ));
    out
}

fn find<'a>(run: &'a RunResults, vm: &str, bench: &str) -> Option<&'a BenchResult> {
    run.results
        .iter()
        .find(|r| r.vm == vm && r.benchmark == bench)
}

/// Every benchmark of the run, in first-seen order.
fn benchmark_names(run: &RunResults) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in &run.results {
        if !names.contains(&r.benchmark) {
            names.push(r.benchmark.clone());
        }
    }
    names
}

/// The steady-state median of `bench` on `vm`, if that VM completed it.
fn median(run: &RunResults, vm: &str, bench: &str) -> Option<f64> {
    find(run, vm, bench)?
        .summary
        .as_ref()
        .map(|s| s.steady_median_us.value)
}

/// The medians of the benchmarks in `names` that `vm` completed.
fn medians(run: &RunResults, vm: &str, names: &[String]) -> Vec<f64> {
    names.iter().filter_map(|b| median(run, vm, b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{summarise, Invocation, VmInfo, SCHEMA};
    use crate::steady::detect;

    /// `vm`'s result for `bench`: 20 iterations of `us` each, or one failed invocation.
    fn result(vm: &str, bench: &str, us: Option<u64>) -> BenchResult {
        let xs: Vec<u64> = us.map_or(Vec::new(), |u| vec![u; 20]);
        let f: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
        let invocations = vec![Invocation {
            steady: detect(&f),
            iterations_us: xs,
            error: us.is_none().then(|| "exit status 1".to_string()),
            peak_rss_kib: 1,
            wall_us: 1,
            gc: None,
        }];
        BenchResult {
            vm: vm.into(),
            benchmark: bench.into(),
            outer: 20,
            inner: 1,
            summary: summarise(&invocations),
            invocations,
        }
    }

    #[test]
    fn a_vm_that_failed_some_benchmarks_gets_a_partial_geomean_never_nan() {
        let run = RunResults {
            schema: SCHEMA.into(),
            started_unix: 0,
            host: "h".into(),
            suite: "s".into(),
            vms: ["a", "b", "c"]
                .iter()
                .map(|l| VmInfo {
                    label: l.to_string(),
                    command: "x".into(),
                })
                .collect(),
            results: vec![
                result("a", "X", Some(1000)),
                result("a", "Y", Some(4000)),
                result("b", "X", Some(2000)),
                result("b", "Y", None),
                result("c", "X", None),
                result("c", "Y", None),
            ],
        };
        let table = run_table(&run);
        assert!(!table.contains("NaN"), "{table}");
        let row = |vm: &str| -> Vec<String> {
            let line = table
                .lines()
                .rev()
                .find(|l| l.starts_with(vm) && !l.contains("FAILED"))
                .unwrap_or_else(|| panic!("no geomean row for {vm}:\n{table}"));
            line.split("  ")
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect()
        };
        assert_eq!(row("a")[1..], ["2", "2.00", "1.00"], "{table}");
        // b completed X only: its geomean is X's, its ratio to a is over X alone.
        assert_eq!(
            row("b")[1..],
            ["1 of 2 (partial)", "2.00", "2.00"],
            "{table}"
        );
        assert_eq!(row("c")[1..], ["0 of 2 (partial)", "-", "-"], "{table}");
    }

    #[test]
    fn table_columns_align() {
        let t = render(
            &["a", "bb"],
            &[
                vec!["xxx".into(), "y".into()],
                vec!["z".into(), "wwww".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "a    bb");
        assert_eq!(lines[1], "---  ----");
        assert_eq!(lines[2], "xxx  y");
        assert_eq!(lines[3], "z    wwww");
    }
}
