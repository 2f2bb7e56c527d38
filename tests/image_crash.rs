//! Crash safety of image writes (`docs/design/images.md`, "Writing a file"; issue 13,
//! acceptance 4), with the real binary: 220 `cairn build --keep 3` runs, each stopped
//! by `CAIRN_IMAGE_SAVE_PAUSE` at one of the writer's steps (100 pieces of the
//! temporary file, its fsync, the history moves, the link and rename of the previous
//! image, the rename over the target, the directory's fsync) and killed there with
//! SIGKILL; some steps lie past the end, so those builds complete. After each run the
//! target must load and hold the previous generation or (killed after the rename, or
//! completed) the new one, and every history file present must load and hold an older
//! generation than the file before it.

mod image_common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use cairn_vm::image::{history_path, PAUSE_ENV};
use image_common::{build_args, command, scratch};

const KEEP: usize = 3;
const RUNS: u64 = 220;

/// The generation an image holds (`Gen new value`), loading it with every check.
fn generation(path: &Path) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    let mut vm = cairn_vm::Vm::load_image(&bytes, vec![], cairn_vm::DEFAULT_MAX_HEAP)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    vm.eval("Gen new value").unwrap().parse().unwrap()
}

/// Builds generation `g` with the writer paused at `pause` (if it gets there) and
/// killed; answers the step the writer was killed at, or None when it completed.
fn build(dir: &Path, g: u64, pause: Option<u64>) -> Option<String> {
    std::fs::write(
        dir.join("src/Gen.som"),
        format!("Gen = ( value = ( ^{g} ) )\n"),
    )
    .unwrap();
    let keep = KEEP.to_string();
    let mut c = command(&build_args(dir, &dir.join("app.image"), &["--keep", &keep]));
    if let Some(p) = pause {
        c.env(PAUSE_ENV, p.to_string());
    }
    let mut child = c
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first stderr line, if any, is the pause.
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let killed_at = if line.is_empty() {
        None
    } else {
        child.kill().unwrap(); // SIGKILL, also before a failed check below
        let step = line
            .strip_prefix("cairn: image save paused at ")
            .unwrap_or_else(|| panic!("unexpected stderr: {line}"));
        Some(step.trim_end().to_string())
    };
    let status = child.wait().unwrap();
    assert_eq!(status.success(), killed_at.is_none(), "{status}");
    killed_at
}

#[test]
fn a_save_killed_at_any_step_leaves_the_previous_image_or_the_new_one() {
    let dir = scratch("image-crash");
    let target = dir.join("app.image");
    assert!(build(&dir, 0, None).is_none());
    let mut current = 0;
    let (mut killed, mut completed) = (0, 0);
    for run in 0..RUNS {
        let g = run + 1;
        let killed_at = build(&dir, g, Some(run % 110));
        let now = generation(&target);
        match &killed_at {
            Some(step) if !step.contains("fsync the directory") => {
                assert_eq!(now, current, "killed at {step}: the target changed")
            }
            _ => assert_eq!(now, g, "{killed_at:?}: the target is not the new image"),
        }
        if killed_at.is_some() {
            killed += 1;
        } else {
            completed += 1;
        }
        // The history: complete images, each older than the one before it (`.1` may be
        // the target itself when the kill came between keeping it and the rename).
        let mut newer = now + 1;
        for n in 1..=KEEP {
            let h = history_path(&target, n);
            if h.exists() {
                let hg = generation(&h);
                assert!(
                    hg < newer,
                    "run {run}: {} holds {hg}, after {newer}",
                    h.display()
                );
                newer = hg;
            }
        }
        assert!(!history_path(&target, KEEP + 1).exists());
        current = now;
    }
    assert!(killed >= 200, "{killed} runs killed");
    assert!(completed > 0);
    // A clean build afterwards: the full history, no temporary file left.
    assert!(build(&dir, RUNS + 1, None).is_none());
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("app.image"))
        .collect();
    assert_eq!(names.len(), KEEP + 1, "{names:?}");
    assert_eq!(generation(&target), RUNS + 1);
    assert_eq!(generation(&history_path(&target, 1)), current);
    std::fs::remove_dir_all(&dir).unwrap();
}
