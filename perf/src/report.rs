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
    let first = run.vms.first().map(|v| v.label.clone());
    let mut geo_rows = Vec::new();
    let mut base_geo = None;
    for vm in &run.vms {
        // Geomeans are only comparable over the benchmarks that every VM completed.
        let medians: Vec<f64> = common_benchmarks(run)
            .iter()
            .filter_map(|b| {
                find(run, &vm.label, b)?
                    .summary
                    .as_ref()
                    .map(|s| s.steady_median_us.value)
            })
            .collect();
        let g = geomean(&medians);
        if Some(&vm.label) == first.as_ref() {
            base_geo = Some(g);
        }
        let ratio = base_geo.map_or("-".into(), |b| format!("{:.2}", g / b));
        geo_rows.push(vec![
            vm.label.clone(),
            medians.len().to_string(),
            ms(g),
            ratio,
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

/// Benchmarks that have a summary on every VM of the run.
fn common_benchmarks(run: &RunResults) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in &run.results {
        if !names.contains(&r.benchmark) {
            names.push(r.benchmark.clone());
        }
    }
    names
        .into_iter()
        .filter(|b| {
            run.vms
                .iter()
                .all(|v| find(run, &v.label, b).is_some_and(|r| r.summary.is_some()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
