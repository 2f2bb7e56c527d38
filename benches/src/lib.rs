//! Shared helpers of Cairn's criterion and iai-callgrind benches: booting a VM on the
//! bench fixtures and the fixed programs the benches run.

use cairn_vm::tier::{TierMode, TierPolicy};
use cairn_vm::Vm;
use std::path::PathBuf;

/// The directory of the bench fixtures (`benches/fixtures`).
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A booted VM with the fixtures on its class path.
///
/// Panics when the VM cannot boot: a bench has nothing to measure then.
pub fn boot() -> Vm {
    match Vm::new(vec![fixtures()]) {
        Ok(vm) => vm,
        Err(e) => panic!("cannot boot the VM for a bench: {e:?}"),
    }
}

/// A booted VM that has already run `source` once (classes loaded, caches warm).
pub fn warm(source: &str) -> Vm {
    let mut vm = boot();
    run(&mut vm, source);
    vm
}

/// A booted VM with the Cranelift tier compiling methods at their second call, that has
/// run `source` three times: its methods are compiled with warm inline caches.
pub fn warm_jit(source: &str) -> Vm {
    let mut vm = boot();
    let tier = cairn_jit::CraneliftTier::new(&vm)
        .unwrap_or_else(|e| panic!("no native tier on this host: {e:?}"));
    vm.install_tier(
        Box::new(tier),
        TierPolicy {
            mode: TierMode::On,
            threshold: 2,
        },
    );
    for _ in 0..3 {
        run(&mut vm, source);
    }
    vm
}

/// Evaluates `source`, answering its printString; panics on a VM error.
pub fn run(vm: &mut Vm, source: &str) -> String {
    match vm.eval(source) {
        Ok(s) => s,
        Err(e) => panic!("bench program `{source}` failed: {e:?}"),
    }
}

/// Source text of a kernel-sized class file, for parse and compile benches.
pub fn sample_class_source() -> String {
    let path = fixtures().join("VmBench.som");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The kernel's class files (name, source), for parse and compile benches over a
/// realistic body of code.
pub fn kernel_sources() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vm/kernel");
    cairn_vm::image::class_files(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.display().to_string(), text)
        })
        .collect()
}

/// Parses every file of `sources`; answers the number of methods.
pub fn parse_all(sources: &[(String, String)]) -> usize {
    sources
        .iter()
        .map(
            |(file, text)| match cairn_vm::syntax::parse_class(text, file) {
                Ok(c) => c.instance_methods.len() + c.class_methods.len(),
                Err(e) => panic!("{file}: {e}"),
            },
        )
        .sum()
}

/// Parses and compiles every method of `sources`; answers the number of methods.
pub fn compile_all(sources: &[(String, String)]) -> usize {
    let mut n = 0;
    for (file, text) in sources {
        let class =
            cairn_vm::syntax::parse_class(text, file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let fields: Vec<String> = class
            .instance_fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let class_fields: Vec<String> = class.class_fields.iter().map(|f| f.name.clone()).collect();
        for (methods, fields) in [
            (&class.instance_methods, &fields),
            (&class.class_methods, &class_fields),
        ] {
            for m in methods {
                // Kernel classes inherit fields the file does not list; a method that names
                // one does not compile here, and that is fine for a speed measurement.
                if cairn_vm::compiler::compile_method(m, fields, file).is_ok() {
                    n += 1;
                }
            }
        }
    }
    n
}

/// The fixed programs and their expected printStrings, shared by the criterion and
/// iai benches (and checked by this crate's tests).
pub const PROGRAMS: [(&str, &str, &str); 8] = [
    ("send_mono", "VmBench new mono: 2000", "2000"),
    ("send_poly", "VmBench new poly: 2000", "2000"),
    ("send_mega", "VmBench new mega: 2000", "2000"),
    ("primitive", "VmBench new prim: 2000", "20000"),
    ("closure", "VmBench new closures: 2000", "2003000"),
    ("alloc", "VmBench new alloc: 2000", "4"),
    ("fib", "VmBench new fib: 15", "610"),
    ("store", "VmBench new stores: 2000", "1"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_answer_what_the_benches_expect() {
        let mut vm = boot();
        for (name, source, expected) in PROGRAMS {
            assert_eq!(run(&mut vm, source), expected, "{name}");
        }
    }

    #[test]
    fn compiled_programs_answer_the_same() {
        for (name, source, expected) in PROGRAMS {
            assert_eq!(run(&mut warm_jit(source), source), expected, "{name}");
        }
    }

    #[test]
    fn sample_class_parses_and_compiles() {
        let class = cairn_vm::syntax::parse_class(&sample_class_source(), "VmBench.som").unwrap();
        assert_eq!(class.instance_methods.len(), 11);
        let kernel = kernel_sources();
        assert!(kernel.len() > 20);
        let parsed = parse_all(&kernel);
        let compiled = compile_all(&kernel);
        assert!(
            compiled > parsed / 2 && compiled <= parsed,
            "{compiled} of {parsed}"
        );
    }
}
