//! The `cairn` command: wiring only. `cairn run -cp DIR[:DIR...] Class [args...]` runs a
//! program SOM-style; `cairn eval 'expression'` prints the value's printString.
//! Exit status: 0 success, 1 unhandled Smalltalk error or `system exit: 1`,
//! 2 compile or usage error.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use cairn_vm::syntax::lexer::{is_ident_char, is_ident_start};
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
    let cli = match Cli::try_parse_from(som_flags(std::env::args_os())) {
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

/// SOM spells the class path flag `-cp`; clap reads single-dash flags as short ones, so
/// `-cp` right after `run` becomes `--cp`. Anywhere else (a program argument) it stays.
fn som_flags(args: impl Iterator<Item = OsString>) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    for a in args {
        let after_run = out.len() == 2 && out[1] == "run";
        out.push(if after_run && a == "-cp" {
            "--cp".into()
        } else {
            a
        });
    }
    out
}

/// A usage error of `cairn run`: printed as `error: ...`, exit status 2.
fn usage_error(message: &str) -> i32 {
    eprintln!("error: {message}");
    2
}

fn run(class_path: Option<String>, class: String, args: Vec<String>) -> i32 {
    let mut dirs: Vec<PathBuf> = class_path
        .iter()
        .flat_map(|cp| cp.split(':'))
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .collect();
    if let Some(missing) = dirs.iter().find(|d| !d.is_dir()) {
        return usage_error(&format!(
            "class path entry '{}' is not a directory",
            missing.display()
        ));
    }
    // `Harness.som` or `dir/Harness.som`: the file's directory joins the class path.
    let path = PathBuf::from(&class);
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(&class)
        .to_string();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !path.is_file() {
            return usage_error(&format!("no class file '{}'", path.display()));
        }
        dirs.insert(0, parent.to_path_buf());
    }
    if !is_class_name(&name) {
        return usage_error(&format!("'{class}' is not a class name or a class file"));
    }
    let mut vm = match Vm::new(dirs.clone()) {
        Ok(vm) => vm,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_status().max(1);
        }
    };
    let on_class_path = dirs.iter().any(|d| d.join(format!("{name}.som")).is_file());
    if !on_class_path {
        // Not a file on the class path: the class must be one of the kernel's. The
        // lookup loads it, so a broken kernel class reports its compile error here.
        match vm.eval(&format!("(system global: #{name}) isNil")) {
            Ok(absent) if absent == "true" => {
                return usage_error(&format!(
                    "class '{name}' not found in the class path ({}) or the kernel",
                    class_path_text(&dirs)
                ));
            }
            Ok(_) => {}
            Err(e) => {
                vm.report(&e);
                return e.exit_status();
            }
        }
    }
    let mut program = vec![name];
    program.extend(args);
    match vm.run_program(&program) {
        Ok(()) => 0,
        Err(e) => {
            vm.report(&e);
            e.exit_status()
        }
    }
}

/// True for a Smalltalk identifier starting with a letter, as class names are.
fn is_class_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_ident_start) && chars.all(is_ident_char)
}

/// The class path as the user would write it, or "empty".
fn class_path_text(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        return "empty".into();
    }
    let names: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    names.join(":")
}

fn eval(expression: &str) -> i32 {
    let mut vm = match Vm::new(Vec::new()) {
        Ok(vm) => vm,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_status().max(1);
        }
    };
    match vm.eval(expression) {
        Ok(s) => {
            println!("{s}");
            0
        }
        Err(e) => {
            vm.report(&e);
            e.exit_status()
        }
    }
}
