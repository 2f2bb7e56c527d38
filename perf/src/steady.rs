//! Steady-state detection on one series of iteration times.
//!
//! Method (documented in `docs/perf/harness.md`):
//! 1. Reference level: the median `m` of the last half of the series, with a band of
//!    `tol = max(3 * MAD, 2% of m)` around it (MAD scaled to estimate a standard
//!    deviation; the 2% floor keeps a noise-free series from having a zero band).
//! 2. Rolling medians over a window of `w = clamp(n / 10, 3, 10)` iterations. A single
//!    spike (a GC pause, a timer interrupt) does not move a window's median, a trend does.
//! 3. Warm-up ends after the last window whose median lies above the band (slower than
//!    the steady state); the leading iterations of that last window that lie above the
//!    band belong to warm-up too. Iterations faster than the steady state are not
//!    warm-up: a series that gets slower is caught by the drift test below.
//! 4. The remaining iterations are the steady state, unless they are fewer than
//!    `max(3, n / 4)` or still drift: the medians of their two halves differ by more
//!    than 3 standard errors and by more than 2% of `m`. Then the series is reported as
//!    not having reached a steady state, and its last half is used for the figures.
//!
//! Series shorter than 5 iterations are too short to tell: their last half is used and
//! they are reported as not steady.

use crate::stats::{mad, median};

/// Fewest iterations for which a steady state is looked for at all.
pub const MIN_SERIES: usize = 5;
/// Relative floor of the tolerance band and of a significant drift.
pub const REL_FLOOR: f64 = 0.02;

/// Where the steady state of a series starts, and whether it was reached.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Steady {
    /// Index of the first steady iteration (the number of warm-up iterations).
    pub start: usize,
    /// False when the run was too short or still drifting at its end.
    pub reached: bool,
    /// Why no steady state was found, when it was not.
    pub note: Option<String>,
}

/// Finds the steady state of `xs` (iteration times, any unit).
pub fn detect(xs: &[f64]) -> Steady {
    let n = xs.len();
    if n < MIN_SERIES {
        return Steady {
            start: n / 2,
            reached: false,
            note: Some(format!("only {n} iterations: the last half is used")),
        };
    }
    let tail = &xs[n / 2..];
    let m = median(tail);
    let tol = (3.0 * mad(tail)).max(REL_FLOOR * m.abs());
    let out = |x: f64| x - m > tol;
    let w = (n / 10).clamp(3, 10);
    let last_bad = (0..=n - w).rev().find(|&i| out(median(&xs[i..i + w])));
    let start = match last_bad {
        None => 0,
        Some(i) => (i + 1..(i + w).min(n))
            .find(|&j| !out(xs[j]))
            .unwrap_or(i + w),
    };
    let min_len = (n / 4).max(3);
    if n - start < min_len {
        return Steady {
            start: n / 2,
            reached: false,
            note: Some(format!("warm-up lasted {start} of {n} iterations")),
        };
    }
    if let Some(note) = drift(&xs[start..], m) {
        return Steady {
            start: start.max(n / 2),
            reached: false,
            note: Some(note),
        };
    }
    Steady {
        start,
        reached: true,
        note: None,
    }
}

/// Describes a significant drift between the two halves of `seg`, if any.
fn drift(seg: &[f64], m: f64) -> Option<String> {
    let (a, b) = seg.split_at(seg.len() / 2);
    let se = |h: &[f64]| 1.2533 * mad(h) / (h.len() as f64).sqrt();
    let delta = median(b) - median(a);
    let bound = 3.0 * (se(a).powi(2) + se(b).powi(2)).sqrt();
    (delta.abs() > bound && delta.abs() > REL_FLOOR * m.abs()).then(|| {
        format!(
            "still drifting: {:+.1}% between the halves of the steady segment",
            100.0 * delta / median(a)
        )
    })
}

/// Summary of the warm-up phase of a series whose steady state starts at `start`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WarmUp {
    /// Number of warm-up iterations.
    pub iterations: usize,
    /// Total time of the warm-up iterations.
    pub time: f64,
    /// Time spent beyond the steady median during warm-up (the cost of warming up).
    pub excess: f64,
}

/// Warm-up figures for `xs` given its steady-state start and steady median.
pub fn warm_up(xs: &[f64], start: usize, steady_median: f64) -> WarmUp {
    let w = &xs[..start.min(xs.len())];
    WarmUp {
        iterations: w.len(),
        time: w.iter().fold(0.0, |a, x| a + x),
        excess: w.iter().map(|x| (x - steady_median).max(0.0)).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Rng;

    fn jitter(n: usize, centre: f64, rel: f64, seed: u64) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|_| centre * (1.0 + rel * ((rng.next_u64() % 2001) as f64 / 1000.0 - 1.0)))
            .collect()
    }

    fn steady_from_start() -> Steady {
        Steady {
            start: 0,
            reached: true,
            note: None,
        }
    }

    #[test]
    fn flat_series_is_steady_from_the_start() {
        let s = detect(&jitter(30, 1000.0, 0.01, 1));
        assert_eq!(s, steady_from_start());
    }

    #[test]
    fn exponential_warm_up_ends_where_the_curve_meets_the_plateau() {
        // 100 * (1 + 9 * 0.5^i): within 2% of 100 from i = 9 on (9 * 0.5^9 = 1.8%).
        let xs: Vec<f64> = (0..40)
            .map(|i| 100.0 * (1.0 + 9.0 * 0.5f64.powi(i)))
            .collect();
        let s = detect(&xs);
        assert!(s.reached);
        assert_eq!(s.start, 9, "{s:?}"); // 9 * 0.5^8 = 3.5% is outside the band
        let w = warm_up(&xs, s.start, 100.0);
        assert_eq!(w.iterations, 9);
        assert!((w.time - xs[..9].iter().sum::<f64>()).abs() < 1e-9);
        assert!(w.excess > 0.0 && w.excess < w.time);
    }

    #[test]
    fn step_down_is_found_despite_noise() {
        let mut xs = jitter(10, 2000.0, 0.02, 2);
        xs.extend(jitter(40, 1000.0, 0.02, 3));
        let s = detect(&xs);
        assert!(s.reached, "{s:?}");
        assert_eq!(s.start, 10);
    }

    #[test]
    fn single_spikes_in_steady_state_do_not_count_as_warm_up() {
        let mut xs = jitter(40, 1000.0, 0.01, 4);
        xs[5] = 5000.0; // a GC pause
        xs[25] = 4000.0;
        xs[39] = 3000.0; // even as the last iteration
        let s = detect(&xs);
        assert_eq!(s, steady_from_start());
    }

    #[test]
    fn faster_early_iterations_are_not_warm_up() {
        // A machine that got busier half-way: the run slows down, it does not warm up.
        let mut xs = jitter(10, 800.0, 0.01, 5);
        xs.extend(jitter(10, 1000.0, 0.01, 6));
        let s = detect(&xs);
        assert!(!s.reached, "{s:?}");
        assert!(s.note.unwrap().contains("drifting"));
    }

    #[test]
    fn linear_drift_is_not_a_steady_state() {
        let xs: Vec<f64> = (0..40).map(|i| 1000.0 + 25.0 * i as f64).collect();
        let s = detect(&xs);
        assert!(!s.reached, "{s:?}");
        assert!(s.note.unwrap().contains("drifting"));
    }

    #[test]
    fn warm_up_lasting_almost_all_iterations_is_reported() {
        let mut xs: Vec<f64> = (0..18).map(|i| 10000.0 - 400.0 * i as f64).collect();
        xs.extend([1000.0, 1000.0]);
        let s = detect(&xs);
        assert!(!s.reached);
        assert_eq!(s.start, 10); // falls back to the last half
    }

    #[test]
    fn short_series_use_their_last_half() {
        let s = detect(&[300.0, 200.0, 100.0]);
        assert_eq!(s.start, 1);
        assert!(!s.reached);
        assert_eq!(detect(&[]).start, 0);
    }
}
