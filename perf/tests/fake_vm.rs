//! End-to-end tests of the `cairn-perf` command against `fake_vm.sh`, a shell script that
//! speaks the harness protocol, so that no real VM is needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn perf() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cairn-perf"))
}

fn fake_vm(label: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake_vm.sh");
    format!("{label}=/bin/sh {}", script.display())
}

/// A fresh directory under the system temp dir, holding a two-benchmark suite.
fn suite(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cairn-perf-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("suite/Alpha")).unwrap();
    std::fs::write(dir.join("suite/Alpha/AlphaData.som"), "AlphaData = ()\n").unwrap();
    std::fs::write(
        dir.join("suite/suite.conf"),
        "# test suite\nAlpha 20 1\nBeta 16 3\n",
    )
    .unwrap();
    dir
}

fn run(dir: &Path, out: &str, vms: &[String], env: &[(&str, &str)]) -> Output {
    let mut cmd = perf();
    cmd.arg("run")
        .arg(dir.join("suite"))
        .arg("--out")
        .arg(dir.join(out));
    for vm in vms {
        cmd.arg("--vm").arg(vm);
    }
    cmd.envs(env.iter().copied()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(path: PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn run_writes_table_json_and_plots() {
    let dir = suite("run");
    let o = run(&dir, "out", &[fake_vm("fake")], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("Alpha") && stdout.contains("Beta") && stdout.contains("fake"),
        "{stdout}"
    );
    assert!(
        text(&o.stderr).contains("[2/2] Beta on fake"),
        "progress on stderr"
    );

    let r = json(dir.join("out/results.json"));
    assert_eq!(r["schema"], "cairn-perf/1");
    let alpha = &r["results"][0];
    assert_eq!(alpha["benchmark"], "Alpha");
    let inv = &alpha["invocations"][0];
    assert_eq!(inv["iterations_us"].as_array().unwrap().len(), 20);
    // 1000 * (1 + 4 * 0.5^i) is within 2% of 1000 from i = 8 on.
    let start = inv["steady"]["start"].as_u64().unwrap();
    assert!((6..=9).contains(&start), "warm-up of {start} iterations");
    assert_eq!(inv["steady"]["reached"], true);
    let median = alpha["summary"]["steady_median_us"]["value"]
        .as_f64()
        .unwrap();
    assert!((median - 1000.0).abs() < 15.0, "median {median}");
    let share = alpha["summary"]["gc_share"].as_f64().unwrap();
    assert!((share - 0.1).abs() < 0.01, "gc share {share}");
    assert!(alpha["summary"]["peak_rss_kib"].as_u64().unwrap() > 0);
    assert_eq!(r["results"][1]["inner"], 3);

    for b in ["Alpha", "Beta"] {
        let svg = std::fs::read_to_string(dir.join(format!("out/plots/{b}.svg"))).unwrap();
        assert!(
            svg.contains("<svg") && svg.contains("<polyline"),
            "{b}.svg has a line"
        );
        assert!(
            svg.contains("warm-up"),
            "{b}.svg names the warm-up in its legend"
        );
    }
    assert!(dir.join("out/logs/Alpha.fake.1.stdout").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn compare_same_build_passes_and_slowed_build_fails() {
    let dir = suite("compare");
    let vm = [fake_vm("fake")];
    assert!(run(&dir, "a", &vm, &[("FAKE_SEED", "1")]).status.success());
    assert!(run(&dir, "b", &vm, &[("FAKE_SEED", "2")]).status.success());
    assert!(run(
        &dir,
        "slow",
        &vm,
        &[("FAKE_SLOW_BENCH", "Beta"), ("FAKE_SLOW_PCT", "20")]
    )
    .status
    .success());
    let cmp = |x: &str, y: &str, extra: &[&str]| {
        perf()
            .arg("compare")
            .arg(dir.join(x).join("results.json"))
            .arg(dir.join(y).join("results.json"))
            .args(extra)
            .output()
            .unwrap()
    };

    let same = cmp("a", "b", &[]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stdout));
    assert!(text(&same.stdout).contains("no regression"));

    let slow = cmp("a", "slow", &[]);
    assert_eq!(slow.status.code(), Some(1), "{}", text(&slow.stdout));
    let out = text(&slow.stdout);
    let beta = out.lines().find(|l| l.starts_with("Beta")).unwrap();
    assert!(beta.contains("SLOWER") && beta.contains("1.2"), "{beta}");
    assert!(out
        .lines()
        .find(|l| l.starts_with("Alpha"))
        .unwrap()
        .contains("same"));

    // The same slowdown is tolerated under a 30% threshold.
    assert_eq!(
        cmp("a", "slow", &["--threshold", "30"]).status.code(),
        Some(0)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn vms_are_interleaved_and_failures_reported() {
    let dir = suite("vms");
    let log = dir.join("order.log");
    let vms = [fake_vm("one"), fake_vm("two")];
    let o = run(
        &dir,
        "out",
        &vms,
        &[("FAKE_LOG", log.to_str().unwrap()), ("FAKE_FAIL", "Beta")],
    );
    assert_eq!(o.status.code(), Some(1), "a failed benchmark fails the run");
    let order: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.split(' ').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(
        order,
        ["Alpha", "Alpha", "Beta", "Beta"],
        "each benchmark runs on every VM before the next"
    );
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains(
            "FAILED Beta on one (invocation 1): exit code 1; error: simulated crash in Beta"
        ),
        "{stdout}"
    );
    let r = json(dir.join("out/results.json"));
    assert_eq!(r["vms"].as_array().unwrap().len(), 2);
    assert!(r["results"][2]["summary"].is_null());
    assert!(r["results"][0]["summary"]["steady_median_us"]["value"]
        .as_f64()
        .is_some());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_are_errors_not_panics() {
    let dir = suite("bad");
    let o = perf()
        .arg("run")
        .arg(dir.join("nonexistent"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("suite directory"));
    let o = perf()
        .arg("run")
        .arg(dir.join("suite"))
        .args(["--only", "Gamma"])
        .output()
        .unwrap();
    assert!(text(&o.stderr).contains("--only Gamma"));
    let o = perf()
        .args(["compare", "/nonexistent/a.json", "/nonexistent/b.json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn iai_check_passes_on_baseline_and_fails_on_a_rise() {
    let dir = suite("iai");
    let out = |n: u64| {
        format!("iai_vm::programs::eval fib:program(6)\n  Instructions:  {n}|N/A  (*********)\n")
    };
    std::fs::write(dir.join("run1.txt"), out(100_000)).unwrap();
    std::fs::write(dir.join("run2.txt"), out(101_000)).unwrap();
    std::fs::write(dir.join("run3.txt"), out(103_000)).unwrap();
    let base = dir.join("baseline.txt");
    let iai = |run: &str, extra: &[&str]| {
        perf()
            .arg("iai-check")
            .arg(&base)
            .arg("--output")
            .arg(dir.join(run))
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(iai("run1.txt", &["--update"]).status.success());
    assert!(std::fs::read_to_string(&base)
        .unwrap()
        .contains("iai_vm::programs::eval fib:program(6) 100000"));
    assert_eq!(
        iai("run2.txt", &[]).status.code(),
        Some(0),
        "+1% is within 2%"
    );
    let bad = iai("run3.txt", &[]);
    assert_eq!(bad.status.code(), Some(1), "+3% is a regression");
    assert!(text(&bad.stdout).contains("REGRESSION"));
    assert_eq!(
        iai("run3.txt", &["--tolerance", "5"]).status.code(),
        Some(0)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
