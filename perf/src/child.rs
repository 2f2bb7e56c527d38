//! Running one VM process: its stdout is streamed line by line to a callback (for
//! progress), stderr is collected, and the process is reaped with `wait4` so that its
//! own resource usage (peak RSS, CPU time) is known, not that of all children.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What one finished VM process left behind.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
    /// Exit code, or `None` when it was ended by a signal.
    pub exit_code: Option<i32>,
    /// The signal that ended it, if any.
    pub signal: Option<i32>,
    /// Peak resident set size in KiB (`ru_maxrss`).
    pub peak_rss_kib: u64,
    /// Wall time from spawn to reaping, in microseconds.
    pub wall_us: u64,
    /// User plus system CPU time, in microseconds.
    pub cpu_us: u64,
    /// True when cairn-perf killed it for running past the timeout.
    pub timed_out: bool,
}

impl Finished {
    /// True for exit code 0.
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Runs `argv` in `cwd` with extra environment `env`, calling `on_line` for each stdout
/// line as it arrives, and killing the process after `timeout`.
pub fn run(
    argv: &[String],
    cwd: &std::path::Path,
    env: &[(&str, &str)],
    timeout: Option<Duration>,
    mut on_line: impl FnMut(&str),
) -> Result<Finished, String> {
    let (prog, args) = argv.split_first().ok_or("empty command")?;
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start `{prog}`: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (tx, rx) = mpsc::channel::<String>();
    let out_thread = std::thread::spawn(move || {
        if let Some(s) = stdout {
            for line in BufReader::new(s).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        }
    });
    let err_thread = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut s) = stderr {
            let mut bytes = Vec::new();
            let _ = s.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    });

    let mut out_text = String::new();
    let mut take = |line: String, out_text: &mut String| {
        on_line(&line);
        out_text.push_str(&line);
        out_text.push('\n');
    };
    let mut timed_out = false;
    let (status, usage) = loop {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(20)) {
            take(line, &mut out_text);
        }
        if let Some(done) = try_reap(pid)? {
            break done;
        }
        if !timed_out && timeout.is_some_and(|t| start.elapsed() > t) {
            // SAFETY: `pid` is our child and has not been reaped (try_reap just saw it
            // running), so the id cannot have been reused by another process.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            timed_out = true;
        }
    };
    let wall_us = start.elapsed().as_micros() as u64;
    // The process is gone: drain what it printed last.
    while let Ok(line) = rx.recv() {
        take(line, &mut out_text);
    }
    let _ = out_thread.join();
    let stderr = err_thread.join().unwrap_or_default();
    let tv_us = |tv: libc::timeval| tv.tv_sec as u64 * 1_000_000 + tv.tv_usec as u64;
    Ok(Finished {
        stdout: out_text,
        stderr,
        exit_code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        peak_rss_kib: usage.ru_maxrss.max(0) as u64,
        wall_us,
        cpu_us: tv_us(usage.ru_utime) + tv_us(usage.ru_stime),
        timed_out,
    })
}

/// Reaps `pid` if it has exited, returning its wait status and resource usage.
fn try_reap(pid: libc::pid_t) -> Result<Option<(libc::c_int, libc::rusage)>, String> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value that wait4 overwrites.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers refer to live locals of the right types.
    let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
    match r {
        0 => Ok(None),
        r if r == pid => Ok(Some((status, usage))),
        _ => Err(format!("wait4({pid}): {}", std::io::Error::last_os_error())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["/bin/sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn streams_stdout_collects_stderr_and_exit_code() {
        let mut seen = Vec::new();
        let f = run(
            &sh("echo a; echo b >&2; echo c; exit 3"),
            std::path::Path::new("/"),
            &[],
            None,
            |l| seen.push(l.to_string()),
        )
        .unwrap();
        assert_eq!(seen, ["a", "c"]);
        assert_eq!(f.stdout, "a\nc\n");
        assert_eq!(f.stderr, "b\n");
        assert_eq!(f.exit_code, Some(3));
        assert!(!f.success());
        assert!(f.peak_rss_kib > 0);
    }

    #[test]
    fn passes_environment_and_kills_on_timeout() {
        let f = run(
            &sh("echo $CAIRN_GC_STATS"),
            std::path::Path::new("/"),
            &[("CAIRN_GC_STATS", "1")],
            None,
            |_| {},
        )
        .unwrap();
        assert_eq!(f.stdout, "1\n");
        let f = run(
            &sh("exec sleep 10"),
            std::path::Path::new("/"),
            &[],
            Some(Duration::from_millis(200)),
            |_| {},
        )
        .unwrap();
        assert!(f.timed_out);
        assert_eq!(f.signal, Some(libc::SIGKILL));
        assert!(f.wall_us < 5_000_000);
    }

    #[test]
    fn missing_program_is_an_error() {
        let e = run(
            &["/nonexistent/vm".to_string()],
            std::path::Path::new("/"),
            &[],
            None,
            |_| {},
        )
        .unwrap_err();
        assert!(e.contains("cannot start"));
    }
}
