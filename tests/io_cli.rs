//! `cairn run` and the outside world: standard input read while other processes run
//! (and while nothing else could wake a process: no deadlock report), SIGTERM and
//! SIGINT without a handler (exit status 128 + the signal), and a program that waits
//! for a signal with `OSSignal`.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A directory holding one program, removed when dropped.
struct Program {
    dir: PathBuf,
    name: &'static str,
}

impl Program {
    fn new(name: &'static str, source: &str) -> Program {
        let dir = std::env::temp_dir().join(format!("cairn-io-cli-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join(format!("{name}.som")), source).expect("write the program");
        Program { dir, name }
    }

    fn start(&self) -> Child {
        Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(["run", "-cp"])
            .arg(&self.dir)
            .arg(self.name)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cairn starts")
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads the child's first stdout line ("ready"), then sends it `signal`; answers
/// the exit status and the rest of stdout.
fn signal_when_ready(mut child: Child, signal: &str) -> (Option<i32>, String) {
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("ready");
    assert_eq!(line, "ready\n");
    let sent = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(sent);
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut out, &mut rest);
    (child.wait().expect("exit").code(), rest)
}

const SLEEPER: &str = "Sleeper = ( run = ( 'ready' println. (Delay forSeconds: 100) wait ) )";

#[test]
fn sigterm_and_sigint_without_a_handler_end_the_program_with_128_plus_the_signal() {
    let p = Program::new("Sleeper", SLEEPER);
    assert_eq!(signal_when_ready(p.start(), "TERM").0, Some(143));
    assert_eq!(signal_when_ready(p.start(), "INT").0, Some(130));
}

#[test]
fn a_program_waits_for_a_signal_and_goes_on() {
    let p = Program::new(
        "Waiter",
        "Waiter = ( run = ( | s | s := OSSignal semaphoreFor: #SIGUSR1.
            'ready' println. s wait. 'got SIGUSR1' println ) )",
    );
    let (status, rest) = signal_when_ready(p.start(), "USR1");
    assert_eq!(status, Some(0));
    assert_eq!(rest, "got SIGUSR1\n");
}

#[test]
fn standard_input_waits_only_its_process_and_is_no_deadlock() {
    let p = Program::new(
        "Lines",
        "Lines = ( run = ( | line n ticks ticker |
            n := 0. ticks := 0.
            ticker := [ [ true ] whileTrue: [ (Delay forMilliseconds: 5) wait. ticks := ticks + 1 ] ] fork.
            [ (line := File stdin nextLine) isNil ] whileFalse: [
                n := n + 1. ('got ' + line) println ].
            ticker terminate.
            ('lines ' + n printString + ', ticked ' + (ticks > 0) printString) println.
            'alone' println.
            File stdin nextLine printString println ) )",
    );
    let mut child = p.start();
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(b"one\n").expect("write");
    std::thread::sleep(Duration::from_millis(200));
    input.write_all(b"two\n").expect("write");
    drop(input);
    let out = child.wait_with_output().expect("exit");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "got one\ngot two\nlines 2, ticked true\nalone\nnil\n"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
