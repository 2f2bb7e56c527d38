//! The echo server example under load and faults (issue 11, acceptance 3 and 4), and
//! the signals: `cairn run -cp examples/echo EchoServer 0` serves many concurrent
//! connections with every line back in order; a peer that resets mid-line or never
//! sends leaves the others served; SIGQUIT prints the process audit and the server goes
//! on; SIGTERM ends it with exit status 0 and every client sees a clean end of stream
//! (no reset). Loopback only; bounded in count, each wait bounded in time. (Signals
//! without a handler and standard input: `tests/io_cli.rs`.)
//!
//! `CAIRN_TEST_ECHO_CONNECTIONS` and `CAIRN_TEST_ECHO_ROUNDS` change the load (defaults
//! 1000 × 100).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Longest any single read or the server's exit may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(120);

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A running echo server: the child, its port, and its stderr lines as they come.
struct Server {
    child: Child,
    port: u16,
    stderr: mpsc::Receiver<String>,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["run", "-cp", "examples/echo", "EchoServer", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cairn starts");
        let mut out = BufReader::new(child.stdout.take().expect("stdout piped"));
        let mut first = String::new();
        out.read_line(&mut first)
            .expect("the server says where it listens");
        let port = first
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = out.read_to_string(&mut rest);
        });
        let err = child.stderr.take().expect("stderr piped");
        let (tx, stderr) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Server {
            child,
            port,
            stderr,
        }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).expect("the server accepts");
        s.set_read_timeout(Some(PATIENCE)).expect("a read timeout");
        s.set_nodelay(true).expect("no delay");
        s
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{name} failed");
    }

    /// Waits for a stderr line containing `text`.
    fn stderr_line(&self, text: &str) -> String {
        loop {
            match self.stderr.recv_timeout(PATIENCE) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(e) => panic!("no stderr line with {text:?}: {e}"),
            }
        }
    }

    /// Waits for the exit status.
    fn wait(mut self) -> i32 {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().unwrap_or(-1);
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request and its echo on a connection.
fn round_trip(reader: &mut BufReader<TcpStream>, line: &str) {
    reader.get_mut().write_all(line.as_bytes()).expect("write");
    let mut back = String::new();
    reader.read_line(&mut back).expect("read the echo");
    assert_eq!(back, line, "an echo was lost, changed or reordered");
}

#[test]
fn echo_server_load_then_sigterm_exits_0_without_resets() {
    let connections = setting("CAIRN_TEST_ECHO_CONNECTIONS", 1000);
    let rounds = setting("CAIRN_TEST_ECHO_ROUNDS", 100);
    let server = Server::start();
    let mut readers: Vec<BufReader<TcpStream>> = (0..connections)
        .map(|_| BufReader::new(server.connect()))
        .collect();
    // Threads each drive a share of the connections in lockstep: every connection
    // has a request in flight at once, and each echo is checked against its request.
    let threads = 4;
    let mut shares: Vec<Vec<(usize, BufReader<TcpStream>)>> =
        (0..threads).map(|_| Vec::new()).collect();
    for (i, r) in readers.drain(..).enumerate() {
        shares[i % threads].push((i, r));
    }
    let workers: Vec<_> = shares
        .into_iter()
        .map(|mut share| {
            std::thread::spawn(move || {
                for round in 0..rounds {
                    for (i, r) in &mut share {
                        let line = format!("connection {i} round {round} payload\n");
                        r.get_mut().write_all(line.as_bytes()).expect("write");
                    }
                    for (i, r) in &mut share {
                        let mut back = String::new();
                        r.read_line(&mut back).expect("read the echo");
                        assert_eq!(back, format!("connection {i} round {round} payload\n"));
                    }
                }
                share
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.join().expect("a client thread failed"));
    }
    assert_eq!(all.len(), connections);
    server.signal("TERM");
    for (_, r) in &mut all {
        let mut rest = String::new();
        let end = r.read_line(&mut rest);
        assert!(
            matches!(end, Ok(0)),
            "a connection did not end cleanly: {end:?} {rest:?}"
        );
    }
    assert_eq!(server.wait(), 0);
}

#[test]
fn faulty_peers_end_alone_and_sigquit_prints_the_audit() {
    let server = Server::start();
    let mut good = BufReader::new(server.connect());
    round_trip(&mut good, "before\n");

    // A client that connects and never sends.
    let _silent = server.connect();

    // A peer that resets mid-line: it closes with an echo unread (peeked, so it has
    // arrived), which makes the kernel send a reset instead of a clean end.
    let mut resetting = BufReader::new(server.connect());
    round_trip(&mut resetting, "first\n");
    let mut s = resetting.into_inner();
    s.write_all(b"second\nhalf a li").expect("write");
    let mut peeked = [0u8; 7];
    while s.peek(&mut peeked).expect("the echo arrives") < peeked.len() {
        std::thread::yield_now();
    }
    drop(s);
    let ended = server.stderr_line("connection ended");
    assert!(ended.contains("reset"), "{ended}");

    round_trip(&mut good, "still served\n");

    server.signal("QUIT");
    server.stderr_line("process audit");
    server.stderr_line("'acceptor'");
    round_trip(&mut good, "after the audit\n");

    server.signal("TERM");
    let mut rest = String::new();
    assert!(matches!(good.read_line(&mut rest), Ok(0)));
    assert_eq!(server.wait(), 0);
}
