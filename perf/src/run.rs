//! `cairn-perf run`: runs every benchmark of a suite on every VM, interleaved (for each
//! invocation, for each benchmark, each VM in turn) so that drift of the machine hits
//! all VMs alike; then summarises, writes `results.json`, `table.txt`, the raw logs and
//! one plot per benchmark into the output directory.

use crate::child::{self, Finished};
use crate::output::{parse_gc_stats, parse_stdout};
use crate::results::{summarise, BenchResult, Invocation, RunResults, VmInfo, SCHEMA};
use crate::steady::detect;
use crate::suite::{BenchSpec, Suite};
use crate::vm::VmSpec;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Everything `run` needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The loaded suite.
    pub suite: Suite,
    /// VMs in interleaving order.
    pub vms: Vec<VmSpec>,
    /// Output directory.
    pub out_dir: PathBuf,
    /// Process runs per (benchmark, VM).
    pub invocations: u32,
    /// Kill a VM process after this long.
    pub timeout: Option<Duration>,
}

/// Environment given to every VM process: Cairn prints its GC statistics at exit.
const VM_ENV: [(&str, &str); 1] = [("CAIRN_GC_STATS", "1")];

/// Runs the suite and writes the outputs. Returns the results (also for failed
/// benchmarks, whose summary is `None`).
pub fn run(opts: &RunOptions) -> Result<RunResults, String> {
    let logs = opts.out_dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let suite = &opts.suite;
    let mut results: Vec<BenchResult> = suite
        .benchmarks
        .iter()
        .flat_map(|b| {
            opts.vms.iter().map(move |vm| BenchResult {
                vm: vm.label.clone(),
                benchmark: b.name.clone(),
                outer: b.outer,
                inner: b.inner,
                invocations: Vec::new(),
                summary: None,
            })
        })
        .collect();
    let total = results.len() * opts.invocations as usize;
    let mut done = 0;
    for inv in 0..opts.invocations {
        for (bi, bench) in suite.benchmarks.iter().enumerate() {
            for (vi, vm) in opts.vms.iter().enumerate() {
                done += 1;
                eprintln!(
                    "[{done}/{total}] {} on {} ({}x{}, invocation {}/{})",
                    bench.name,
                    vm.label,
                    bench.outer,
                    bench.inner,
                    inv + 1,
                    opts.invocations
                );
                let log = logs.join(format!("{}.{}.{}", bench.name, vm.label, inv + 1));
                let invocation = run_one(opts, vm, bench, &log);
                if let Some(e) = &invocation.error {
                    eprintln!("    FAILED: {e}");
                }
                results[bi * opts.vms.len() + vi]
                    .invocations
                    .push(invocation);
            }
        }
    }
    for r in &mut results {
        r.summary = summarise(&r.invocations);
    }
    let started_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok(RunResults {
        schema: SCHEMA.into(),
        started_unix,
        host: host(),
        suite: suite.dir.display().to_string(),
        vms: opts
            .vms
            .iter()
            .map(|v| VmInfo {
                label: v.label.clone(),
                command: v.display(),
            })
            .collect(),
        results,
    })
}

/// Runs one process and turns what it printed into an [`Invocation`].
fn run_one(opts: &RunOptions, vm: &VmSpec, bench: &BenchSpec, log: &std::path::Path) -> Invocation {
    let argv = vm.command(&opts.suite, bench);
    let tty = std::io::stderr().is_terminal();
    let mut seen = 0;
    let progress = |line: &str| {
        if let Some(t) = crate::output::iteration_time(line, &bench.name) {
            seen += 1;
            let msg = format!(
                "    iteration {seen}/{}: {:.2} ms",
                bench.outer,
                t as f64 / 1000.0
            );
            if tty {
                eprint!("\r{msg}   ");
                let _ = std::io::stderr().flush();
            } else if seen == bench.outer as usize || seen % 10 == 0 {
                eprintln!("{msg}");
            }
        }
    };
    let finished = child::run(&argv, &opts.suite.dir, &VM_ENV, opts.timeout, progress);
    if tty {
        eprintln!();
    }
    match finished {
        Ok(f) => {
            let _ = std::fs::write(log.with_extension(ext(log, "stdout")), &f.stdout);
            let _ = std::fs::write(log.with_extension(ext(log, "stderr")), &f.stderr);
            invocation(f, bench)
        }
        Err(e) => Invocation {
            iterations_us: Vec::new(),
            steady: detect(&[]),
            error: Some(e),
            peak_rss_kib: 0,
            wall_us: 0,
            gc: None,
        },
    }
}

/// `log` has a dotted stem (`Bench.vm.1`): keep it whole and add `.stdout`.
fn ext(log: &std::path::Path, kind: &str) -> String {
    let last = log
        .extension()
        .map_or(String::new(), |e| e.to_string_lossy().into_owned());
    format!("{last}.{kind}")
}

fn invocation(f: Finished, bench: &BenchSpec) -> Invocation {
    let out = parse_stdout(&f.stdout, &bench.name);
    let series: Vec<f64> = out.iterations_us.iter().map(|&x| x as f64).collect();
    let error = if f.timed_out {
        Some(format!("timed out after {} iterations", series.len()))
    } else if !f.success() {
        let how = f.exit_code.map_or_else(
            || format!("signal {}", f.signal.unwrap_or(0)),
            |c| format!("exit code {c}"),
        );
        Some(format!("{how}; {}", tail(&f.stderr, &f.stdout)))
    } else if series.len() != bench.outer as usize {
        Some(format!(
            "printed {} of {} iterations; {}",
            series.len(),
            bench.outer,
            tail(&f.stderr, &f.stdout)
        ))
    } else {
        None
    };
    Invocation {
        steady: detect(&series),
        iterations_us: out.iterations_us,
        error,
        peak_rss_kib: f.peak_rss_kib,
        wall_us: f.wall_us,
        gc: parse_gc_stats(&f.stderr),
    }
}

/// The VM's error message: the first stderr line that mentions an error or a panic,
/// else the last non-empty line of stderr, else of stdout.
fn tail(stderr: &str, stdout: &str) -> String {
    const WORDS: [&str; 5] = ["error", "Error", "ERROR", "panicked", "xception"];
    let flagged = |s: &str| {
        s.lines()
            .map(str::trim)
            .find(|l| WORDS.iter().any(|w| l.contains(w)))
            .map(str::to_string)
    };
    let last = |s: &str| {
        s.lines()
            .map(str::trim)
            .rev()
            .find(|l| !l.is_empty())
            .map(str::to_string)
    };
    let l = flagged(stderr)
        .or_else(|| last(stderr))
        .or_else(|| last(stdout))
        .unwrap_or_else(|| "no output".into());
    l.chars().take(200).collect()
}

fn host() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{} ({cores} cores)", name.trim())
}

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn error_line_is_the_panic_not_the_backtrace_note() {
        let err = "\nthread 'main' panicked at src/gc.rs:212:13:\nGC timed out\nstack backtrace:\n   0: f\nnote: Some details are omitted\n";
        assert_eq!(tail(err, ""), "thread 'main' panicked at src/gc.rs:212:13:");
        assert_eq!(tail("warning: slow\nlast words\n", ""), "last words");
        assert_eq!(
            tail("", "Richards: iterations=1 runtime: 5us\n"),
            "Richards: iterations=1 runtime: 5us"
        );
        assert_eq!(tail("", ""), "no output");
    }
}
