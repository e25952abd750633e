//! The output directory: comparing it with an [`OutputSet`] (`check`), and bringing it up to
//! date (`build`), touching only files whose bytes change, each replaced atomically, and
//! removing only files an earlier build recorded in its manifest. Files are read one at a
//! time, never the whole tree at once.

mod codeowners;
mod compare;
mod write;

use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::path::Path;

pub(crate) use codeowners::Codeowners;
pub(crate) use compare::Comparison;
pub(crate) use write::Writer;

use crate::{Error, Result};

/// The relative `/`-separated path of every file under `dir`; empty when `dir` does not
/// exist. Symbolic links to directories are not followed.
pub(crate) fn list(dir: &Path) -> Result<BTreeSet<String>> {
    let mut files = BTreeSet::new();
    if dir.is_dir() {
        walk(dir, "", &mut files)?;
    }
    Ok(files)
}

fn walk(dir: &Path, prefix: &str, files: &mut BTreeSet<String>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::ReadDir {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::ReadDir {
            path: dir.to_owned(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let path = entry.path();
        let file_type = entry.file_type().map_err(|source| Error::ReadFile {
            path: path.clone(),
            source,
        })?;
        if file_type.is_dir() {
            walk(&path, &relative, files)?;
        } else if !(file_type.is_symlink() && path.is_dir()) {
            files.insert(relative);
        }
    }
    Ok(())
}

/// The bytes of `dir/path`, `None` when there is no such file.
fn read(dir: &Path, path: &str) -> Result<Option<Vec<u8>>> {
    let full = dir.join(path);
    match std::fs::read(&full) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::ReadFile { path: full, source }),
    }
}
