//! Writing an image file so that its path never holds a partial image
//! (`docs/design/images.md`, "Writing a file"): the bytes go to a temporary file in the
//! same directory, which is fsynced and renamed over the target, then the directory is
//! fsynced. With a history of `keep` images, the previous target is first kept as
//! `TARGET.1` (older ones move to `.2`, ... `.keep`; the oldest falls off), each move a
//! rename, so every history file is always a complete image too.
//!
//! For the crash-safety test, `CAIRN_IMAGE_SAVE_PAUSE=N` makes the writer stop at its
//! step `N` (say so on stderr and sleep) so that a SIGKILL lands exactly there.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The test hook: the step at which the writer pauses until it is killed.
pub const PAUSE_ENV: &str = "CAIRN_IMAGE_SAVE_PAUSE";

/// The temporary file is written in this many pieces, a pause step before each.
const PIECES: usize = 100;

/// `target` with `.n` appended: the `n`th most recent previous image (1 the latest).
pub fn history_path(target: &Path, n: usize) -> PathBuf {
    let mut s = target.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

fn with_suffix(target: &Path, suffix: &str) -> PathBuf {
    let mut s = target.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The writer's steps, numbered for the pause hook.
struct Steps {
    next: u64,
    pause_at: Option<u64>,
}

impl Steps {
    fn from_env() -> Steps {
        let pause_at = std::env::var(PAUSE_ENV)
            .ok()
            .and_then(|v| v.trim().parse().ok());
        Steps { next: 0, pause_at }
    }

    /// The next step begins: with the hook set to it, stop here for good.
    fn step(&mut self, what: &str) {
        let n = self.next;
        self.next += 1;
        if self.pause_at == Some(n) {
            let mut err = io::stderr();
            let _ = writeln!(err, "cairn: image save paused at step {n} ({what})");
            let _ = err.flush();
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    }
}

/// Writes `bytes` to `target` atomically, keeping the `keep` previous images as
/// `target.1` ... `target.keep`. On an error the target is unchanged (the history may
/// have moved up by one) and the temporary file is removed.
pub fn write_image_file(target: &Path, bytes: &[u8], keep: usize) -> io::Result<()> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if target.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the image path names no file",
        ));
    }
    let temp = with_suffix(target, ".tmp");
    let mut steps = Steps::from_env();
    let written = write_synced(&temp, bytes, &mut steps)
        .and_then(|()| keep_history(target, keep, &mut steps))
        .and_then(|()| {
            steps.step("rename the temporary file over the target");
            fs::rename(&temp, target)
        });
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    steps.step("fsync the directory");
    File::open(&dir)?.sync_all()
}

/// `bytes` into a new file at `path`, in pieces, then fsynced.
fn write_synced(path: &Path, bytes: &[u8], steps: &mut Steps) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    let piece = bytes.len().div_ceil(PIECES).max(1);
    let mut chunks = bytes.chunks(piece);
    for _ in 0..PIECES {
        steps.step("write the temporary file");
        if let Some(c) = chunks.next() {
            f.write_all(c)?;
        }
    }
    steps.step("fsync the temporary file");
    f.sync_all()
}

/// Moves the history up by one and keeps the current target as `target.1` (unless `.1`
/// is already that image): renames from the oldest down, then a hard link (a copy where
/// links fail) of the target under a temporary name renamed to `.1`, so the target
/// itself never goes missing.
fn keep_history(target: &Path, keep: usize, steps: &mut Steps) -> io::Result<()> {
    if keep == 0 || !target.exists() || same_image(target, &history_path(target, 1)) {
        return Ok(());
    }
    for n in (1..keep).rev() {
        let from = history_path(target, n);
        if from.exists() {
            steps.step("move a history image up");
            fs::rename(&from, history_path(target, n + 1))?;
        }
    }
    let previous = with_suffix(target, ".prev.tmp");
    let _ = fs::remove_file(&previous);
    steps.step("link the previous image");
    if fs::hard_link(target, &previous).is_err() {
        let bytes = fs::read(target)?;
        write_synced(&previous, &bytes, &mut Steps::from_none())?;
    }
    steps.step("rename the previous image into the history");
    fs::rename(&previous, history_path(target, 1))
}

/// True when both files start with the same image header, checksum included: the same
/// image (an earlier save kept the target in the history, then stopped before its
/// rename, so the history already holds it).
fn same_image(a: &Path, b: &Path) -> bool {
    let header = |p: &Path| -> Option<Vec<u8>> {
        let mut h = vec![0; cairn_gc::image::HEADER_BYTES];
        std::io::Read::read_exact(&mut File::open(p).ok()?, &mut h).ok()?;
        Some(h)
    };
    matches!((header(a), header(b)), (Some(x), Some(y)) if x == y)
}

impl Steps {
    /// Steps that never pause (the fallback copy of `keep_history`).
    fn from_none() -> Steps {
        Steps {
            next: 0,
            pause_at: None,
        }
    }
}
