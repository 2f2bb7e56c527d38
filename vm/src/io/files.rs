//! File and directory operations as worker [`Job`]s: each owns what it needs (the path,
//! an `Arc` of the open file, the bytes to write) and answers an [`Outcome`]. Standard
//! input and output go through the same jobs, so a program that waits for input blocks
//! only its own process.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;

use super::fault::Fault;
use super::handles::Resource;
use super::requests::Outcome;
use super::runtime::Job;

/// How a file is opened (`Io>>open:mode:signal:`).
pub(crate) fn open_options(mode: &str) -> Result<OpenOptions, Fault> {
    let mut o = OpenOptions::new();
    match mode {
        "read" => o.read(true),
        "write" => o.write(true).create(true).truncate(true),
        "append" => o.append(true).create(true),
        "readWrite" => o.read(true).write(true).create(true),
        "create" => o.read(true).write(true).create_new(true),
        _ => {
            return Err(Fault::vm(
                "invalidArgument",
                format!("'{mode}' is not a file mode (read write append readWrite create)"),
            ))
        }
    };
    Ok(o)
}

/// Opens `path`.
pub(crate) fn open(path: PathBuf, options: OpenOptions) -> Job {
    Box::new(move || match options.open(&path) {
        Ok(f) if f.metadata().is_ok_and(|m| m.is_dir()) => Outcome::Fault(Fault::vm(
            "isADirectory",
            format!("{} is a directory", path.display()),
        )),
        Ok(f) => Outcome::Opened(Resource::File(Arc::new(f))),
        Err(e) => Outcome::Fault(e.into()),
    })
}

/// What a read or write goes to: an open file, or standard input, output or error.
pub(crate) enum Target {
    File(Arc<File>),
    Std(u8),
}

/// Reads up to `n` bytes (none at the end).
pub(crate) fn read(target: Target, n: usize) -> Job {
    Box::new(move || {
        let mut buf = vec![0; n];
        let got = match &target {
            Target::File(f) => (&**f).read(&mut buf),
            Target::Std(0) => std::io::stdin().lock().read(&mut buf),
            Target::Std(_) => Err(std::io::ErrorKind::Unsupported.into()),
        };
        got.map(|k| {
            buf.truncate(k);
            buf
        })
        .into()
    })
}

/// Writes all of `bytes`; answers their count.
pub(crate) fn write(target: Target, bytes: Vec<u8>) -> Job {
    Box::new(move || {
        let done = match &target {
            Target::File(f) => (&**f).write_all(&bytes),
            Target::Std(1) => {
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes).and_then(|()| out.flush())
            }
            Target::Std(2) => std::io::stderr().lock().write_all(&bytes),
            Target::Std(_) => Err(std::io::ErrorKind::Unsupported.into()),
        };
        done.map(|()| bytes.len() as u64).into()
    })
}

/// Moves the file's position to `pos` (from the start); answers it.
pub(crate) fn seek(file: Arc<File>, pos: u64) -> Job {
    Box::new(move || (&*file).seek(SeekFrom::Start(pos)).into())
}

/// The file's size in bytes.
pub(crate) fn size(file: Arc<File>) -> Job {
    Box::new(move || file.metadata().map(|m| m.len()).into())
}

/// Writes the file's data and metadata to the device (fsync).
pub(crate) fn sync(file: Arc<File>) -> Job {
    Box::new(move || file.sync_all().map(|()| true).into())
}

/// Renames `from` to `to` (replacing `to`).
pub(crate) fn rename(from: PathBuf, to: PathBuf) -> Job {
    Box::new(move || std::fs::rename(from, to).map(|()| true).into())
}

/// Deletes a file, or an empty directory.
pub(crate) fn delete(path: PathBuf) -> Job {
    Box::new(move || {
        let r = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => std::fs::remove_dir(&path),
            _ => std::fs::remove_file(&path),
        };
        r.map(|()| true).into()
    })
}

/// True when `path` names something.
pub(crate) fn exists(path: PathBuf) -> Job {
    Box::new(move || path.try_exists().into())
}

/// The names in a directory, sorted.
pub(crate) fn entries(path: PathBuf) -> Job {
    Box::new(move || {
        let listed = std::fs::read_dir(&path).and_then(|dir| {
            let mut names = Vec::new();
            for entry in dir {
                names.push(entry?.file_name().into_encoded_bytes());
            }
            names.sort();
            Ok(names)
        });
        match listed {
            Ok(names) => Outcome::Names(names),
            Err(e) => Outcome::Fault(e.into()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{entries, open, open_options, Outcome};

    #[test]
    fn a_missing_file_is_a_not_found_fault_and_a_bad_mode_is_refused() {
        let job = open("/nonexistent/cairn".into(), open_options("read").unwrap());
        match job() {
            Outcome::Fault(f) => assert_eq!(f.kind, "notFound"),
            _ => panic!("opened a missing file"),
        }
        assert!(open_options("zork").is_err());
        assert!(matches!(entries("/".into())(), Outcome::Names(n) if !n.is_empty()));
    }
}
