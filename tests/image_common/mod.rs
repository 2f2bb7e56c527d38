//! Helpers shared by the image CLI tests (`tests/image_*.rs`): a scratch directory, the
//! `cairn` binary run with a fixed `SOURCE_DATE_EPOCH`, and a hello-world image built
//! with a boot class and a main class.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory `cairn-NAME-PID` with an empty `src/` in it.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cairn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    dir
}

/// The `cairn` command with `args`, ready to run.
pub fn command<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cairn"));
    c.args(args).env("SOURCE_DATE_EPOCH", "1700000000");
    c
}

/// Runs `cairn` with `args` to the end.
pub fn cairn<S: AsRef<OsStr>>(args: &[S]) -> Output {
    command(args).output().unwrap()
}

/// `cairn build --source DIR/src -o OUT` with `extra` flags before `-o`.
pub fn build_args(dir: &Path, out: &Path, extra: &[&str]) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> =
        vec!["build".into(), "--source".into(), dir.join("src").into()];
    args.extend(extra.iter().map(|a| a.into()));
    args.extend(["-o".into(), out.into()]);
    args
}

/// A hello-world image `DIR/app.image`: main class `Hello` (prints a greeting and its
/// arguments), boot class `Boot` (prints `boot ran` at build time).
pub fn built_image(dir: &Path) -> PathBuf {
    std::fs::write(
        dir.join("src/Hello.som"),
        "Hello = (\n  run: args = ( 'hello from the image' println. args do: [:a | a println] )\n)\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("Boot.som"),
        "Boot = ( run = ( 'boot ran' println ) )\n",
    )
    .unwrap();
    let out = dir.join("app.image");
    let boot = dir.join("Boot.som");
    let o = cairn(&build_args(
        dir,
        &out,
        &["--boot", boot.to_str().unwrap(), "--main", "Hello"],
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "boot ran\n");
    out
}

/// Checks a refusal of the file `path`: status 2, nothing on stdout, one line on stderr
/// starting `cairn: PATH: `. Answers the text after that prefix.
pub fn refusal_text(o: &Output, path: &Path, case: &str) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{case}: {stderr}");
    assert!(o.stdout.is_empty(), "{case}: something ran");
    let prefix = format!("cairn: {}: ", path.display());
    assert!(
        stderr.starts_with(&prefix) && stderr.lines().count() == 1,
        "{case}: {stderr}"
    );
    stderr[prefix.len()..].to_string()
}
