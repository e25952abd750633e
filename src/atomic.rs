//! Replacing a file atomically and durably: the bytes go to a temporary file beside it, which
//! is flushed to disk and renamed over it, and then the directory is flushed, so that after a
//! crash the file is its old version or its new one, never a mix and never lost. A new file
//! gets the mode the umask gives; a replaced one keeps its permission bits. The file itself is
//! never followed: a symbolic link in its place is replaced, not written through. Temporary
//! files are named so that a later run can recognise and remove those a killed run left.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

/// The prefix of temporary files, so that a later run can tell them from anything else.
const TEMPORARY_PREFIX: &str = ".registry-";

/// The suffix of temporary files.
const TEMPORARY_SUFFIX: &str = ".tmp";

/// Whether a file named `name` is a temporary file of this tool: `.registry-*.tmp`.
pub(crate) fn is_temporary(name: &str) -> bool {
    name.len() > TEMPORARY_PREFIX.len() + TEMPORARY_SUFFIX.len()
        && name.starts_with(TEMPORARY_PREFIX)
        && name.ends_with(TEMPORARY_SUFFIX)
}

/// Replaces `path` with `bytes`. The directories on the way are taken as they are; the file
/// itself is never followed.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    write_at(dir.as_fd(), name, bytes)
}

/// Replaces the file `name` in the open directory `dir` with `bytes`.
pub(crate) fn write_at(dir: BorrowedFd<'_>, name: &OsStr, bytes: &[u8]) -> io::Result<()> {
    replace_at(dir, name, bytes)?;
    rustix::fs::fsync(dir)?;
    Ok(())
}

/// Replaces the file `name` in the open directory `dir` with `bytes`, the file flushed before
/// it is renamed into place, but not the directory: a caller replacing many files in one
/// directory flushes it once, after the last, and before it relies on any of them.
pub(crate) fn replace_at(dir: BorrowedFd<'_>, name: &OsStr, bytes: &[u8]) -> io::Result<()> {
    replace(dir, name, bytes, true)
}

/// Replaces the file `name` in the open directory `dir` with `bytes`, atomically but without
/// flushing anything to disk: for a file that may be lost in a crash, never torn.
pub(crate) fn replace_volatile_at(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    bytes: &[u8],
) -> io::Result<()> {
    replace(dir, name, bytes, false)
}

fn replace(dir: BorrowedFd<'_>, name: &OsStr, bytes: &[u8], durable: bool) -> io::Result<()> {
    let (temporary, file) = create_temporary(dir)?;
    let mut file = File::from(file);
    let written = (|| -> io::Result<()> {
        file.write_all(bytes)?;
        if let Ok(existing) = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
            && FileType::from_raw_mode(existing.st_mode) == FileType::RegularFile
        {
            rustix::fs::fchmod(&file, Mode::from_raw_mode(existing.st_mode & 0o777))?;
        }
        if durable {
            file.sync_all()?;
        }
        drop(file);
        rustix::fs::renameat(dir, &temporary, dir, name)?;
        Ok(())
    })();
    if written.is_err() {
        let _ = rustix::fs::unlinkat(dir, &temporary, AtFlags::empty());
    }
    written
}

/// A new file in `dir` with a name no one else uses, created with the mode the umask gives.
fn create_temporary(dir: BorrowedFd<'_>) -> io::Result<(String, OwnedFd)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    loop {
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{TEMPORARY_PREFIX}{}-{nanos:08x}-{count}{TEMPORARY_SUFFIX}",
            std::process::id()
        );
        match rustix::fs::openat(
            dir,
            name.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o666),
        ) {
            Ok(file) => return Ok((name, file)),
            Err(rustix::io::Errno::EXIST) => {}
            Err(error) => return Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::{is_temporary, write};

    fn names(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_keeping_the_mode_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        write(&path, b"one").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(names(dir.path()), ["file"]);
    }

    #[test]
    fn replaces_a_link_instead_of_writing_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        write(&link, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(std::fs::read(&link).unwrap(), b"new");
        // The link's target's mode is not taken over.
        let mode = std::fs::metadata(&link).unwrap().permissions().mode() & 0o777;
        assert_ne!(mode, 0o600);
        assert_eq!(names(dir.path()), ["link", "victim"]);
    }

    #[test]
    fn recognises_its_temporary_files() {
        assert!(is_temporary(".registry-12-0000abcd-0.tmp"));
        assert!(is_temporary(".registry-journal.tmp"));
        assert!(!is_temporary(".registry-.tmp"));
        assert!(!is_temporary("registry.json"));
        assert!(!is_temporary(".registry-12.json"));
    }
}
