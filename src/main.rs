//! The `cairn` command: wiring only. `cairn run -cp DIR[:DIR...] Class [args...]` runs a
//! program SOM-style; `cairn eval 'expression'` prints the value's printString;
//! `cairn build --source DIR... [--boot FILE.som] [--main CLASS] [--keep N] -o FILE`
//! writes an image, `cairn run FILE.image [args...]` runs one, `cairn image info|verify
//! FILE` inspects one (`docs/design/images.md`; the logic is in `image_cmd.rs`).
//! Exit status: 0 success, 1 unhandled Smalltalk error or `system exit: 1`,
//! 2 compile or usage error, 3 deadlock (every process waits and nothing can wake one:
//! a process audit on stderr), 124 stopped by `--time-limit`. `--max-heap SIZE` (or
//! `CAIRN_MAX_HEAP`) bounds the memory of Smalltalk objects and the tables that grow
//! with them.

mod image_cmd;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use cairn_gc::parse_byte_size;
use cairn_vm::syntax::lexer::{is_ident_char, is_ident_start};
use cairn_vm::{Vm, DEFAULT_MAX_HEAP, MIN_MAX_HEAP};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cairn", version, about = "Cairn, a Smalltalk virtual machine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    jit: JitArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program: instantiate ClassName and send it `run:` (with the arguments) or
    /// `run`. Given an image (a `.image` file, or a file starting with the image magic),
    /// load it instead of booting and run its main class.
    Run {
        #[command(flatten)]
        limits: Limits,
        /// Class path: directories searched for `Name.som`, separated by ':'.
        #[arg(
            long = "cp",
            short = 'c',
            alias = "classpath",
            value_name = "DIR[:DIR...]"
        )]
        class_path: Option<String>,
        /// Run an image only if it is signed by this public key (a key file of
        /// `cairn image keygen`, FILE.pub).
        #[arg(long = "trusted-key", value_name = "PUBFILE")]
        trusted_key: Option<PathBuf>,
        /// The class to run: `Name`, `Name.som` or a path to a class file.
        class: String,
        /// Arguments passed to the program.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Evaluate Smalltalk statements and print the printString of the last value.
    Eval {
        #[command(flatten)]
        limits: Limits,
        /// The statements.
        expression: String,
    },
    /// Build an image: the kernel and every `Name.som` class of the source directories
    /// (in the order given, files by name). The same sources give the same bytes; the
    /// manifest's time is $SOURCE_DATE_EPOCH when set.
    Build {
        #[command(flatten)]
        limits: Limits,
        /// A directory of class files (repeat the flag, or list several).
        #[arg(long = "source", value_name = "DIR", required = true, num_args = 1..)]
        sources: Vec<PathBuf>,
        /// A class file loaded after the sources and run (`run`) once before the save.
        #[arg(long = "boot", value_name = "FILE.som")]
        boot: Option<PathBuf>,
        /// The class `cairn run FILE` instantiates and sends `run:` (or `run`).
        #[arg(long = "main", value_name = "CLASS")]
        main: Option<String>,
        /// Keep the N previous images as FILE.1 (latest) ... FILE.N.
        #[arg(long = "keep", value_name = "N", default_value_t = 0)]
        keep: usize,
        /// Sign the image with this secret key file (`cairn image keygen`).
        #[arg(long = "sign-key", value_name = "KEYFILE")]
        sign_key: Option<PathBuf>,
        /// The image file to write (replaced whole, never left half written).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
    /// Inspect an image file.
    Image {
        #[command(subcommand)]
        action: ImageAction,
    },
}

#[derive(Subcommand)]
enum ImageAction {
    /// Print the manifest, the sizes, the object and class counts and the top classes.
    Info {
        #[command(flatten)]
        limits: Limits,
        file: PathBuf,
    },
    /// Check the checksum and the signature, then load the image in a child process
    /// (heap verifier, bytecode verifier over every method). Exit status 0 pass, 1 fail.
    Verify {
        #[command(flatten)]
        limits: Limits,
        /// Fail unless the image is signed by this public key (FILE.pub).
        #[arg(long = "trusted-key", value_name = "PUBFILE")]
        trusted_key: Option<PathBuf>,
        /// Internal: this process is the child that loads the image.
        #[arg(long, hide = true)]
        loaded: bool,
        file: PathBuf,
    },
    /// Write a new ed25519 key pair: the secret key to FILE, the public key to FILE.pub
    /// (each 64 hex digits and a newline). Existing files are not overwritten.
    Keygen {
        /// The secret key file to write.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
}

/// Environment variable read when `--max-heap` is not given.
const MAX_HEAP_ENV: &str = "CAIRN_MAX_HEAP";

#[derive(clap::Args)]
struct Limits {
    /// Most memory for Smalltalk objects and the VM tables that grow with them, e.g.
    /// 256M or 1G (default: $CAIRN_MAX_HEAP, else 1G). Past it the program gets
    /// OutOfMemory.
    #[arg(long = "max-heap", value_name = "SIZE", value_parser = parse_byte_size)]
    max_heap: Option<usize>,
    /// Stop the program after this many seconds of wall-clock time (fractions
    /// allowed): it ends at its next safepoint with a stack trace and exit status 124.
    #[arg(long = "time-limit", value_name = "SECONDS", value_parser = parse_seconds)]
    time_limit: Option<std::time::Duration>,
    /// Virtual time: the scheduler's clock (and `system time`) stands still while a
    /// process can run and jumps to the next Delay or timeout when every process waits
    /// (deterministic timing tests). Environment: CAIRN_VIRTUAL_TIME=1.
    #[arg(long = "virtual-time")]
    virtual_time: bool,
    /// Processes of equal priority take turns every MS milliseconds (default: only
    /// when one yields or waits).
    #[arg(long = "time-slice", value_name = "MS")]
    time_slice: Option<u64>,
}

/// A positive number of seconds.
fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| format!("'{text}' is not a positive number of seconds"))
}

impl Limits {
    /// Starts the watchdog that stops `vm`'s program when the time limit passes (a
    /// detached thread: the process ends with the program), and sets the scheduler's
    /// clock and time slice.
    fn arm(&self, vm: &mut Vm) {
        if self.virtual_time || std::env::var("CAIRN_VIRTUAL_TIME").is_ok_and(|v| v == "1") {
            vm.set_virtual_time();
        }
        if let Some(ms) = self.time_slice {
            vm.set_time_slice(ms);
        }
        if let Some(limit) = self.time_limit {
            let handle = vm.interrupt_handle();
            std::thread::spawn(move || {
                std::thread::sleep(limit);
                handle.stop();
            });
        }
    }

    /// The budget: the flag, else the environment variable, else the default; a usage
    /// error (exit 2) when it is malformed or too small.
    fn max_heap_bytes(&self) -> Result<usize, i32> {
        let bytes = match (self.max_heap, std::env::var(MAX_HEAP_ENV)) {
            (Some(b), _) => b,
            (None, Ok(text)) => {
                parse_byte_size(&text).map_err(|e| usage_error(&format!("{MAX_HEAP_ENV}: {e}")))?
            }
            (None, Err(_)) => DEFAULT_MAX_HEAP,
        };
        if bytes < MIN_MAX_HEAP {
            return Err(usage_error(&format!(
                "the maximum heap size must be at least {} MiB",
                MIN_MAX_HEAP >> 20
            )));
        }
        Ok(bytes)
    }
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
    let jit = match JitConfig::from_args(&cli.jit) {
        Ok(jit) => jit,
        Err(message) => return ExitCode::from(usage_error(&message) as u8),
    };
    let status = match cli.command {
        Command::Run {
            limits,
            class_path,
            trusted_key,
            class,
            args,
        } => limits.max_heap_bytes().map_or_else(
            |s| s,
            |max| {
                let program = Program {
                    class_path,
                    trusted_key,
                    class,
                    args,
                };
                run(max, &limits, program, &jit)
            },
        ),
        Command::Eval { limits, expression } => limits
            .max_heap_bytes()
            .map_or_else(|s| s, |max| eval(max, &limits, &expression, &jit)),
        Command::Build {
            limits,
            sources,
            boot,
            main,
            keep,
            sign_key,
            output,
        } => limits.max_heap_bytes().map_or_else(
            |s| s,
            |max_heap_bytes| {
                image_cmd::build(image_cmd::BuildRequest {
                    sources,
                    boot,
                    main,
                    output,
                    keep,
                    sign_key,
                    max_heap_bytes,
                })
            },
        ),
        Command::Image {
            action: ImageAction::Info { limits, file },
        } => limits
            .max_heap_bytes()
            .map_or_else(|s| s, |max| image_cmd::info(&file, max)),
        Command::Image {
            action:
                ImageAction::Verify {
                    limits,
                    trusted_key,
                    loaded,
                    file,
                },
        } => limits.max_heap_bytes().map_or_else(
            |s| s,
            |max| {
                if loaded {
                    image_cmd::verify_loaded(&file, max)
                } else {
                    image_cmd::verify(&file, trusted_key.as_deref(), max)
                }
            },
        ),
        Command::Image {
            action: ImageAction::Keygen { output },
        } => image_cmd::keygen(&output),
    };
    ExitCode::from(status.clamp(0, 255) as u8)
}

/// SOM spells the class path flag `-cp`; clap reads single-dash flags as short ones, so
/// `-cp` among `run`'s options (before the class) becomes `--cp`. Anywhere else (a
/// program argument) it stays.
fn som_flags(args: impl Iterator<Item = OsString>) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    let (mut before_command, mut in_options, mut value_next) = (true, false, false);
    for (i, a) in args.enumerate() {
        if i == 0 {
            // The program name.
        } else if before_command {
            // Global options come first; `--jit` and `--jit-threshold` may take their
            // value as the next argument.
            if value_next {
                value_next = false;
            } else if a == "--jit" || a == "--jit-threshold" {
                value_next = true;
            } else if !a.to_string_lossy().starts_with('-') {
                before_command = false;
                in_options = a == "run";
            }
        } else if in_options {
            if value_next {
                value_next = false;
            } else if a == "-cp" {
                out.push("--cp".into());
                value_next = true;
                continue;
            } else if [
                "--cp",
                "--classpath",
                "-c",
                "--max-heap",
                "--time-limit",
                "--time-slice",
            ]
            .iter()
            .any(|f| a == *f)
            {
                value_next = true;
            } else if !a.to_string_lossy().starts_with('-') {
                in_options = false;
            }
        }
        out.push(a);
    }
    out
}

/// A usage error: printed as `error: ...`, exit status 2.
fn usage_error(message: &str) -> i32 {
    eprintln!("error: {message}");
    2
}

/// What `cairn run` runs: a class or an image, with its arguments.
struct Program {
    class_path: Option<String>,
    trusted_key: Option<PathBuf>,
    class: String,
    args: Vec<String>,
}

fn run(max_heap: usize, limits: &Limits, program: Program, jit: &JitConfig) -> i32 {
    let Program {
        class_path,
        trusted_key,
        class,
        args,
    } = program;
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
    if image_cmd::is_image_path(&class) {
        return image_cmd::run_image(
            std::path::Path::new(&class),
            trusted_key.as_deref(),
            dirs,
            args,
            max_heap,
            |vm| {
                jit.install(vm);
                limits.arm(vm);
                vm.install_signal_handlers();
            },
            |vm| {
                print_gc_stats(vm);
                jit.print_stats(vm);
            },
        );
    }
    if trusted_key.is_some() {
        return usage_error("--trusted-key applies to images only");
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
    let mut vm = match Vm::with_max_heap(dirs.clone(), max_heap) {
        Ok(vm) => vm,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_status().max(1);
        }
    };
    jit.install(&mut vm);
    limits.arm(&mut vm);
    vm.install_signal_handlers();
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
    let status = image_cmd::run_main(&mut vm, name, args);
    print_gc_stats(&vm);
    jit.print_stats(&vm);
    status
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

fn eval(max_heap: usize, limits: &Limits, expression: &str, jit: &JitConfig) -> i32 {
    let mut vm = match Vm::with_max_heap(Vec::new(), max_heap) {
        Ok(vm) => vm,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_status().max(1);
        }
    };
    jit.install(&mut vm);
    limits.arm(&mut vm);
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
    jit.print_stats(&vm);
    status
}

/// With `CAIRN_GC_STATS=1`, the collector totals on stderr at exit (for cairn-perf).
fn print_gc_stats(vm: &Vm) {
    if std::env::var("CAIRN_GC_STATS").is_ok_and(|v| v == "1") {
        eprintln!("{}", vm.gc_stats_line());
    }
}

// ---- The native tier (issue 10, docs/design/jit.md §14): flags, environment, wiring. ----

/// `--jit`, `--jit-threshold`, `--jit-stats` (global: before or after the subcommand).
#[derive(clap::Args)]
struct JitArgs {
    /// Native tier: `off` (interpreter only, the default), `on` (compile hot methods),
    /// `always` (compile at first call). Environment: CAIRN_JIT.
    #[arg(long, global = true, value_name = "off|on|always")]
    jit: Option<String>,
    /// Invocations or loop back-edges before `--jit=on` compiles a method (default
    /// 1000). Environment: CAIRN_JIT_THRESHOLD.
    #[arg(long = "jit-threshold", global = true, value_name = "N")]
    jit_threshold: Option<u32>,
    /// Print a `cairn-jit-stats:` line on stderr at exit. Environment: CAIRN_JIT_STATS=1.
    #[arg(long = "jit-stats", global = true)]
    jit_stats: bool,
}

/// The tier settings after flags (which win) and the environment.
struct JitConfig {
    policy: cairn_vm::tier::TierPolicy,
    stats: bool,
}

impl JitConfig {
    fn from_args(args: &JitArgs) -> Result<JitConfig, String> {
        use cairn_vm::tier::{TierMode, TierPolicy, DEFAULT_THRESHOLD};
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mode_text = args.jit.clone().or_else(|| env("CAIRN_JIT"));
        let mode = match mode_text {
            None => TierMode::Off,
            Some(text) => TierMode::parse(&text).ok_or_else(|| {
                format!("--jit (or CAIRN_JIT) must be off, on or always, not '{text}'")
            })?,
        };
        let threshold = match (args.jit_threshold, env("CAIRN_JIT_THRESHOLD")) {
            (Some(n), _) => n,
            (None, Some(text)) => text
                .parse()
                .map_err(|_| format!("CAIRN_JIT_THRESHOLD must be a number, not '{text}'"))?,
            (None, None) => DEFAULT_THRESHOLD,
        };
        Ok(JitConfig {
            policy: TierPolicy { mode, threshold },
            stats: args.jit_stats || env("CAIRN_JIT_STATS").is_some_and(|v| v == "1"),
        })
    }

    /// Installs the Cranelift tier unless the mode is `off`; a host without a Cranelift
    /// backend keeps running interpreted, with a message.
    fn install(&self, vm: &mut Vm) {
        if self.policy.mode == cairn_vm::tier::TierMode::Off {
            return;
        }
        let tier: Box<dyn cairn_vm::tier::Tier> = match cairn_jit::CraneliftTier::new(vm) {
            Ok(t) => Box::new(t),
            Err(e) => {
                eprintln!("cairn: {e}; running interpreted");
                Box::new(cairn_vm::tier::NullTier::default())
            }
        };
        vm.install_tier(tier, self.policy);
    }

    fn print_stats(&self, vm: &Vm) {
        if self.stats {
            eprintln!("{}", vm.tier_stats_line());
        }
    }
}
