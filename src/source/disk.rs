//! Reads a registry root from the working tree into [`Sources`]. The root is listed first
//! without following anything; then each symbolic link is resolved within that listing
//! ([`super::link`]), and only regular files are opened, without following a link, without
//! blocking, and reading at most [`MAX_FILE_SIZE`] bytes. A link that leads out is kept as
//! [`Content::Escape`], anything else that cannot be read as [`Content::Unread`].

use std::collections::HashMap;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{FileType, Mode, OFlags};

use super::link::{Node, Resolved, resolve};
use super::{Content, MAX_FILE_SIZE, SourceFile, Sources, Unread};
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
    let mut nodes = HashMap::new();
    walk(&canonical, "", &mut nodes)?;
    // What each path holds: read on every core.
    let reads: Vec<(&String, Read<'_>)> = nodes
        .iter()
        .filter_map(|(path, node)| {
            let read = match node {
                Node::Dir => return None,
                Node::File(full) => Read::File(full),
                Node::Special(kind) => Read::Done(Content::Unread(Unread::Special { kind })),
                Node::Link(target) => match resolve(&nodes, path) {
                    Resolved::File(real) => match &nodes[real] {
                        Node::File(full) => Read::File(full),
                        _ => return None,
                    },
                    Resolved::Dir => return None,
                    Resolved::Special(kind) => {
                        Read::Done(Content::Unread(Unread::Special { kind }))
                    }
                    Resolved::Escape => Read::Done(Content::Escape {
                        target: target.clone(),
                    }),
                    Resolved::Loop => Read::Done(Content::Unread(Unread::Loop {
                        target: target.clone(),
                    })),
                    Resolved::Dangling => Read::Done(Content::Unread(Unread::Dangling {
                        target: target.clone(),
                    })),
                },
            };
            Some((path, read))
        })
        .collect();
    let contents = crate::parallel::map(&reads, &|(_, read)| match read {
        Read::File(full) => read_file(full),
        Read::Done(content) => Ok(content.clone()),
    });
    let mut files = Vec::with_capacity(reads.len());
    let mut failed = None;
    for ((path, _), content) in reads.iter().zip(contents) {
        match content {
            Ok(content) => files.push(SourceFile {
                path: (*path).clone(),
                content,
            }),
            // The error at the first path, whatever order the files were read in.
            Err(error) => {
                if failed.as_ref().is_none_or(|(first, _)| path < first) {
                    failed = Some((*path, error));
                }
            }
        }
    }
    if let Some((_, error)) = failed {
        return Err(error);
    }
    let display_root = root.to_string_lossy().trim_end_matches('/').to_owned();
    Ok(Sources::new(display_root, files))
}

/// How the content of a path is had.
enum Read<'a> {
    /// By reading this regular file.
    File(&'a PathBuf),
    /// Without reading anything.
    Done(Content),
}

/// Lists `dir` (`prefix` under the root) into `nodes`, following nothing.
fn walk(dir: &Path, prefix: &str, nodes: &mut HashMap<String, Node<PathBuf>>) -> Result<()> {
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
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let file_type = entry.file_type().map_err(|source| Error::ReadFile {
            path: path.clone(),
            source,
        })?;
        let node = if file_type.is_dir() {
            walk(&path, &relative, nodes)?;
            Node::Dir
        } else if file_type.is_symlink() {
            let target = fs::read_link(&path).map_err(|source| Error::ReadFile {
                path: path.clone(),
                source,
            })?;
            Node::Link(target.to_string_lossy().into_owned())
        } else if file_type.is_file() {
            Node::File(path)
        } else {
            Node::Special(special(file_type))
        };
        nodes.insert(relative, node);
    }
    Ok(())
}

/// What a file that is neither a regular file, a directory nor a link is.
fn special(file_type: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// Reads the regular file at `path` (which has no link in it): opened without following a
/// link and without blocking, checked to be a regular file once open, and read to at most
/// [`MAX_FILE_SIZE`] bytes.
fn read_file(path: &PathBuf) -> Result<Content> {
    let error = |source: std::io::Error| Error::ReadFile {
        path: path.clone(),
        source,
    };
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|errno| error(errno.into()))?;
    let stat = rustix::fs::fstat(&fd).map_err(|errno| error(errno.into()))?;
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::RegularFile => {}
        FileType::Fifo => return Ok(Content::Unread(Unread::Special { kind: "a FIFO" })),
        FileType::Socket => return Ok(Content::Unread(Unread::Special { kind: "a socket" })),
        _ => return Ok(Content::Unread(Unread::Special { kind: "a device" })),
    }
    let size = u64::try_from(stat.st_size).unwrap_or(u64::MAX);
    if size > MAX_FILE_SIZE {
        return Ok(Content::Unread(Unread::TooLarge { size }));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    fs::File::from(fd)
        .take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(error)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Ok(Content::Unread(Unread::TooLarge {
            size: bytes.len() as u64,
        }));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Content::Text(Arc::from(text)),
        Err(error) => Content::Binary(Arc::from(error.into_bytes())),
    })
}
