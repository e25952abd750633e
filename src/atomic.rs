//! Replacing a file atomically and durably: the bytes go to a temporary file beside it, which
//! is flushed to disk and renamed over it, and then the directory is flushed, so that after a
//! crash the file is its old version or its new one, never a mix and never lost. A new file
//! gets the mode the umask gives; a replaced one keeps its mode.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The prefix of temporary files, so that a later run can tell them from anything else.
const TEMPORARY_PREFIX: &str = ".registry-";

/// The suffix of temporary files.
const TEMPORARY_SUFFIX: &str = ".tmp";

/// Replaces `path` with `bytes`.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let (temporary, mut file) = create_temporary(dir)?;
    let written = (|| {
        file.write_all(bytes)?;
        if let Ok(existing) = std::fs::symlink_metadata(path)
            && existing.is_file()
        {
            file.set_permissions(existing.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)?;
        sync_dir(dir)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Flushes a directory's entries (a rename, a removal) to disk.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A new file in `dir` with a name no one else uses, created with the mode the umask gives.
fn create_temporary(dir: &Path) -> io::Result<(PathBuf, File)> {
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
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::write;

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
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["file"]);
    }
}
