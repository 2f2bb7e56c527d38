//! How an operating-system error reaches Smalltalk: a [`Fault`] carries the kind (a
//! Symbol name such as `notFound` or `connectionReset`), the OS's own reason text and
//! the errno; `Io>>take:` turns it into an `IOError` that the kernel signals
//! (docs/design/io.md, "Errors").

use std::io::ErrorKind;

/// An I/O error as Smalltalk sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    /// The `IOError>>kind` Symbol's name.
    pub(crate) kind: &'static str,
    /// The reason text (the OS's, e.g. "No such file or directory (os error 2)").
    pub(crate) reason: String,
    /// The OS error number, 0 when the error is the VM's.
    pub(crate) errno: i64,
}

impl Fault {
    /// A fault the VM itself reports (no OS error number).
    pub(crate) fn vm(kind: &'static str, reason: impl Into<String>) -> Fault {
        Fault {
            kind,
            reason: reason.into(),
            errno: 0,
        }
    }

    /// The handle names nothing open (closed, or never opened).
    pub(crate) fn closed() -> Fault {
        Fault::vm("closed", "the handle is not open")
    }

    /// The handle cannot do that (e.g. accept on a file).
    pub(crate) fn unsupported(what: &str) -> Fault {
        Fault::vm(
            "unsupported",
            format!("{what} is not supported on this handle"),
        )
    }
}

impl From<std::io::Error> for Fault {
    fn from(e: std::io::Error) -> Fault {
        Fault {
            kind: kind_name(e.kind()),
            reason: e.to_string(),
            errno: e.raw_os_error().map_or(0, i64::from),
        }
    }
}

/// The Symbol name of an error kind (the ones a program is likely to handle by name).
fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "notFound",
        ErrorKind::PermissionDenied => "permissionDenied",
        ErrorKind::AlreadyExists => "alreadyExists",
        ErrorKind::ConnectionRefused => "connectionRefused",
        ErrorKind::ConnectionReset => "connectionReset",
        ErrorKind::ConnectionAborted => "connectionAborted",
        ErrorKind::NotConnected => "notConnected",
        ErrorKind::AddrInUse => "addressInUse",
        ErrorKind::AddrNotAvailable => "addressNotAvailable",
        ErrorKind::BrokenPipe => "brokenPipe",
        ErrorKind::TimedOut => "timedOut",
        ErrorKind::InvalidInput | ErrorKind::InvalidData => "invalidArgument",
        ErrorKind::UnexpectedEof => "endOfFile",
        ErrorKind::IsADirectory => "isADirectory",
        ErrorKind::NotADirectory => "notADirectory",
        ErrorKind::DirectoryNotEmpty => "directoryNotEmpty",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::Fault;

    #[test]
    fn an_os_error_keeps_its_reason_and_number() {
        let f = Fault::from(std::io::Error::from_raw_os_error(2));
        assert_eq!(f.kind, "notFound");
        assert_eq!(f.errno, 2);
        assert!(f.reason.contains("No such file"), "{}", f.reason);
        let f = Fault::from(std::io::Error::from_raw_os_error(104));
        assert_eq!(f.kind, "connectionReset");
    }
}
