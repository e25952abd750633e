//! Reads a registry root from the working tree into [`Sources`]. Symbolic links are followed
//! only when they stay inside the root; one that leads out is kept as [`Content::Escape`] and
//! its target is never read.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Content, SourceFile, Sources};
use crate::{Error, Result};

/// Reads every file under `root`. `root` must hold a `registry.jsonnet`.
pub(crate) fn read_dir(root: &Path) -> Result<Sources> {
    let canonical = fs::canonicalize(root).map_err(|source| Error::ReadDir {
        path: root.to_owned(),
        source,
    })?;
    if !canonical.join(super::SETTINGS_FILE).is_file() {
        return Err(Error::NotARegistry {
            path: root.to_owned(),
        });
    }
    let mut files = Vec::new();
    walk(&canonical, &canonical, &mut files)?;
    let display_root = root.to_string_lossy().trim_end_matches('/').to_owned();
    Ok(Sources::new(display_root, files))
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<SourceFile>) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|source| Error::ReadDir {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::ReadDir {
            path: dir.to_owned(),
            source,
        })?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|source| Error::ReadFile {
            path: path.clone(),
            source,
        })?;
        let relative = relative(root, &path);
        if file_type.is_dir() {
            walk(root, &path, files)?;
        } else if file_type.is_symlink() {
            let target = fs::canonicalize(&path).ok();
            match target {
                Some(target) if target.starts_with(root) => {
                    if target.is_file() {
                        files.push(SourceFile {
                            path: relative,
                            content: read(&path)?,
                        });
                    }
                    // A link to a directory inside the root: its files are read where they are.
                }
                _ => files.push(SourceFile {
                    path: relative,
                    content: Content::Escape {
                        target: fs::read_link(&path)
                            .map(|target| target.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    },
                }),
            }
        } else if file_type.is_file() {
            files.push(SourceFile {
                path: relative,
                content: read(&path)?,
            });
        }
    }
    Ok(())
}

fn read(path: &PathBuf) -> Result<Content> {
    let bytes = fs::read(path).map_err(|source| Error::ReadFile {
        path: path.clone(),
        source,
    })?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Content::Text(Arc::from(text)),
        Err(error) => Content::Binary(Arc::from(error.into_bytes())),
    })
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
