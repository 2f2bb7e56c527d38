//! The `cairn` command: wiring only. `cairn run -cp DIR[:DIR...] Class [args...]` runs a
//! program SOM-style; `cairn eval 'expression'` prints the value's printString.
//! Exit status: 0 success, 1 unhandled Smalltalk error or `system exit: 1`,
//! 2 compile or usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use cairn_vm::Vm;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cairn", version, about = "Cairn, a Smalltalk virtual machine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program: instantiate ClassName and send it `run:` (with the arguments) or `run`.
    Run {
        /// Class path: directories searched for `Name.som`, separated by ':'.
        #[arg(
            long = "cp",
            short = 'c',
            alias = "classpath",
            value_name = "DIR[:DIR...]"
        )]
        class_path: Option<String>,
        /// The class to run: `Name`, `Name.som` or a path to a class file.
        class: String,
        /// Arguments passed to the program.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Evaluate Smalltalk statements and print the printString of the last value.
    Eval {
        /// The statements.
        expression: String,
    },
}

fn main() -> ExitCode {
    // SOM spells the class path flag `-cp`; clap reads single-dash flags as short ones.
    let args = std::env::args_os().map(|a| if a == "-cp" { "--cp".into() } else { a });
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let status = match cli.command {
        Command::Run {
            class_path,
            class,
            args,
        } => run(class_path, class, args),
        Command::Eval { expression } => eval(&expression),
    };
    ExitCode::from(status.clamp(0, 255) as u8)
}

fn run(class_path: Option<String>, class: String, args: Vec<String>) -> i32 {
    let mut dirs: Vec<PathBuf> = class_path
        .iter()
        .flat_map(|cp| cp.split(':'))
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .collect();
    // `Harness.som` or `dir/Harness.som`: the file's directory joins the class path.
    let path = PathBuf::from(&class);
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(&class)
        .to_string();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        dirs.insert(0, parent.to_path_buf());
    }
    let mut vm = match Vm::new(dirs) {
        Ok(vm) => vm,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_status().max(1);
        }
    };
    let mut program = vec![name];
    program.extend(args);
    let status = match vm.run_program(&program) {
        Ok(()) => 0,
        Err(e) => {
            vm.report(&e);
            e.exit_status()
        }
    };
    print_gc_stats(&vm);
    status
}

fn eval(expression: &str) -> i32 {
    let mut vm = match Vm::new(Vec::new()) {
        Ok(vm) => vm,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_status().max(1);
        }
    };
    let status = match vm.eval(expression) {
        Ok(s) => {
            println!("{s}");
            0
        }
        Err(e) => {
            vm.report(&e);
            e.exit_status()
        }
    };
    print_gc_stats(&vm);
    status
}

/// With `CAIRN_GC_STATS=1`, the collector totals on stderr at exit (for cairn-perf).
fn print_gc_stats(vm: &Vm) {
    if std::env::var("CAIRN_GC_STATS").is_ok_and(|v| v == "1") {
        eprintln!("{}", vm.gc_stats_line());
    }
}
