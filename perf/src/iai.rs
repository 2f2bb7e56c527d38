//! `cairn-perf iai-check`: compares the instruction counts printed by the iai-callgrind
//! benches (`cargo bench -p cairn-benches --bench iai_vm`) with a committed baseline and
//! fails when one rose by more than a tolerance.
//!
//! The runner prints, per benchmark, a header line (`iai_vm::programs::eval send_mono:...`)
//! followed by indented metric lines, among them `Instructions: <new>|<old> (<change>)`.
//! The baseline is a text file of `<benchmark id> <instructions>` lines (`#` comments).

use std::collections::BTreeMap;

/// Instruction counts by benchmark id, in id order.
pub type Counts = BTreeMap<String, u64>;

/// Removes ANSI colour escapes (`ESC [ ... m`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses the runner's output: each `Instructions:` line belongs to the last header
/// line (a line that starts without indentation and contains `::`). The header's first
/// two words form the id (`module::path::function bench_id:setup(args)`).
pub fn parse_runner_output(text: &str) -> Counts {
    let mut counts = Counts::new();
    let mut current: Option<String> = None;
    for raw in text.lines() {
        let line = strip_ansi(raw);
        if !line.starts_with(' ') && line.contains("::") {
            let mut words = line.split_whitespace();
            let id: Vec<&str> = words.by_ref().take(2).collect();
            current = Some(id.join(" "));
        } else if let Some(rest) = line.trim_start().strip_prefix("Instructions:") {
            let new = rest.trim_start().split(['|', ' ']).next().unwrap_or("");
            if let (Some(id), Ok(n)) = (current.as_ref(), new.parse::<u64>()) {
                counts.insert(id.clone(), n);
            }
        }
    }
    counts
}

/// Each benchmark's smallest count over several runs. Counts of one binary vary between
/// processes only through effects that add work (hash-table probe lengths under
/// per-process random hash seeds, for one), so the minimum is the steadier figure.
pub fn min_counts(runs: &[Counts]) -> Counts {
    let mut out = Counts::new();
    for run in runs {
        for (id, &n) in run {
            out.entry(id.clone())
                .and_modify(|m: &mut u64| *m = (*m).min(n))
                .or_insert(n);
        }
    }
    out
}

/// Parses a baseline file.
pub fn parse_baseline(text: &str) -> Result<Counts, String> {
    let mut counts = Counts::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (id, n) = line
            .rsplit_once(' ')
            .ok_or_else(|| format!("line {}: expected `id count`", i + 1))?;
        let n = n
            .parse()
            .map_err(|_| format!("line {}: `{n}` is not a count", i + 1))?;
        counts.insert(id.trim().to_string(), n);
    }
    Ok(counts)
}

/// Renders counts as a baseline file.
pub fn render_baseline(counts: &Counts) -> String {
    let mut out = String::from(
        "# Instruction counts of the iai-callgrind benches (benches/benches/iai_*.rs).\n\
         # Written by `cairn-perf iai-check --update`; checked by `cairn-perf iai-check`.\n",
    );
    for (id, n) in counts {
        out.push_str(&format!("{id} {n}\n"));
    }
    out
}

/// One benchmark's check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Benchmark id.
    pub id: String,
    /// Baseline count, if the baseline has one.
    pub baseline: Option<u64>,
    /// Measured count, if the run has one.
    pub measured: Option<u64>,
    /// True when the count rose beyond the tolerance.
    pub regression: bool,
}

/// Compares measured counts with the baseline; `tolerance` is a fraction (0.02 = 2%).
pub fn check(baseline: &Counts, measured: &Counts, tolerance: f64) -> Vec<Check> {
    let mut ids: Vec<&String> = baseline.keys().chain(measured.keys()).collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let (b, m) = (baseline.get(id).copied(), measured.get(id).copied());
            let regression =
                matches!((b, m), (Some(b), Some(m)) if m as f64 > b as f64 * (1.0 + tolerance));
            Check {
                id: id.clone(),
                baseline: b,
                measured: m,
                regression,
            }
        })
        .collect()
}

/// The checks as a table; the caller decides the exit status from `regression`.
pub fn table(checks: &[Check], tolerance: f64) -> String {
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            let change = match (c.baseline, c.measured) {
                (Some(b), Some(m)) => format!("{:+.2}%", 100.0 * (m as f64 - b as f64) / b as f64),
                (None, Some(_)) => "new (not in baseline)".into(),
                (Some(_), None) => "not measured".into(),
                (None, None) => String::new(),
            };
            let show = |n: Option<u64>| n.map_or("-".into(), |n| n.to_string());
            vec![
                c.id.clone(),
                show(c.baseline),
                show(c.measured),
                change,
                if c.regression {
                    "REGRESSION".into()
                } else {
                    "ok".into()
                },
            ]
        })
        .collect();
    let mut out = crate::report::render(
        &[
            "benchmark",
            "baseline Ir",
            "measured Ir",
            "change",
            "verdict",
        ],
        &rows,
    );
    let bad = checks.iter().filter(|c| c.regression).count();
    out.push_str(&format!(
        "tolerance {:.1}%: {bad} regression(s)\n",
        tolerance * 100.0
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
iai_vm::programs::eval send_mono:program(0)
  Instructions:                      1000|N/A                  (*********)
  L1 Hits:                           1200|N/A                  (*********)
\u{1b}[32miai_vm::programs::eval\u{1b}[0m \u{1b}[36mfib:program(6)\u{1b}[0m
  Instructions:              \u{1b}[1m5000\u{1b}[0m|4900                 (+2.04082%) [+1.02041x]
iai_vm::front::parse kernel:kernel_sources()
  Instructions:                    777777|N/A                  (*********)

Iai-Callgrind result: Ok. 3 without regressions; 0 regressed; 3 benchmarks finished in 1.2s
";

    #[test]
    fn parses_runner_output_with_and_without_colour() {
        let c = parse_runner_output(OUTPUT);
        assert_eq!(c.len(), 3);
        assert_eq!(c["iai_vm::programs::eval send_mono:program(0)"], 1000);
        assert_eq!(c["iai_vm::programs::eval fib:program(6)"], 5000);
        assert_eq!(c["iai_vm::front::parse kernel:kernel_sources()"], 777777);
    }

    #[test]
    fn minimum_over_runs() {
        let a: Counts = [("x".to_string(), 10), ("y".to_string(), 5)].into();
        let b: Counts = [("x".to_string(), 8), ("z".to_string(), 1)].into();
        let m = min_counts(&[a, b]);
        let want: Counts = [
            ("x".to_string(), 8),
            ("y".to_string(), 5),
            ("z".to_string(), 1),
        ]
        .into();
        assert_eq!(m, want);
    }

    #[test]
    fn baseline_round_trips() {
        let c = parse_runner_output(OUTPUT);
        assert_eq!(parse_baseline(&render_baseline(&c)).unwrap(), c);
        assert!(parse_baseline("x y\n").is_err());
        assert!(parse_baseline("lonely\n").is_err());
    }

    #[test]
    fn a_rise_beyond_tolerance_is_a_regression() {
        let base: Counts = [
            ("a".to_string(), 1000),
            ("b".to_string(), 1000),
            ("gone".to_string(), 5),
        ]
        .into();
        let now: Counts = [
            ("a".to_string(), 1019),
            ("b".to_string(), 1021),
            ("new".to_string(), 9),
        ]
        .into();
        let checks = check(&base, &now, 0.02);
        let by_id = |id: &str| checks.iter().find(|c| c.id == id).unwrap().clone();
        assert!(!by_id("a").regression);
        assert!(by_id("b").regression);
        assert!(!by_id("gone").regression && by_id("gone").measured.is_none());
        assert!(!by_id("new").regression && by_id("new").baseline.is_none());
        let t = table(&checks, 0.02);
        assert!(t.contains("+2.10%") && t.contains("1 regression(s)"));
        // Fewer instructions is never a regression.
        let faster: Counts = [("a".to_string(), 500)].into();
        assert!(check(&base, &faster, 0.0).iter().all(|c| !c.regression));
    }
}
