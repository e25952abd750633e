//! The output directory: reading what is there, comparing it with an [`OutputSet`] (`check`),
//! and bringing it up to date (`build`), touching only files whose bytes change, each replaced
//! atomically, and removing only files an earlier build recorded in its manifest.

mod compare;
mod write;

use std::collections::BTreeMap;
use std::path::Path;

pub(crate) use compare::compare;
pub(crate) use write::write;

use crate::{Error, Result};

/// Every file under `dir` by relative `/`-separated path; empty when `dir` does not exist.
pub(crate) fn read_tree(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    if dir.is_dir() {
        walk(dir, "", &mut files)?;
    }
    Ok(files)
}

fn walk(dir: &Path, prefix: &str, files: &mut BTreeMap<String, Vec<u8>>) -> Result<()> {
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
        } else if file_type.is_symlink() && path.is_dir() {
            // Not followed: `build` refuses to write through it, and a link may loop.
        } else {
            let bytes = std::fs::read(&path).map_err(|source| Error::ReadFile { path, source })?;
            files.insert(relative, bytes);
        }
    }
    Ok(())
}
