//! A benchmark suite on disk: its directory, the class path derived from it, and the
//! list of benchmarks with their outer and inner iteration counts.
//!
//! The list comes from a config file, `suite.conf` in the suite directory unless
//! another is named. One benchmark per line, `#` starts a comment:
//! ```text
//! # name      outer  inner
//! Richards    20     1
//! ```
//! The class path is the suite directory followed by each of its immediate
//! subdirectories that holds `.som` files, in name order: this fits both Cairn's
//! `perf/suite/` and AWFY's `benchmarks/SOM/` (`.:CD:Core:DeltaBlue:...`).

use std::path::{Path, PathBuf};

/// One benchmark to run: `Harness <name> <outer> <inner>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchSpec {
    /// Class name of the benchmark.
    pub name: String,
    /// Outer iterations: one timed line each.
    pub outer: u32,
    /// Inner iterations per outer iteration.
    pub inner: u32,
}

/// A suite directory with its class path and benchmark list.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The suite directory (absolute); benchmarks run with it as working directory.
    pub dir: PathBuf,
    /// Class path entries, absolute.
    pub class_path: Vec<PathBuf>,
    /// Benchmarks in config order.
    pub benchmarks: Vec<BenchSpec>,
}

impl Suite {
    /// Loads the suite in `dir`, reading `config` or else `dir/suite.conf`.
    pub fn load(dir: &Path, config: Option<&Path>) -> Result<Suite, String> {
        let dir = dir
            .canonicalize()
            .map_err(|e| format!("suite directory {}: {e}", dir.display()))?;
        let conf = config.map_or_else(|| dir.join("suite.conf"), Path::to_path_buf);
        let text = std::fs::read_to_string(&conf).map_err(|e| {
            format!(
                "{}: {e} (a suite needs a benchmark list, see docs/perf/harness.md)",
                conf.display()
            )
        })?;
        let benchmarks = parse_config(&text).map_err(|e| format!("{}: {e}", conf.display()))?;
        Ok(Suite {
            class_path: class_path(&dir)?,
            dir,
            benchmarks,
        })
    }

    /// The class path joined with `:`.
    pub fn class_path_string(&self) -> String {
        let parts: Vec<String> = self
            .class_path
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        parts.join(":")
    }
}

/// Parses a benchmark list (see the module doc).
pub fn parse_config(text: &str) -> Result<Vec<BenchSpec>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let bad = || {
            format!(
                "line {}: expected `name outer inner`, found `{line}`",
                i + 1
            )
        };
        let [name, outer, inner] = fields[..] else {
            return Err(bad());
        };
        let count = |s: &str| s.parse::<u32>().ok().filter(|&n| n > 0).ok_or_else(bad);
        out.push(BenchSpec {
            name: name.to_string(),
            outer: count(outer)?,
            inner: count(inner)?,
        });
    }
    if out.is_empty() {
        return Err("no benchmarks listed".into());
    }
    Ok(out)
}

/// `dir` and its immediate subdirectories that contain `.som` files.
fn class_path(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && has_som_files(p))
        .collect();
    subdirs.sort();
    let mut cp = vec![dir.to_path_buf()];
    cp.extend(subdirs);
    Ok(cp)
}

fn has_som_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "som"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_benchmark_list() {
        let list =
            parse_config("# comment\nRichards 20 1\n\n  Queens 10 100 # trailing\n").unwrap();
        assert_eq!(
            list,
            vec![
                BenchSpec {
                    name: "Richards".into(),
                    outer: 20,
                    inner: 1
                },
                BenchSpec {
                    name: "Queens".into(),
                    outer: 10,
                    inner: 100
                },
            ]
        );
    }

    #[test]
    fn rejects_malformed_lines() {
        assert!(parse_config("Richards 20").unwrap_err().contains("line 1"));
        assert!(parse_config("Richards 0 1").is_err());
        assert!(parse_config("Richards x 1").is_err());
        assert!(parse_config("a 1 1\nb 1 1 1")
            .unwrap_err()
            .contains("line 2"));
        assert!(parse_config("# nothing\n").is_err());
    }

    #[test]
    fn class_path_is_dir_then_som_subdirs() {
        let tmp = std::env::temp_dir().join(format!("cairn-perf-suite-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        for d in ["B", "A", "empty"] {
            std::fs::create_dir_all(tmp.join(d)).unwrap();
        }
        std::fs::write(tmp.join("A/X.som"), "").unwrap();
        std::fs::write(tmp.join("B/Y.som"), "").unwrap();
        std::fs::write(tmp.join("suite.conf"), "X 1 1\n").unwrap();
        let suite = Suite::load(&tmp, None).unwrap();
        let names: Vec<_> = suite
            .class_path
            .iter()
            .map(|p| p.strip_prefix(&suite.dir).unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            vec![PathBuf::new(), PathBuf::from("A"), PathBuf::from("B")]
        );
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
