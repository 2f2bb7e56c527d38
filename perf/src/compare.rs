//! `cairn-perf compare A.json B.json`: for every benchmark in both runs, the ratio of
//! steady-state medians B/A with a bootstrap 95% interval, and the geometric mean of
//! the ratios with its interval.
//!
//! Verdicts, with a threshold `t` (a fraction, e.g. 0.05):
//! - `SLOWER`: the whole interval lies above `1 + t` (a regression: exit status 1);
//! - `slower`/`faster`: the interval excludes 1 but the change is within the threshold,
//!   or it is an improvement;
//! - `same`: the interval contains 1.

use crate::report::render;
use crate::results::{steady_groups, RunResults};
use crate::stats::{bootstrap_ratios, median, pooled, Design, Estimate, GroupPair};

/// What a comparison of one benchmark concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Interval contains 1.
    Same,
    /// Significantly faster.
    Faster,
    /// Significantly slower, by less than the threshold (or not surely more).
    Slower,
    /// Significantly slower than the threshold: a regression.
    Regression,
}

impl Verdict {
    /// Classifies a ratio B/A with threshold `t`.
    pub fn of(e: &Estimate, t: f64) -> Verdict {
        if e.above(1.0 + t) {
            Verdict::Regression
        } else if e.above(1.0) {
            Verdict::Slower
        } else if e.below(1.0) {
            Verdict::Faster
        } else {
            Verdict::Same
        }
    }

    fn text(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Faster => "faster",
            Verdict::Slower => "slower",
            Verdict::Regression => "SLOWER",
        }
    }
}

/// One matched benchmark.
#[derive(Debug, Clone)]
pub struct Row {
    /// `benchmark` or `benchmark@vm` when several VMs are compared.
    pub name: String,
    /// Steady median in A and B, microseconds.
    pub medians: (f64, f64),
    /// Ratio B/A.
    pub ratio: Estimate,
    /// Its verdict.
    pub verdict: Verdict,
}

/// The comparison of two runs.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Matched benchmarks.
    pub rows: Vec<Row>,
    /// Geometric mean of the ratios.
    pub geomean: Estimate,
    /// Benchmarks present in only one run, or failed in one.
    pub unmatched: Vec<String>,
}

impl Comparison {
    /// True when some benchmark is a regression.
    pub fn has_regression(&self) -> bool {
        self.rows.iter().any(|r| r.verdict == Verdict::Regression)
    }
}

/// Matches the runs' results: by (VM, benchmark); when each run has a single VM, by
/// benchmark alone, so that two builds labelled alike or differently compare.
pub fn compare(
    a: &RunResults,
    b: &RunResults,
    threshold: f64,
    design: Design,
) -> Result<Comparison, String> {
    let by_name_only = a.vms.len() == 1 && b.vms.len() == 1;
    let mut names = Vec::new();
    let mut samples = Vec::new();
    let mut unmatched = Vec::new();
    for ra in &a.results {
        let rb = b
            .results
            .iter()
            .find(|rb| rb.benchmark == ra.benchmark && (by_name_only || rb.vm == ra.vm));
        let name = if by_name_only {
            ra.benchmark.clone()
        } else {
            format!("{}@{}", ra.benchmark, ra.vm)
        };
        let (sa, sb) = (
            steady_groups(&ra.invocations),
            rb.map(|rb| steady_groups(&rb.invocations))
                .unwrap_or_default(),
        );
        if sa.is_empty() || sb.is_empty() {
            unmatched.push(name);
            continue;
        }
        names.push(name);
        samples.push((sa, sb));
    }
    if names.is_empty() {
        return Err("the two runs have no benchmark in common".into());
    }
    let pairs: Vec<GroupPair<'_>> = samples
        .iter()
        .map(|(x, y)| (x.as_slice(), y.as_slice()))
        .collect();
    let (ratios, geomean) = bootstrap_ratios(&pairs, design);
    let rows = names
        .into_iter()
        .zip(ratios)
        .zip(&samples)
        .map(|((name, ratio), (sa, sb))| Row {
            name,
            medians: (median(&pooled(sa)), median(&pooled(sb))),
            ratio,
            verdict: Verdict::of(&ratio, threshold),
        })
        .collect();
    Ok(Comparison {
        rows,
        geomean,
        unmatched,
    })
}

/// The results of one VM of a run, as a run of its own (to compare two VMs that ran
/// interleaved in one run, so that machine load hit both alike).
pub fn only_vm(run: &RunResults, label: &str) -> Result<RunResults, String> {
    let vm = run.vms.iter().find(|v| v.label == label).ok_or_else(|| {
        let labels: Vec<&str> = run.vms.iter().map(|v| v.label.as_str()).collect();
        format!(
            "no VM labelled `{label}` in the run (it has: {})",
            labels.join(", ")
        )
    })?;
    Ok(RunResults {
        vms: vec![vm.clone()],
        results: run
            .results
            .iter()
            .filter(|r| r.vm == label)
            .cloned()
            .collect(),
        ..run.clone()
    })
}

/// The comparison as a table.
pub fn table(c: &Comparison, threshold: f64) -> String {
    let fmt = |e: &Estimate| format!("{:.3} [{:.3}, {:.3}]", e.value, e.low, e.high);
    let mut rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                format!("{:.2}", r.medians.0 / 1000.0),
                format!("{:.2}", r.medians.1 / 1000.0),
                fmt(&r.ratio),
                r.verdict.text().to_string(),
            ]
        })
        .collect();
    rows.push(vec![
        "geomean".into(),
        String::new(),
        String::new(),
        fmt(&c.geomean),
        Verdict::of(&c.geomean, threshold).text().into(),
    ]);
    let mut out = render(
        &["benchmark", "A ms", "B ms", "B/A [95% CI]", "verdict"],
        &rows,
    );
    if !c.unmatched.is_empty() {
        out.push_str(&format!(
            "not compared (missing or failed in one run): {}\n",
            c.unmatched.join(", ")
        ));
    }
    out.push_str(&format!(
        "threshold {:.1}%: {}\n",
        threshold * 100.0,
        if c.has_regression() {
            "REGRESSION (some benchmark slower beyond the threshold)"
        } else {
            "no regression"
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{BenchResult, Invocation, VmInfo, SCHEMA};
    use crate::stats::Rng;
    use crate::steady::detect;

    fn run(label: &str, benches: &[(&str, f64)], seed: u64) -> RunResults {
        let mut rng = Rng::new(seed);
        let results = benches
            .iter()
            .map(|&(name, centre)| {
                let xs: Vec<u64> = (0..30)
                    .map(|_| {
                        (centre * (0.98 + 0.04 * (rng.next_u64() % 1000) as f64 / 1000.0)) as u64
                    })
                    .collect();
                let f: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
                BenchResult {
                    vm: label.into(),
                    benchmark: name.into(),
                    outer: 30,
                    inner: 1,
                    invocations: vec![Invocation {
                        steady: detect(&f),
                        iterations_us: xs,
                        error: None,
                        peak_rss_kib: 1,
                        wall_us: 1,
                        gc: None,
                    }],
                    summary: None,
                }
            })
            .collect();
        RunResults {
            schema: SCHEMA.into(),
            started_unix: 0,
            host: "h".into(),
            suite: "s".into(),
            vms: vec![VmInfo {
                label: label.into(),
                command: "c".into(),
            }],
            results,
        }
    }

    #[test]
    fn verdict_thresholds() {
        let e = |low, high| Estimate {
            value: (low + high) / 2.0,
            low,
            high,
        };
        assert_eq!(Verdict::of(&e(0.98, 1.02), 0.05), Verdict::Same);
        assert_eq!(Verdict::of(&e(1.01, 1.04), 0.05), Verdict::Slower);
        assert_eq!(Verdict::of(&e(1.04, 1.20), 0.05), Verdict::Slower); // not surely beyond 5%
        assert_eq!(Verdict::of(&e(1.06, 1.20), 0.05), Verdict::Regression);
        assert_eq!(Verdict::of(&e(0.80, 0.90), 0.05), Verdict::Faster);
    }

    #[test]
    fn same_build_has_no_regression() {
        let a = run("cairn", &[("A", 1000.0), ("B", 50000.0)], 1);
        let b = run("cairn", &[("A", 1000.0), ("B", 50000.0)], 2);
        let c = compare(&a, &b, 0.05, Design::Unpaired).unwrap();
        assert!(!c.has_regression(), "{}", table(&c, 0.05));
        assert!(c.geomean.low < 1.01 && c.geomean.high > 0.99);
    }

    #[test]
    fn slowed_benchmark_is_a_regression_and_labels_may_differ() {
        let a = run("old", &[("A", 1000.0), ("B", 50000.0)], 1);
        let b = run("new", &[("A", 1300.0), ("B", 50000.0), ("C", 1.0)], 2);
        let c = compare(&a, &b, 0.05, Design::Unpaired).unwrap();
        assert!(c.has_regression());
        assert_eq!(c.rows[0].verdict, Verdict::Regression);
        assert_eq!(c.rows[1].verdict, Verdict::Same);
        assert!((c.geomean.value - (1.3f64).sqrt()).abs() < 0.03);
        assert!(table(&c, 0.05).contains("REGRESSION"));
        // With a 50% threshold the same slowdown is only "slower".
        assert!(!compare(&a, &b, 0.5, Design::Unpaired)
            .unwrap()
            .has_regression());
    }

    #[test]
    fn two_vms_of_one_run_compare() {
        let mut both = run("a", &[("A", 1000.0)], 1);
        let b = run("b", &[("A", 1500.0)], 2);
        both.vms.extend(b.vms);
        both.results.extend(b.results);
        let c = compare(
            &only_vm(&both, "a").unwrap(),
            &only_vm(&both, "b").unwrap(),
            0.05,
            Design::Paired,
        )
        .unwrap();
        assert!(c.has_regression());
        assert!(only_vm(&both, "c").unwrap_err().contains("a, b"));
    }

    #[test]
    fn disjoint_runs_are_an_error() {
        let a = run("x", &[("A", 1.0)], 1);
        let b = run("x", &[("B", 1.0)], 1);
        assert!(compare(&a, &b, 0.05, Design::Unpaired).is_err());
    }
}
