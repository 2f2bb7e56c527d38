//! The `cairn-perf` command: argument parsing and output files; the work is in the library.

use cairn_perf::compare::{compare, only_vm, table};
use cairn_perf::results::RunResults;
use cairn_perf::run::{run, RunOptions};
use cairn_perf::stats::Design;
use cairn_perf::suite::Suite;
use cairn_perf::vm::{default_vm, VmSpec};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "cairn-perf",
    version,
    about = "Warm-up and regression benchmarking for Cairn and other SOM VMs"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a suite on one or more VMs; write results.json, table.txt, plots and logs.
    Run {
        /// Suite directory (class path root, with suite.conf).
        #[arg(default_value = "perf/suite")]
        suite_dir: PathBuf,
        /// Benchmark list to use instead of SUITE_DIR/suite.conf.
        #[arg(long)]
        config: Option<PathBuf>,
        /// A VM as `LABEL=COMMAND` (repeatable); default: this workspace's `cairn run`.
        #[arg(long = "vm", value_name = "LABEL=COMMAND")]
        vms: Vec<String>,
        /// Output directory (default: perf/results/run-<unix time>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override every benchmark's outer iteration count.
        #[arg(long)]
        outer: Option<u32>,
        /// Override every benchmark's inner iteration count.
        #[arg(long)]
        inner: Option<u32>,
        /// Process runs per benchmark and VM.
        #[arg(long, default_value_t = 1)]
        invocations: u32,
        /// Only these benchmarks (comma-separated).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Kill a VM process after this many seconds.
        #[arg(long)]
        timeout: Option<u64>,
    },
    /// Compare two results files (or two VMs of one run); exit 1 when a benchmark got
    /// slower beyond the threshold.
    Compare {
        /// Baseline results.json.
        a: PathBuf,
        /// New results.json (default: the same file as A, with --vm-a and --vm-b).
        b: Option<PathBuf>,
        /// Take the baseline from this VM's results.
        #[arg(long)]
        vm_a: Option<String>,
        /// Take the new side from this VM's results.
        #[arg(long)]
        vm_b: Option<String>,
        /// Slowdown (percent) that counts as a regression when the whole 95% interval exceeds it.
        #[arg(long, default_value_t = 5.0)]
        threshold: f64,
    },
    /// Re-analyse a results file (steady states, summaries) and rewrite its table and plots.
    Report {
        /// The results.json of an earlier run; its directory receives table.txt and plots/.
        results: PathBuf,
    },
    /// Check iai-callgrind instruction counts against a committed baseline; exit 1 when
    /// one rose by more than the tolerance.
    IaiCheck {
        /// The baseline file.
        #[arg(default_value = "benches/iai-baseline.txt")]
        baseline: PathBuf,
        /// The runner's output (`cargo bench -p cairn-benches --bench iai_vm`); default
        /// stdin. Repeatable: each benchmark's smallest count over the files is used.
        #[arg(long)]
        output: Vec<PathBuf>,
        /// Allowed rise, percent.
        #[arg(long, default_value_t = 2.0)]
        tolerance: f64,
        /// Write the measured counts as the new baseline instead of checking.
        #[arg(long)]
        update: bool,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Cmd::Run {
            suite_dir,
            config,
            vms,
            out,
            outer,
            inner,
            invocations,
            only,
            timeout,
        } => cmd_run(
            &suite_dir,
            config.as_deref(),
            &vms,
            out,
            outer,
            inner,
            invocations,
            &only,
            timeout,
        ),
        Cmd::Compare {
            a,
            b,
            vm_a,
            vm_b,
            threshold,
        } => cmd_compare(&a, b.as_deref(), vm_a, vm_b, threshold),
        Cmd::Report { results } => cmd_report(&results),
        Cmd::IaiCheck {
            baseline,
            output,
            tolerance,
            update,
        } => cmd_iai(&baseline, &output, tolerance, update),
    };
    result.unwrap_or_else(|e| {
        eprintln!("cairn-perf: {e}");
        ExitCode::from(2)
    })
}

#[allow(clippy::too_many_arguments)]
fn cmd_run(
    suite_dir: &Path,
    config: Option<&Path>,
    vm_specs: &[String],
    out: Option<PathBuf>,
    outer: Option<u32>,
    inner: Option<u32>,
    invocations: u32,
    only: &[String],
    timeout: Option<u64>,
) -> Result<ExitCode, String> {
    let mut suite = Suite::load(suite_dir, config)?;
    if !only.is_empty() {
        if let Some(missing) = only
            .iter()
            .find(|o| !suite.benchmarks.iter().any(|b| &b.name == *o))
        {
            return Err(format!(
                "--only {missing}: not in the suite's benchmark list"
            ));
        }
        suite.benchmarks.retain(|b| only.contains(&b.name));
    }
    for b in &mut suite.benchmarks {
        b.outer = outer.unwrap_or(b.outer).max(1);
        b.inner = inner.unwrap_or(b.inner).max(1);
    }
    let vms = if vm_specs.is_empty() {
        let vm = default_vm();
        if !Path::new(&vm.words[0]).is_file() {
            return Err(format!(
                "no Cairn binary at {}: build it with `cargo build --release -p cairn`, or name a VM with --vm",
                vm.words[0]
            ));
        }
        vec![vm]
    } else {
        let start_dir = std::env::current_dir()
            .map_err(|e| format!("the current directory is unreadable: {e}"))?;
        vm_specs
            .iter()
            .map(|s| {
                let mut vm = VmSpec::parse(s)?;
                vm.resolve_program(&start_dir);
                Ok(vm)
            })
            .collect::<Result<Vec<_>, String>>()?
    };
    if let Some(dup) = vms
        .iter()
        .enumerate()
        .find(|(i, v)| vms[..*i].iter().any(|w| w.label == v.label))
    {
        return Err(format!(
            "two VMs are labelled `{}`: give each --vm a distinct LABEL=",
            dup.1.label
        ));
    }
    let out_dir = out.unwrap_or_else(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        PathBuf::from(format!("perf/results/run-{t}"))
    });
    let opts = RunOptions {
        suite,
        vms,
        out_dir: out_dir.clone(),
        invocations: invocations.max(1),
        timeout: timeout.map(Duration::from_secs),
    };
    let results = run(&opts)?;
    write_outputs(&results, &out_dir)?;
    let failed = results
        .results
        .iter()
        .filter(|r| r.invocations.iter().any(|i| i.error.is_some()))
        .count();
    if failed > 0 {
        eprintln!(
            "cairn-perf: {failed} benchmark(s) failed; see {}",
            out_dir.join("logs").display()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes results.json, table.txt and plots/ into `out_dir` and prints the table.
fn write_outputs(results: &RunResults, out_dir: &Path) -> Result<(), String> {
    let json = serde_json::to_string_pretty(results).map_err(|e| e.to_string())?;
    let json_path = out_dir.join("results.json");
    std::fs::write(&json_path, json).map_err(|e| format!("{}: {e}", json_path.display()))?;
    let plots = out_dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|e| format!("{}: {e}", plots.display()))?;
    let mut names: Vec<&str> = Vec::new();
    for r in &results.results {
        if !names.contains(&r.benchmark.as_str()) {
            names.push(&r.benchmark);
        }
    }
    for name in names {
        let rs: Vec<_> = results
            .results
            .iter()
            .filter(|r| r.benchmark == name)
            .collect();
        cairn_perf::plot::plot_benchmark(name, &rs, &plots.join(format!("{name}.svg")))?;
    }
    let table = cairn_perf::report::run_table(results);
    std::fs::write(out_dir.join("table.txt"), &table).map_err(|e| e.to_string())?;
    print!("{table}");
    println!(
        "results: {}  plots: {}",
        json_path.display(),
        plots.display()
    );
    Ok(())
}

fn cmd_report(path: &Path) -> Result<ExitCode, String> {
    let mut results = RunResults::load(path)?;
    for r in &mut results.results {
        for inv in &mut r.invocations {
            let series: Vec<f64> = inv.iterations_us.iter().map(|&x| x as f64).collect();
            inv.steady = cairn_perf::steady::detect(&series);
        }
        r.summary = cairn_perf::results::summarise(&r.invocations);
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    write_outputs(&results, dir)?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_compare(
    a: &Path,
    b: Option<&Path>,
    vm_a: Option<String>,
    vm_b: Option<String>,
    threshold_pct: f64,
) -> Result<ExitCode, String> {
    let ra = RunResults::load(a)?;
    let rb = match b {
        Some(b) => RunResults::load(b)?,
        None if vm_a.is_none() || vm_b.is_none() => {
            return Err("compare with one file needs --vm-a and --vm-b".into());
        }
        None => ra.clone(),
    };
    let pick = |r: RunResults, vm: &Option<String>| match vm {
        Some(label) => only_vm(&r, label),
        None => Ok(r),
    };
    let (ra, rb) = (pick(ra, &vm_a)?, pick(rb, &vm_b)?);
    let t = threshold_pct / 100.0;
    // Two VMs of one run ran interleaved: invocation k of each is a pair.
    let design = if b.is_none() {
        Design::Paired
    } else {
        Design::Unpaired
    };
    let c = compare(&ra, &rb, t, design)?;
    if design == Design::Paired {
        println!(
            "(paired: the VMs ran interleaved, so B/A is the geomean of the per-invocation ratios;\n A ms and B ms are medians over all invocations)"
        );
    }
    print!("{}", table(&c, t));
    Ok(if c.has_regression() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn cmd_iai(
    baseline: &Path,
    outputs: &[PathBuf],
    tolerance_pct: f64,
    update: bool,
) -> Result<ExitCode, String> {
    use cairn_perf::iai;
    use std::io::Read;
    let mut texts = Vec::new();
    for p in outputs {
        texts.push(std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    if outputs.is_empty() {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("stdin: {e}"))?;
        texts.push(s);
    }
    let runs: Vec<iai::Counts> = texts.iter().map(|t| iai::parse_runner_output(t)).collect();
    let measured = iai::min_counts(&runs);
    if measured.is_empty() {
        return Err("no `Instructions:` counts in the runner output".into());
    }
    if update {
        std::fs::write(baseline, iai::render_baseline(&measured))
            .map_err(|e| format!("{}: {e}", baseline.display()))?;
        println!("wrote {} counts to {}", measured.len(), baseline.display());
        return Ok(ExitCode::SUCCESS);
    }
    let base_text =
        std::fs::read_to_string(baseline).map_err(|e| format!("{}: {e}", baseline.display()))?;
    let base =
        iai::parse_baseline(&base_text).map_err(|e| format!("{}: {e}", baseline.display()))?;
    let t = tolerance_pct / 100.0;
    let checks = iai::check(&base, &measured, t);
    print!("{}", iai::table(&checks, t));
    Ok(if checks.iter().any(|c| c.regression) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
