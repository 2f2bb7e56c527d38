//! Robust statistics over iteration times: order statistics, the median absolute
//! deviation, the geometric mean, and percentile-bootstrap confidence intervals.
//!
//! The bootstrap uses its own small seeded generator (SplitMix64), so that the same
//! samples always give the same interval: a report and a re-run of `compare` agree.
//!
//! Samples come in groups, one per VM process (invocation). Iterations of one process
//! share its fate (its heap layout, the load of the machine while it ran), so with
//! several groups the bootstrap is hierarchical: it resamples the groups, then the
//! iterations within each chosen group. With one group it resamples iterations only, and
//! the interval then says nothing about the variation between processes.

/// Fixed seed of every bootstrap, so results are reproducible.
pub const BOOTSTRAP_SEED: u64 = 0x00C4_1124_5EED_0001;
/// Number of bootstrap resamples.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;
/// Two-sided confidence level of every interval.
pub const CONFIDENCE: f64 = 0.95;

/// SplitMix64: a tiny, well-mixed generator, good enough for resampling indices.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        // Multiply-shift: unbiased enough for n far below 2^32.
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }
}

/// A point estimate with a confidence interval around it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Estimate {
    /// The statistic on the full sample.
    pub value: f64,
    /// Lower end of the 95% interval.
    pub low: f64,
    /// Upper end of the 95% interval.
    pub high: f64,
}

impl Estimate {
    /// True when the interval lies wholly above `x`.
    pub fn above(&self, x: f64) -> bool {
        self.low > x
    }

    /// True when the interval lies wholly below `x`.
    pub fn below(&self, x: f64) -> bool {
        self.high < x
    }
}

/// The `q`-quantile (0..=1) of already sorted data, linearly interpolated.
/// Returns NaN for empty data.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = pos.ceil() as usize;
            sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
        }
    }
}

/// A sorted copy of `xs`.
pub fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// The median of `xs` (NaN when empty).
pub fn median(xs: &[f64]) -> f64 {
    quantile_sorted(&sorted(xs), 0.5)
}

/// The arithmetic mean of `xs` (NaN when empty).
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// The sample standard deviation (0 for fewer than two values).
pub fn std_dev(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

/// Coefficient of variation: standard deviation over mean.
pub fn cv(xs: &[f64]) -> f64 {
    std_dev(xs) / mean(xs)
}

/// Median absolute deviation from the median, scaled by 1.4826 so that it estimates
/// the standard deviation of normally distributed data.
pub fn mad(xs: &[f64]) -> f64 {
    let m = median(xs);
    let dev: Vec<f64> = xs.iter().map(|x| (x - m).abs()).collect();
    1.4826 * median(&dev)
}

/// The geometric mean of positive values (NaN when empty or any value is not positive).
pub fn geomean(xs: &[f64]) -> f64 {
    if xs.is_empty() || xs.iter().any(|&x| x <= 0.0 || x.is_nan()) {
        return f64::NAN;
    }
    (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp()
}

/// One bootstrap resample of `groups` into `out`: groups drawn with replacement (when
/// there are several), then iterations within each drawn group.
fn resample_into(rng: &mut Rng, groups: &[Vec<f64>], out: &mut Vec<f64>) {
    out.clear();
    for k in 0..groups.len() {
        let g = if groups.len() == 1 {
            &groups[k]
        } else {
            &groups[rng.below(groups.len())]
        };
        out.extend((0..g.len()).map(|_| g[rng.below(g.len())]));
    }
}

/// The samples of one benchmark in two runs (A, B), grouped by invocation.
pub type GroupPair<'a> = (&'a [Vec<f64>], &'a [Vec<f64>]);

/// All samples of `groups`, pooled.
pub fn pooled(groups: &[Vec<f64>]) -> Vec<f64> {
    groups.iter().flatten().copied().collect()
}

/// Percentile interval of bootstrap replicates.
fn percentile_interval(value: f64, mut replicates: Vec<f64>) -> Estimate {
    replicates.retain(|x| x.is_finite());
    replicates.sort_by(f64::total_cmp);
    let tail = (1.0 - CONFIDENCE) / 2.0;
    Estimate {
        value,
        low: quantile_sorted(&replicates, tail),
        high: quantile_sorted(&replicates, 1.0 - tail),
    }
}

/// The median of `xs` with a percentile-bootstrap 95% confidence interval.
pub fn bootstrap_median(xs: &[f64]) -> Estimate {
    bootstrap_median_groups(&[xs.to_vec()])
}

/// The median of the pooled `groups` with a (hierarchical) bootstrap 95% interval.
pub fn bootstrap_median_groups(groups: &[Vec<f64>]) -> Estimate {
    let mut rng = Rng::new(BOOTSTRAP_SEED);
    let mut buf = Vec::new();
    let reps = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| {
            resample_into(&mut rng, groups, &mut buf);
            median(&buf)
        })
        .collect();
    percentile_interval(median(&pooled(groups)), reps)
}

/// How the groups of A and B relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    /// A and B ran at different times: compare their pooled medians.
    Unpaired,
    /// Group k of A and group k of B ran back to back (interleaved runs of one
    /// `cairn-perf run`): compare within each pair, so that load which hit both
    /// members of a pair cancels out.
    Paired,
}

/// One resample (or, with `point`, the plain estimate) of the ratio B/A.
/// Unpaired: median of B over median of A. Paired: geometric mean over the pairs of
/// each pair's median ratio.
fn ratio_once(
    rng: &mut Rng,
    (a, b): GroupPair<'_>,
    design: Design,
    point: bool,
    bufs: &mut (Vec<f64>, Vec<f64>),
) -> f64 {
    let paired = design == Design::Paired && a.len() == b.len() && a.len() > 1;
    if !paired {
        if point {
            return median(&pooled(b)) / median(&pooled(a));
        }
        resample_into(rng, a, &mut bufs.0);
        resample_into(rng, b, &mut bufs.1);
        return median(&bufs.1) / median(&bufs.0);
    }
    let n = a.len();
    let logs: f64 = (0..n)
        .map(|k| {
            if point {
                return (median(&b[k]) / median(&a[k])).ln();
            }
            let j = rng.below(n);
            resample_into(rng, std::slice::from_ref(&a[j]), &mut bufs.0);
            resample_into(rng, std::slice::from_ref(&b[j]), &mut bufs.1);
            (median(&bufs.1) / median(&bufs.0)).ln()
        })
        .sum();
    (logs / n as f64).exp()
}

/// Ratios B/A for several benchmarks, each with a bootstrap interval, and the
/// geometric mean of the ratios with its own interval (every resample draws all
/// benchmarks afresh and takes the geomean of their ratios).
pub fn bootstrap_ratios(pairs: &[GroupPair<'_>], design: Design) -> (Vec<Estimate>, Estimate) {
    let mut rng = Rng::new(BOOTSTRAP_SEED);
    let mut bufs = (Vec::new(), Vec::new());
    let mut per_bench: Vec<Vec<f64>> = vec![Vec::with_capacity(BOOTSTRAP_RESAMPLES); pairs.len()];
    let mut geo = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    let mut ratios = vec![0.0; pairs.len()];
    for _ in 0..BOOTSTRAP_RESAMPLES {
        for (i, &pair) in pairs.iter().enumerate() {
            ratios[i] = ratio_once(&mut rng, pair, design, false, &mut bufs);
            per_bench[i].push(ratios[i]);
        }
        geo.push(geomean(&ratios));
    }
    let values: Vec<f64> = pairs
        .iter()
        .map(|&pair| ratio_once(&mut rng, pair, design, true, &mut bufs))
        .collect();
    let estimates = values
        .iter()
        .zip(per_bench)
        .map(|(&v, reps)| percentile_interval(v, reps))
        .collect();
    (estimates, percentile_interval(geomean(&values), geo))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy(n: usize, centre: f64, spread: f64, seed: u64) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|_| centre + spread * ((rng.next_u64() % 2001) as f64 / 1000.0 - 1.0))
            .collect()
    }

    #[test]
    fn median_and_quantiles_interpolate() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        let s = sorted(&[10.0, 20.0, 30.0, 40.0, 50.0]);
        assert_eq!(quantile_sorted(&s, 0.0), 10.0);
        assert_eq!(quantile_sorted(&s, 1.0), 50.0);
        assert_eq!(quantile_sorted(&s, 0.125), 15.0);
    }

    #[test]
    fn geomean_of_reciprocals_is_one() {
        assert!((geomean(&[2.0, 0.5]) - 1.0).abs() < 1e-12);
        assert!((geomean(&[1.0, 10.0, 100.0]) - 10.0).abs() < 1e-9);
        assert!(geomean(&[]).is_nan());
        assert!(geomean(&[1.0, 0.0]).is_nan());
    }

    #[test]
    fn mad_ignores_a_single_outlier() {
        let xs = [10.0, 11.0, 9.0, 10.0, 10.5, 9.5, 1000.0];
        assert!(mad(&xs) < 2.0, "mad {}", mad(&xs));
        assert!(std_dev(&xs) > 100.0);
    }

    #[test]
    fn bootstrap_interval_contains_the_median_and_shrinks_with_n() {
        let small = noisy(10, 100.0, 10.0, 1);
        let large = noisy(400, 100.0, 10.0, 2);
        let es = bootstrap_median(&small);
        let el = bootstrap_median(&large);
        assert!(es.low <= es.value && es.value <= es.high);
        assert!(el.low <= el.value && el.value <= el.high);
        assert!(el.low > 95.0 && el.high < 105.0, "{el:?}");
        assert!(el.high - el.low < es.high - es.low);
        // Reproducible: the seed is fixed.
        assert_eq!(bootstrap_median(&small), es);
    }

    #[test]
    fn bootstrap_median_of_constant_data_is_a_point() {
        let e = bootstrap_median(&[5.0; 20]);
        assert_eq!((e.value, e.low, e.high), (5.0, 5.0, 5.0));
    }

    #[test]
    fn ratio_intervals_see_a_slowdown_and_not_noise() {
        let a = noisy(50, 100.0, 5.0, 3);
        let same = noisy(50, 100.0, 5.0, 4);
        let slow = noisy(50, 130.0, 5.0, 5);
        let (a, same, slow) = (vec![a], vec![same], vec![slow]);
        let (est, geo) = bootstrap_ratios(&[(&a, &same), (&a, &slow)], Design::Unpaired);
        // Same distribution: the interval stays close to 1 (it may just miss 1 by chance,
        // which is why `compare` has a threshold).
        assert!(est[0].low > 0.95 && est[0].high < 1.05, "{:?}", est[0]);
        assert!(est[0].low < 1.0, "{:?}", est[0]);
        assert!(est[1].above(1.2), "{:?}", est[1]);
        let expected_geo = (est[0].value * est[1].value).sqrt();
        assert!((geo.value - expected_geo).abs() < 1e-12);
        assert!(geo.low < geo.value && geo.value < geo.high);
    }

    #[test]
    fn groups_widen_the_interval_when_processes_differ() {
        // Three processes whose levels differ by 10%: iteration-level resampling of the
        // pooled data gives a narrow interval, the hierarchical one a wide one.
        let groups = vec![
            noisy(20, 100.0, 1.0, 6),
            noisy(20, 110.0, 1.0, 7),
            noisy(20, 120.0, 1.0, 8),
        ];
        let flat = bootstrap_median(&pooled(&groups));
        let hier = bootstrap_median_groups(&groups);
        assert_eq!(flat.value, hier.value);
        assert!(
            hier.high - hier.low > 2.0 * (flat.high - flat.low),
            "{flat:?} {hier:?}"
        );
        assert!(hier.low <= 101.0 && hier.high >= 119.0, "{hier:?}");
    }

    #[test]
    fn pairing_cancels_load_shared_by_a_pair() {
        // Three pairs run under different load (x1, x1.5, x2); B is 10% slower than A
        // within every pair. Unpaired, the load swamps the difference; paired, it cancels.
        let load = [1.0, 1.5, 2.0];
        let a: Vec<Vec<f64>> = (0..3)
            .map(|k| noisy(20, 100.0 * load[k], 1.0, 10 + k as u64))
            .collect();
        let b: Vec<Vec<f64>> = (0..3)
            .map(|k| noisy(20, 110.0 * load[k], 1.0, 20 + k as u64))
            .collect();
        let (unpaired, _) = bootstrap_ratios(&[(&a, &b)], Design::Unpaired);
        let (paired, _) = bootstrap_ratios(&[(&a, &b)], Design::Paired);
        assert!(unpaired[0].low < 1.0, "{:?}", unpaired[0]);
        assert!(
            paired[0].low > 1.07 && paired[0].high < 1.13,
            "{:?}",
            paired[0]
        );
        assert!((paired[0].value - 1.1).abs() < 0.01);
    }

    #[test]
    fn rng_below_stays_in_range_and_covers_it() {
        let mut rng = Rng::new(7);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let i = rng.below(5);
            seen[i] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }
}
