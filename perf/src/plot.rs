//! One SVG per benchmark: the time of every outer iteration of every VM and invocation,
//! with each VM's warm-up region shaded and its steady-state median (and 95% interval)
//! drawn across the steady iterations.

use crate::results::BenchResult;
use plotters::prelude::*;
use std::path::Path;

const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// Writes the plot of one benchmark (all VMs in `results`) to `path`.
pub fn plot_benchmark(name: &str, results: &[&BenchResult], path: &Path) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("plot {}: {e}", path.display());
    let series: Vec<(usize, &BenchResult)> = results.iter().copied().enumerate().collect();
    let max_iter = series
        .iter()
        .flat_map(|(_, r)| r.invocations.iter().map(|i| i.iterations_us.len()))
        .max()
        .unwrap_or(0)
        .max(2);
    let max_ms = series
        .iter()
        .flat_map(|(_, r)| r.invocations.iter().flat_map(|i| i.iterations_us.iter()))
        .map(|&us| us as f64 / 1000.0)
        .fold(0.0, f64::max)
        .max(1e-3);

    let root = SVGBackend::new(path, (900, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{name}: time per outer iteration"),
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.5f64..max_iter as f64 + 0.5, 0.0f64..max_ms * 1.08)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("outer iteration")
        .x_label_formatter(&|x| format!("{}", x.round() as i64))
        .y_desc("ms")
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| err(&e))?;

    for (k, r) in &series {
        let colour = COLOURS[k % COLOURS.len()];
        let first_ok = r.invocations.iter().find(|i| i.error.is_none());
        // Warm-up region of the first successful invocation.
        if let Some(inv) = first_ok.filter(|i| i.steady.reached && i.steady.start > 0) {
            let end = inv.steady.start as f64 + 0.5;
            chart
                .draw_series([Rectangle::new(
                    [(0.5, 0.0), (end, max_ms * 1.08)],
                    colour.mix(0.10).filled(),
                )])
                .map_err(|e| err(&e))?;
        }
        for (n, inv) in r.invocations.iter().enumerate() {
            let pts: Vec<(f64, f64)> = inv
                .iterations_us
                .iter()
                .enumerate()
                .map(|(i, &us)| (i as f64 + 1.0, us as f64 / 1000.0))
                .collect();
            let line = chart
                .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))
                .map_err(|e| err(&e))?;
            if n == 0 {
                let label = match (&r.summary, first_ok) {
                    (Some(s), Some(i)) => format!(
                        "{}: warm-up {} it., steady {:.2} ms{}",
                        r.vm,
                        i.steady.start,
                        s.steady_median_us.value / 1000.0,
                        if s.steady_reached {
                            ""
                        } else {
                            " (no steady state)"
                        }
                    ),
                    _ => format!("{}: failed", r.vm),
                };
                line.label(label).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3))
                });
            }
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                .map_err(|e| err(&e))?;
        }
        if let (Some(s), Some(inv)) = (&r.summary, first_ok) {
            let x0 = inv.steady.start as f64 + 0.5;
            let x1 = inv.iterations_us.len() as f64 + 0.5;
            let (lo, mid, hi) = (
                s.steady_median_us.low / 1000.0,
                s.steady_median_us.value / 1000.0,
                s.steady_median_us.high / 1000.0,
            );
            chart
                .draw_series([Rectangle::new(
                    [(x0, lo), (x1, hi)],
                    colour.mix(0.25).filled(),
                )])
                .map_err(|e| err(&e))?;
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0, mid), (x1, mid)],
                    8,
                    5,
                    colour.stroke_width(1),
                ))
                .map_err(|e| err(&e))?;
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
