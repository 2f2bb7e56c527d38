//! Parsing what a VM prints while it runs the harness: AWFY's per-iteration lines and
//! summary on stdout, and Cairn's GC statistics line on stderr.
//!
//! stdout (AWFY's `Run.som` format, also printed by Cairn's `perf/suite/Harness.som`):
//! ```text
//! Richards: iterations=1 runtime: 95426us
//! Richards: iterations=3 average: 92211us total: 276634us
//! Total Runtime: 276634us
//! ```
//! stderr, one line at exit when `CAIRN_GC_STATS=1` (absent for other VMs):
//! ```text
//! cairn-gc-stats: scavenges=120 full-gcs=2 gc-time-us=35120 run-time-us=812000 peak-heap-bytes=52428800
//! ```

use std::collections::BTreeMap;

/// Prefix of the GC statistics line on stderr.
pub const GC_STATS_PREFIX: &str = "cairn-gc-stats:";

/// The time of one outer iteration, if `line` is `"<bench>: iterations=1 runtime: <n>us"`.
pub fn iteration_time(line: &str, bench: &str) -> Option<u64> {
    let rest = line.trim_end().strip_prefix(bench)?;
    let n = rest
        .strip_prefix(": iterations=1 runtime: ")?
        .strip_suffix("us")?;
    n.parse().ok()
}

/// The harness summary line: `"<bench>: iterations=<n> average: <a>us total: <t>us"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Number of outer iterations.
    pub iterations: u64,
    /// Average iteration time in microseconds.
    pub average_us: u64,
    /// Total time in microseconds.
    pub total_us: u64,
}

/// Parses the summary line of `bench`, if `line` is one.
pub fn summary(line: &str, bench: &str) -> Option<Summary> {
    let rest = line
        .trim_end()
        .strip_prefix(bench)?
        .strip_prefix(": iterations=")?;
    let (iterations, rest) = rest.split_once(" average: ")?;
    let (average, rest) = rest.split_once("us total: ")?;
    let total = rest.strip_suffix("us")?;
    Some(Summary {
        iterations: iterations.parse().ok()?,
        average_us: average.parse().ok()?,
        total_us: total.parse().ok()?,
    })
}

/// Everything cairn-perf reads from one harness run's stdout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HarnessOutput {
    /// Per-iteration times in microseconds, in order.
    pub iterations_us: Vec<u64>,
    /// The summary line, when the harness printed it.
    pub summary: Option<Summary>,
}

/// Parses a whole stdout of the harness for benchmark `bench`.
pub fn parse_stdout(text: &str, bench: &str) -> HarnessOutput {
    let mut out = HarnessOutput::default();
    for line in text.lines() {
        if let Some(t) = iteration_time(line, bench) {
            out.iterations_us.push(t);
        } else if let Some(s) = summary(line, bench) {
            out.summary = Some(s);
        }
    }
    out
}

/// Cairn's GC statistics: `key=value` counters from the `cairn-gc-stats:` line.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GcStats(pub BTreeMap<String, u64>);

impl GcStats {
    /// Time spent collecting, in microseconds (`gc-time-us`).
    pub fn gc_time_us(&self) -> Option<u64> {
        self.0.get("gc-time-us").copied()
    }

    /// The VM's own run time in microseconds (`run-time-us`), if it printed one.
    pub fn run_time_us(&self) -> Option<u64> {
        self.0.get("run-time-us").copied()
    }

    /// Share of the run spent in GC, against `run-time-us` or else `wall_us`.
    pub fn share(&self, wall_us: u64) -> Option<f64> {
        let total = self.run_time_us().unwrap_or(wall_us);
        (total > 0).then(|| self.gc_time_us().map(|g| g as f64 / total as f64))?
    }
}

/// The last GC statistics line on `stderr`, if any. Fields that are not `key=<u64>` are
/// skipped; a line without `gc-time-us` counts as absent.
pub fn parse_gc_stats(stderr: &str) -> Option<GcStats> {
    let line = stderr
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix(GC_STATS_PREFIX))?;
    let map: BTreeMap<String, u64> = line
        .split_whitespace()
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    let stats = GcStats(map);
    stats.gc_time_us().map(|_| stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RICHARDS: &str = "Starting Richards benchmark ... \n\
        Richards: iterations=1 runtime: 95426us\n\
        Richards: iterations=1 runtime: 94792us\n\
        Richards: iterations=1 runtime: 86416us\n\
        Richards: iterations=3 average: 92211us total: 276634us\n\
        \n\nTotal Runtime: 276634us\n";

    #[test]
    fn parses_awfy_output() {
        let out = parse_stdout(RICHARDS, "Richards");
        assert_eq!(out.iterations_us, vec![95426, 94792, 86416]);
        assert_eq!(
            out.summary,
            Some(Summary {
                iterations: 3,
                average_us: 92211,
                total_us: 276634
            })
        );
    }

    #[test]
    fn ignores_other_benchmarks_and_malformed_lines() {
        assert_eq!(
            iteration_time("Queens: iterations=1 runtime: 10us", "Richards"),
            None
        );
        assert_eq!(
            iteration_time("Richards: iterations=1 runtime: 10", "Richards"),
            None
        );
        assert_eq!(
            iteration_time("Richards: iterations=1 runtime: -1us", "Richards"),
            None
        );
        assert_eq!(
            iteration_time("Richards: iterations=1 runtime: xus", "Richards"),
            None
        );
        assert_eq!(
            iteration_time("Rich: iterations=1 runtime: 5us", "Richards"),
            None
        );
        // A name that is a prefix of another does not match the longer one.
        assert_eq!(
            iteration_time("ListX: iterations=1 runtime: 5us", "List"),
            None
        );
        assert_eq!(
            iteration_time("List: iterations=1 runtime: 5us\r", "List"),
            Some(5)
        );
    }

    #[test]
    fn parses_gc_stats_and_share() {
        let err = "warning: x\ncairn-gc-stats: scavenges=3 full-gcs=1 gc-time-us=250 run-time-us=1000 bogus=x\n";
        let s = parse_gc_stats(err).unwrap();
        assert_eq!(s.0.get("scavenges"), Some(&3));
        assert_eq!(s.0.get("bogus"), None);
        assert_eq!(s.share(99999), Some(0.25));
        let no_total = parse_gc_stats("cairn-gc-stats: gc-time-us=50").unwrap();
        assert_eq!(no_total.share(200), Some(0.25));
        assert_eq!(no_total.share(0), None);
    }

    #[test]
    fn gc_stats_absent_for_other_vms() {
        assert_eq!(parse_gc_stats("som-rs: some warning\n"), None);
        assert_eq!(parse_gc_stats("cairn-gc-stats: scavenges=1"), None);
    }
}
