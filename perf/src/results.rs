//! The JSON results file: what was run, every iteration of every invocation, and the
//! per-benchmark summary derived from them. `compare` reads the raw iterations back, so
//! a results file is self-contained.

use crate::output::GcStats;
use crate::stats::{bootstrap_median_groups, cv, median, pooled, Estimate};
use crate::steady::{warm_up, Steady, WarmUp};
use serde::{Deserialize, Serialize};

/// Version tag of the file format.
pub const SCHEMA: &str = "cairn-perf/1";

/// A whole `cairn-perf run`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResults {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Seconds since the Unix epoch when the run started.
    pub started_unix: u64,
    /// Host name and core count, to tell machines apart.
    pub host: String,
    /// The suite directory.
    pub suite: String,
    /// The VMs, in the order they were interleaved.
    pub vms: Vec<VmInfo>,
    /// One entry per (VM, benchmark).
    pub results: Vec<BenchResult>,
}

/// A VM as run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VmInfo {
    /// Its label.
    pub label: String,
    /// Its command template.
    pub command: String,
}

/// All invocations of one benchmark on one VM.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchResult {
    /// VM label.
    pub vm: String,
    /// Benchmark name.
    pub benchmark: String,
    /// Outer iterations asked for.
    pub outer: u32,
    /// Inner iterations per outer iteration.
    pub inner: u32,
    /// Every process run of this benchmark.
    pub invocations: Vec<Invocation>,
    /// Figures over the invocations that succeeded; `None` when none did.
    pub summary: Option<Summary>,
}

/// One process run of the harness.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invocation {
    /// Time of each outer iteration, microseconds.
    pub iterations_us: Vec<u64>,
    /// Steady state of this series.
    pub steady: Steady,
    /// Why this invocation failed, if it did.
    pub error: Option<String>,
    /// Peak resident set size of the process, KiB.
    pub peak_rss_kib: u64,
    /// Wall time of the whole process, microseconds.
    pub wall_us: u64,
    /// Cairn's GC statistics, when the VM printed them.
    pub gc: Option<GcStats>,
}

impl Invocation {
    /// The steady-state iterations as floats.
    pub fn steady_samples(&self) -> Vec<f64> {
        self.iterations_us[self.steady.start.min(self.iterations_us.len())..]
            .iter()
            .map(|&x| x as f64)
            .collect()
    }
}

/// The figures reported for one (VM, benchmark).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// True when every successful invocation reached a steady state.
    pub steady_reached: bool,
    /// Warm-up of the first successful invocation (microseconds).
    pub warm_up: WarmUp,
    /// Median steady-state iteration time with its bootstrap 95% interval (microseconds).
    pub steady_median_us: Estimate,
    /// Coefficient of variation of the steady-state iterations.
    pub steady_cv: f64,
    /// Largest peak RSS over the invocations, KiB.
    pub peak_rss_kib: u64,
    /// Median share of the run spent in GC, when the VM reports it.
    pub gc_share: Option<f64>,
}

/// Steady-state samples of each successful invocation (one group per process).
pub fn steady_groups(invocations: &[Invocation]) -> Vec<Vec<f64>> {
    invocations
        .iter()
        .filter(|i| i.error.is_none())
        .map(Invocation::steady_samples)
        .filter(|g| !g.is_empty())
        .collect()
}

/// Summarises the successful invocations, or `None` when there are none.
pub fn summarise(invocations: &[Invocation]) -> Option<Summary> {
    let ok: Vec<&Invocation> = invocations.iter().filter(|i| i.error.is_none()).collect();
    let first = ok.first()?;
    let groups = steady_groups(invocations);
    let samples = pooled(&groups);
    if samples.is_empty() {
        return None;
    }
    let est = bootstrap_median_groups(&groups);
    let series: Vec<f64> = first.iterations_us.iter().map(|&x| x as f64).collect();
    let shares: Vec<f64> = ok
        .iter()
        .filter_map(|i| i.gc.as_ref()?.share(i.wall_us))
        .collect();
    Some(Summary {
        steady_reached: ok.iter().all(|i| i.steady.reached),
        warm_up: warm_up(&series, first.steady.start, median(&first.steady_samples())),
        steady_median_us: est,
        steady_cv: cv(&samples),
        peak_rss_kib: ok.iter().map(|i| i.peak_rss_kib).max().unwrap_or(0),
        gc_share: (!shares.is_empty()).then(|| median(&shares)),
    })
}

impl RunResults {
    /// Reads a results file.
    pub fn load(path: &std::path::Path) -> Result<RunResults, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let r: RunResults =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if r.schema != SCHEMA {
            return Err(format!(
                "{}: schema `{}`, expected `{SCHEMA}`",
                path.display(),
                r.schema
            ));
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steady::detect;

    fn inv(xs: &[u64], error: Option<&str>) -> Invocation {
        let f: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
        Invocation {
            iterations_us: xs.to_vec(),
            steady: detect(&f),
            error: error.map(String::from),
            peak_rss_kib: 1000,
            wall_us: 10_000,
            gc: None,
        }
    }

    #[test]
    fn summary_pools_successful_invocations_only() {
        let warm = [500, 300, 200, 100, 100, 100, 100, 100, 100, 100];
        let invs = vec![
            inv(&warm, None),
            inv(&[1, 1, 1, 1, 1, 1], Some("crashed")),
            inv(&[100; 8], None),
        ];
        let s = summarise(&invs).unwrap();
        assert_eq!(s.steady_median_us.value, 100.0);
        assert_eq!(s.warm_up.iterations, 3);
        assert_eq!(s.warm_up.time, 1000.0);
        assert_eq!(s.warm_up.excess, 700.0);
        assert!(s.steady_reached);
        assert_eq!(pooled(&steady_groups(&invs)).len(), 7 + 8);
        assert!(summarise(&[inv(&[5; 5], Some("x"))]).is_none());
    }
}
