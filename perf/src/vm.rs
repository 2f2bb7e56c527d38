//! Which VMs to run and how to build each one's command line.
//!
//! A VM is given as `LABEL=COMMAND` (or just `COMMAND`, labelled by its program name).
//! The command is split on whitespace. It may use the placeholders `{cp}` (the suite's
//! class path), `{bench}`, `{outer}` and `{inner}`; a command without `{bench}` gets
//! `-cp {cp} Harness {bench} {outer} {inner}` appended, the invocation every SOM VM takes.

use crate::suite::{BenchSpec, Suite};

/// A VM under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmSpec {
    /// Short name used in tables, JSON and plots.
    pub label: String,
    /// Command words, with placeholders.
    pub words: Vec<String>,
}

/// The words appended to a command that has no `{bench}` placeholder.
const DEFAULT_TAIL: [&str; 6] = ["-cp", "{cp}", "Harness", "{bench}", "{outer}", "{inner}"];

impl VmSpec {
    /// Parses `LABEL=COMMAND` or `COMMAND`.
    pub fn parse(spec: &str) -> Result<VmSpec, String> {
        let spec = spec.trim();
        let first = spec.split_whitespace().next().ok_or("empty --vm")?;
        let (label, command) = match first.split_once('=') {
            Some((l, _)) if !l.is_empty() && !l.contains('/') => {
                (l.to_string(), spec[l.len() + 1..].trim_start())
            }
            _ => {
                let prog = first.rsplit('/').next().unwrap_or(first);
                (prog.to_string(), spec)
            }
        };
        let mut words: Vec<String> = command.split_whitespace().map(String::from).collect();
        if words.is_empty() {
            return Err(format!("--vm {spec}: no command after the label"));
        }
        if !words.iter().any(|w| w.contains("{bench}")) {
            words.extend(DEFAULT_TAIL.iter().map(|s| s.to_string()));
        }
        Ok(VmSpec { label, words })
    }

    /// Makes a relative program path (`target/release/cairn`, `./som`) absolute against
    /// `base`, the directory `cairn-perf` was started in: benchmarks run with the suite
    /// directory as their working directory, where a relative path would not resolve.
    /// A bare program name (`java`) is left for `PATH`.
    pub fn resolve_program(&mut self, base: &std::path::Path) {
        let prog = &self.words[0];
        let path = std::path::Path::new(prog);
        if path.is_relative() && prog.contains('/') {
            self.words[0] = base.join(path).display().to_string();
        }
    }

    /// The command line for one benchmark of `suite`.
    pub fn command(&self, suite: &Suite, bench: &BenchSpec) -> Vec<String> {
        let cp = suite.class_path_string();
        self.words
            .iter()
            .map(|w| {
                w.replace("{cp}", &cp)
                    .replace("{bench}", &bench.name)
                    .replace("{outer}", &bench.outer.to_string())
                    .replace("{inner}", &bench.inner.to_string())
            })
            .collect()
    }

    /// The command as one string, for reports.
    pub fn display(&self) -> String {
        self.words.join(" ")
    }
}

/// The default VM: this workspace's `cairn` binary beside the running `cairn-perf`
/// (both built by `cargo build --release`), else `target/release/cairn`.
pub fn default_vm() -> VmSpec {
    let sibling = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("cairn")))
        .filter(|p| p.is_file());
    let path = sibling.map_or_else(
        || "target/release/cairn".to_string(),
        |p| p.display().to_string(),
    );
    let mut words = vec![path, "run".to_string()];
    words.extend(DEFAULT_TAIL.iter().map(|s| s.to_string()));
    VmSpec {
        label: "cairn".into(),
        words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn suite() -> Suite {
        Suite {
            dir: PathBuf::from("/s"),
            class_path: vec![PathBuf::from("/s"), PathBuf::from("/s/CD")],
            benchmarks: vec![],
        }
    }

    fn bench() -> BenchSpec {
        BenchSpec {
            name: "CD".into(),
            outer: 10,
            inner: 2,
        }
    }

    #[test]
    fn label_and_default_tail() {
        let vm = VmSpec::parse("som-rs=/opt/som -x").unwrap();
        assert_eq!(vm.label, "som-rs");
        assert_eq!(
            vm.command(&suite(), &bench()),
            ["/opt/som", "-x", "-cp", "/s:/s/CD", "Harness", "CD", "10", "2"]
        );
    }

    #[test]
    fn unlabelled_command_is_named_after_its_program() {
        let vm = VmSpec::parse("/opt/bin/SOM++ -H512MB").unwrap();
        assert_eq!(vm.label, "SOM++");
        // An `=` inside a path or option is not a label.
        let vm = VmSpec::parse("/opt/a=b/som").unwrap();
        assert_eq!(vm.label, "som");
    }

    #[test]
    fn placeholders_replace_the_default_tail() {
        let vm =
            VmSpec::parse("x=som -cp {cp}:/core ./Harness.som {bench} {outer} {inner}").unwrap();
        assert_eq!(
            vm.command(&suite(), &bench()),
            [
                "som",
                "-cp",
                "/s:/s/CD:/core",
                "./Harness.som",
                "CD",
                "10",
                "2"
            ]
        );
    }

    #[test]
    fn relative_programs_resolve_against_the_start_directory() {
        let base = std::path::Path::new("/work/cairn");
        let mut vm = VmSpec::parse("cairn=target/release/cairn run").unwrap();
        vm.resolve_program(base);
        assert_eq!(vm.words[0], "/work/cairn/target/release/cairn");
        let mut vm = VmSpec::parse("./som -x").unwrap();
        vm.resolve_program(base);
        assert_eq!(vm.words[0], "/work/cairn/./som");
        for unchanged in ["/opt/som", "java"] {
            let mut vm = VmSpec::parse(unchanged).unwrap();
            vm.resolve_program(base);
            assert_eq!(vm.words[0], unchanged);
        }
    }

    #[test]
    fn rejects_empty_commands() {
        assert!(VmSpec::parse("  ").is_err());
        assert!(VmSpec::parse("label=").is_err());
    }
}
