//! Subprocesses: a program started with its standard input, output and error piped
//! (each pipe a handle of its own, non-blocking, watched by the reactor), its exit
//! status waited for at each SIGCHLD (no thread per child), and killed on request.
//! The seed's answer to a library that blocks: run it in another OS process.

use std::process::{Command, Stdio};

use super::handles::Resource;

/// The four handles' resources of a started program: itself, its stdin (to write),
/// its stdout and stderr (to read).
pub(crate) struct Started {
    pub(crate) child: Resource,
    pub(crate) pipes: [Resource; 3],
}

/// Starts `program` with `args` (searched in `PATH` when it has no slash).
pub(crate) fn spawn(program: &str, args: &[String]) -> std::io::Result<Started> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let missing = || std::io::Error::other("a pipe of the subprocess is missing");
    let stdin = mio::unix::pipe::Sender::from(child.stdin.take().ok_or_else(missing)?);
    let stdout = mio::unix::pipe::Receiver::from(child.stdout.take().ok_or_else(missing)?);
    let stderr = mio::unix::pipe::Receiver::from(child.stderr.take().ok_or_else(missing)?);
    stdin.set_nonblocking(true)?;
    stdout.set_nonblocking(true)?;
    stderr.set_nonblocking(true)?;
    Ok(Started {
        child: Resource::Child(child),
        pipes: [
            Resource::PipeIn(stdin),
            Resource::PipeOut(stdout),
            Resource::PipeOut(stderr),
        ],
    })
}
