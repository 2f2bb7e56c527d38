//! The `cairn` commands on image files (`docs/design/images.md`): `build` (the image of
//! source directories and a boot class, written atomically with a history), `run` of an
//! image (load it instead of booting, run the manifest's main class), `image info` and
//! `image verify` (the full load in a child process). Every refusal of a file is one
//! line on stderr, `cairn: FILE: what is wrong`, with exit status 2; nothing runs.

use std::path::{Path, PathBuf};

use cairn_gc::image::{ImageError, MAGIC};
use cairn_vm::image::{self as image, BuildInputs, ImageInfo};
use cairn_vm::Vm;

/// Exit status of a refused image or a usage error.
const REFUSED: i32 = 2;

/// True when `cairn run` is to treat `arg` as an image: its name ends in `.image`
/// (whatever it holds, so a damaged image is refused rather than taken for a class), or
/// it is a file that starts with the image magic.
pub fn is_image_path(arg: &str) -> bool {
    let path = Path::new(arg);
    if path.extension().is_some_and(|x| x == "image") {
        return true;
    }
    let mut start = [0u8; MAGIC.len()];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut start))
        .is_ok_and(|()| start == MAGIC)
}

fn refuse(path: &Path, why: impl std::fmt::Display) -> i32 {
    eprintln!("cairn: {}: {why}", path.display());
    REFUSED
}

/// The file's bytes, or the refusal printed.
fn read(path: &Path) -> Result<Vec<u8>, i32> {
    std::fs::read(path).map_err(|e| refuse(path, ImageError::Io(e)))
}

/// What `cairn build` was asked for.
pub struct BuildRequest {
    pub sources: Vec<PathBuf>,
    pub boot: Option<PathBuf>,
    pub main: Option<String>,
    pub output: PathBuf,
    pub keep: usize,
    pub sign_key: Option<PathBuf>,
    pub max_heap_bytes: usize,
}

/// `cairn build`: builds the image and writes it atomically, keeping `keep` previous
/// images. A `SOURCE_DATE_EPOCH` that is not a number is a usage error.
pub fn build(req: BuildRequest) -> i32 {
    let created = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(t) => t,
            Err(_) => {
                eprintln!("error: SOURCE_DATE_EPOCH: '{text}' is not a number of seconds");
                return REFUSED;
            }
        },
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    let inputs = BuildInputs {
        sources: req.sources,
        created,
        max_heap_bytes: req.max_heap_bytes,
        boot: req.boot,
        main: req.main,
    };
    let key = match req
        .sign_key
        .as_deref()
        .map(image::read_signing_key)
        .transpose()
    {
        Ok(k) => k,
        Err(e) => {
            eprintln!("cairn: {e}");
            return REFUSED;
        }
    };
    let bytes = match cairn_vm::image::build_image(&inputs) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_status().max(1);
        }
    };
    let bytes = match key.map(|k| image::sign_image(&bytes, &k)).transpose() {
        Ok(Some(signed)) => signed,
        Ok(None) => bytes,
        Err(e) => {
            eprintln!("cairn: cannot sign the image: {e}");
            return 1;
        }
    };
    match cairn_vm::image::write_image_file(&req.output, &bytes, req.keep) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("cannot write {}: {e}", req.output.display());
            1
        }
    }
}

/// `cairn run IMAGE [args...]`: maps and loads the image (every check of the loader
/// first), then sends `run:` with the arguments (or `run`) to a new instance of the
/// manifest's main class. `prepare` arms the limits and the tier, `finish` prints statistics.
pub fn run_image(
    file: &Path,
    trusted_key: Option<&Path>,
    class_path: Vec<PathBuf>,
    args: Vec<String>,
    max_heap_bytes: usize,
    prepare: impl FnOnce(&mut Vm),
    finish: impl FnOnce(&Vm),
) -> i32 {
    if let Err(status) = check_signature(file, trusted_key, REFUSED) {
        return status;
    }
    let (mut vm, manifest) = match Vm::load_image_file(file, class_path, max_heap_bytes) {
        Ok(loaded) => loaded,
        Err(e) => return refuse(file, e),
    };
    let Some(main) = cairn_vm::image::manifest_main(&manifest) else {
        return refuse(
            file,
            "the image names no main class (build it with `cairn build --main CLASS`)",
        );
    };
    prepare(&mut vm);
    let status = run_main(&mut vm, main, args);
    finish(&vm);
    status
}

/// Sends `run:` with the arguments (the class name first) or `run` to a new instance of
/// `class`, as `cairn run` does for a class or an image: the exit status, an error
/// reported on stderr.
pub fn run_main(vm: &mut Vm, class: String, args: Vec<String>) -> i32 {
    let mut program = vec![class];
    program.extend(args);
    match vm.run_program(&program) {
        Ok(()) => 0,
        Err(e) => {
            vm.report(&e);
            e.exit_status()
        }
    }
}

/// The figures of a verified load of `file`, or the refusal printed and `status`.
fn loaded_info(file: &Path, max_heap_bytes: usize, status: i32) -> Result<ImageInfo, i32> {
    let bytes = read(file).map_err(|_| status)?;
    cairn_vm::image::image_info(&bytes, max_heap_bytes).map_err(|e| {
        refuse(file, e);
        status
    })
}

/// `cairn image info FILE`: the figures of a verified load, top ten classes.
pub fn info(file: &Path, max_heap_bytes: usize) -> i32 {
    loaded_info(file, max_heap_bytes, REFUSED).map_or_else(
        |status| status,
        |info| {
            print!("{}", info.report(10));
            0
        },
    )
}

/// Exit status of `cairn image verify` when the image fails a check.
const FAILED: i32 = 1;

/// The version field of the file's header, when it has one (a refusal comes later).
fn header_version(path: &Path) -> Option<u32> {
    let mut head = [0u8; 12];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .ok()?;
    (head[..8] == MAGIC).then(|| u32::from_le_bytes([head[8], head[9], head[10], head[11]]))
}

/// Before a load: a signed image's signature must verify, and with `trusted` (a public
/// key file) the image must be signed by that key. An unsigned image without `trusted`
/// is left to the loader (read once, mapped). The signer's key, or the refusal printed
/// and `status`.
fn check_signature(
    file: &Path,
    trusted: Option<&Path>,
    status: i32,
) -> Result<Option<String>, i32> {
    let trusted = match trusted.map(image::read_verifying_key).transpose() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cairn: {e}");
            return Err(status);
        }
    };
    if trusted.is_none() && header_version(file) != Some(cairn_gc::image::SIGNED_FORMAT_VERSION) {
        return Ok(None);
    }
    let bytes = read(file).map_err(|_| status)?;
    match image::check_signature(&bytes, trusted.as_ref()) {
        Ok(signer) => Ok(signer.map(|k| image::hex(k.as_bytes()))),
        Err(e) => {
            refuse(file, e);
            Err(status)
        }
    }
}

/// `cairn image keygen -o FILE`: a new key pair, FILE and FILE.pub.
pub fn keygen(file: &Path) -> i32 {
    match image::keygen(file) {
        Ok(public) => {
            println!(
                "secret key: {}\npublic key: {} ({})",
                file.display(),
                image::public_key_path(file).display(),
                image::hex(public.as_bytes())
            );
            0
        }
        Err(e) => {
            eprintln!("cairn: {e}");
            1
        }
    }
}

/// `cairn image verify FILE`: header and checksum here, then the full load (heap
/// verifier, VM record checks, bytecode verifier over every method) in a child process
/// (`cairn image verify --loaded FILE`), so whatever the load does cannot touch this
/// process. 0 pass, 1 fail.
pub fn verify(file: &Path, trusted: Option<&Path>, max_heap_bytes: usize) -> i32 {
    let Ok(bytes) = read(file) else {
        return FAILED;
    };
    if let Err(e) = cairn_gc::image::read(&bytes) {
        refuse(file, e);
        return FAILED;
    }
    println!("header and checksum: ok");
    match check_signature(file, trusted, FAILED) {
        Ok(Some(signer)) => println!("signature: ok (signed by {signer})"),
        Ok(None) => println!("signature: none (unsigned image)"),
        Err(status) => return status,
    }
    let child = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .arg("image")
            .arg("verify")
            .arg("--loaded")
            .arg("--max-heap")
            .arg(max_heap_bytes.to_string())
            .arg(file)
            .status()
    });
    match child {
        Ok(s) if s.success() => {
            println!("{}: pass", file.display());
            0
        }
        Ok(s) => {
            eprintln!("cairn: {}: fail (the load exited with {s})", file.display());
            FAILED
        }
        Err(e) => {
            eprintln!("cairn: cannot start the verifying process: {e}");
            FAILED
        }
    }
}

/// The child's part of `cairn image verify`: the full load and its figures.
pub fn verify_loaded(file: &Path, max_heap_bytes: usize) -> i32 {
    loaded_info(file, max_heap_bytes, FAILED).map_or_else(
        |status| status,
        |info| {
            println!("heap verifier: ok ({} objects)", info.objects);
            println!(
                "bytecode verifier: ok ({} methods and blocks)",
                info.methods
            );
            0
        },
    )
}
