//! Operations on sockets, pipes and subprocesses, tried without blocking on the VM
//! thread: [`try_op`] either finishes the operation or says it would block, and then
//! the request waits for the reactor's next readiness event on its handle (or, for a
//! subprocess's exit, the next SIGCHLD) and is tried again. Also opening sockets
//! (listen, connect) and parsing their addresses.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr};

use super::fault::Fault;
use super::handles::Resource;
use super::requests::{Outcome, Wait};

/// Tries `op` on `res`: `None` when it would block. Reads go through `scratch` (kept
/// by the caller), so an attempt that would block allocates nothing.
pub(crate) fn try_op(res: &mut Resource, op: &mut Wait, scratch: &mut Vec<u8>) -> Option<Outcome> {
    let result = match (op, res) {
        (Wait::Read(n), Resource::Stream(s)) => read(s, *n, scratch),
        (Wait::Read(n), Resource::PipeOut(p)) => read(p, *n, scratch),
        (Wait::Write(data, done), Resource::Stream(s)) => write(s, data, done),
        (Wait::Write(data, done), Resource::PipeIn(p)) => write(p, data, done),
        (Wait::Accept, Resource::Listener(l)) => l.accept().map(|(s, _)| {
            let _ = s.set_nodelay(true);
            Outcome::Opened(Resource::Stream(s))
        }),
        (Wait::Connect, Resource::Stream(s)) => connected(s),
        (Wait::Exit, Resource::Child(c)) => c.try_wait().and_then(|status| match status {
            Some(st) => Ok(Outcome::Int(exit_code(st))),
            None => Err(ErrorKind::WouldBlock.into()),
        }),
        (op, res) => {
            let what = format!("{} on {}", op.name(), res.describe());
            return Some(Outcome::Fault(Fault::unsupported(&what)));
        }
    };
    match result {
        Ok(o) => Some(o),
        Err(e) if e.kind() == ErrorKind::WouldBlock => None,
        Err(e) => Some(Outcome::Fault(e.into())),
    }
}

impl Wait {
    fn name(&self) -> &'static str {
        match self {
            Wait::Read(_) => "reading",
            Wait::Write(..) => "writing",
            Wait::Accept => "accepting",
            Wait::Connect => "connecting",
            Wait::Exit => "waiting for an exit",
        }
    }
}

fn read(r: &mut impl Read, n: usize, scratch: &mut Vec<u8>) -> std::io::Result<Outcome> {
    if scratch.len() < n {
        scratch.resize(n, 0);
    }
    loop {
        match r.read(&mut scratch[..n]) {
            Ok(k) => return Ok(Outcome::Bytes(scratch[..k].to_vec())),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

fn write(w: &mut impl Write, data: &[u8], done: &mut usize) -> std::io::Result<Outcome> {
    while *done < data.len() {
        match w.write(&data[*done..]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(k) => *done += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(Outcome::Int(data.len() as i64))
}

/// A socket whose connect was started: connected, failed, or still in progress.
fn connected(s: &mut mio::net::TcpStream) -> std::io::Result<Outcome> {
    if let Some(e) = s.take_error()? {
        return Err(e);
    }
    match s.peer_addr() {
        Ok(_) => {
            let _ = s.set_nodelay(true);
            Ok(Outcome::Bool(true))
        }
        Err(e) if e.kind() == ErrorKind::NotConnected => Err(ErrorKind::WouldBlock.into()),
        Err(e) => Err(e),
    }
}

/// A process's exit status as one number: its exit code, or minus the signal that
/// ended it.
fn exit_code(status: std::process::ExitStatus) -> i64 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => i64::from(code),
        (None, Some(sig)) => -i64::from(sig),
        (None, None) => -1,
    }
}

/// The socket address of `host` (an IP address, or `localhost`) and `port`.
pub(crate) fn address(host: &str, port: i64) -> Result<SocketAddr, Fault> {
    let port = u16::try_from(port)
        .map_err(|_| Fault::vm("invalidArgument", format!("{port} is not a TCP port")))?;
    let ip: IpAddr = if host == "localhost" {
        IpAddr::from([127, 0, 0, 1])
    } else {
        host.parse().map_err(|_| {
            Fault::vm(
                "invalidArgument",
                format!("'{host}' is not an IP address (nor localhost)"),
            )
        })?
    };
    Ok(SocketAddr::new(ip, port))
}

/// A listening socket on `addr`.
pub(crate) fn listen(addr: SocketAddr) -> Result<Resource, Fault> {
    Ok(Resource::Listener(mio::net::TcpListener::bind(addr)?))
}

/// A socket connecting to `addr` (the connection finishes later: [`Wait::Connect`]).
pub(crate) fn connect(addr: SocketAddr) -> Result<Resource, Fault> {
    Ok(Resource::Stream(mio::net::TcpStream::connect(addr)?))
}

/// The local port of a socket.
pub(crate) fn local_port(res: &Resource) -> Option<u16> {
    match res {
        Resource::Listener(l) => l.local_addr().ok().map(|a| a.port()),
        Resource::Stream(s) => s.local_addr().ok().map(|a| a.port()),
        _ => None,
    }
}
