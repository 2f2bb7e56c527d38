//! Load for the echo server (docs/perf/scheduler.md, "Echo round trips"): CONNECTIONS
//! connections to 127.0.0.1:PORT driven by THREADS threads, each connection making
//! ROUNDS round trips (a line out, its echo back, checked); every connection of a
//! thread has a request in flight at once. Prints round trips per second.
//!
//! `cargo run --release -p cairn-perf --bin echo_load -- PORT [CONNECTIONS] [ROUNDS] [THREADS]`

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Instant;

fn arg(args: &[String], i: usize, default: usize) -> Result<usize, String> {
    match args.get(i) {
        None => Ok(default),
        Some(a) => a.parse().map_err(|_| format!("'{a}' is not a number")),
    }
}

fn drive(port: u16, first: usize, count: usize, rounds: usize) -> Result<(), String> {
    let mut conns = Vec::with_capacity(count);
    for _ in 0..count {
        let s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
        s.set_nodelay(true).map_err(|e| e.to_string())?;
        conns.push(BufReader::new(s));
    }
    let mut line = String::new();
    for round in 0..rounds {
        for (k, c) in conns.iter_mut().enumerate() {
            let msg = format!("connection {} round {round}\n", first + k);
            c.get_mut()
                .write_all(msg.as_bytes())
                .map_err(|e| format!("write: {e}"))?;
        }
        for (k, c) in conns.iter_mut().enumerate() {
            line.clear();
            c.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
            if line != format!("connection {} round {round}\n", first + k) {
                return Err(format!("wrong echo {line:?}"));
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = (|| -> Result<_, String> {
        let port = u16::try_from(arg(&args, 0, 0)?).map_err(|e| e.to_string())?;
        Ok((
            port,
            arg(&args, 1, 100)?,
            arg(&args, 2, 1000)?,
            arg(&args, 3, 4)?.max(1),
        ))
    })();
    let Ok((port, connections, rounds, threads)) = parsed else {
        eprintln!("usage: echo_load PORT [CONNECTIONS] [ROUNDS] [THREADS]");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let first = connections * t / threads;
            let count = connections * (t + 1) / threads - first;
            std::thread::spawn(move || drive(port, first, count, rounds))
        })
        .collect();
    for w in workers {
        if let Err(e) = w.join().unwrap_or_else(|_| Err("a thread panicked".into())) {
            eprintln!("echo_load: {e}");
            return ExitCode::FAILURE;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let total = connections * rounds;
    println!(
        "{connections} connections x {rounds} round trips ({threads} client threads) in {:.0} ms: {:.0} round trips/s",
        secs * 1000.0,
        total as f64 / secs
    );
    ExitCode::SUCCESS
}
