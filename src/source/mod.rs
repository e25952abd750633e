//! The registry's files, held in memory: every file under the registry root, read once from
//! the working tree ([`disk`]) or from a git tree at a revision ([`git`]), so that every later
//! stage sees exactly the same bytes and nothing outside the root can ever be read. Both list
//! every entry without following anything, resolve symbolic links the same way ([`link`]), and
//! read only regular files of at most [`MAX_FILE_SIZE`] bytes: a FIFO never blocks a run and a
//! device is never read. Also
//! positions in those files: lines and columns ([`LineIndex`]) and where a value is written
//! ([`locate`]). A leaf: it knows nothing of diagnostics or the data model.

mod disk;
mod git;
mod line_index;
mod link;
pub(crate) mod locate;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

pub(crate) use disk::read_dir;
pub(crate) use git::Revision;
pub(crate) use line_index::LineIndex;

/// The settings file at the registry root.
pub(crate) const SETTINGS_FILE: &str = "registry.jsonnet";

/// The largest file under the registry root that is read: 16 MiB. A larger one is reported,
/// never read, so that no single file can make a run slow or large.
pub(crate) const MAX_FILE_SIZE: u64 = 16 << 20;

/// An index into [`Sources`]; ordered as the files' paths are.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub(crate) struct FileId(u32);

impl FileId {
    /// The index, as [`Sources::id`] takes it back.
    pub(crate) fn index(self) -> u32 {
        self.0
    }
}

/// What a file under the root holds.
#[derive(Clone, Debug)]
pub(crate) enum Content {
    /// UTF-8 text.
    Text(Arc<str>),
    /// Bytes that are not UTF-8.
    Binary(Arc<[u8]>),
    /// A symbolic link that leads outside the registry root: never read.
    Escape { target: String },
    /// Something that is not read at all, and why.
    Unread(Unread),
}

impl Content {
    /// The SHA-256 of what the file holds, telling text, bytes and what was not read apart.
    pub(crate) fn digest(&self) -> [u8; 32] {
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        match self {
            Self::Text(text) => {
                hasher.update(b"t");
                hasher.update(text.as_bytes());
            }
            Self::Binary(bytes) => {
                hasher.update(b"b");
                hasher.update(bytes);
            }
            other => {
                hasher.update(b"o");
                hasher.update(format!("{other:?}").as_bytes());
            }
        }
        hasher.finalize().into()
    }
}

/// Why a file under the root is not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Unread {
    /// A FIFO, a socket or a device: never opened.
    Special { kind: &'static str },
    /// A regular file larger than [`MAX_FILE_SIZE`].
    TooLarge { size: u64 },
    /// A symbolic link that leads back to itself, directly or through other links.
    Loop { target: String },
    /// A symbolic link to a path that does not exist.
    Dangling { target: String },
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |target: &str| crate::text::shown(target, 200);
        match self {
            Self::Special { kind } => write!(f, "is {kind}"),
            Self::TooLarge { size } => write!(
                f,
                "is larger than {} MiB ({size} bytes)",
                MAX_FILE_SIZE >> 20
            ),
            Self::Loop { target } => {
                write!(f, "is a symbolic link loop (to `{}`)", shown(target))
            }
            Self::Dangling { target } => write!(
                f,
                "is a symbolic link to `{}`, which does not exist",
                shown(target)
            ),
        }
    }
}

#[derive(Debug)]
pub(crate) struct SourceFile {
    /// The path relative to the registry root, `/`-separated.
    pub(crate) path: String,
    pub(crate) content: Content,
}

/// Every file under the registry root, sorted by path.
#[derive(Debug)]
pub(crate) struct Sources {
    /// How paths are shown to the user: the root as given, e.g. `registry`.
    display_root: String,
    files: Vec<SourceFile>,
    by_path: HashMap<String, FileId>,
    /// Each file's line index, built the first time a position in it is asked for.
    line_indexes: Vec<OnceLock<LineIndex>>,
}

impl Sources {
    /// Builds a file set; `files` need not be sorted.
    pub(crate) fn new(display_root: String, mut files: Vec<SourceFile>) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let by_path = files
            .iter()
            .enumerate()
            .map(|(index, file)| (file.path.clone(), FileId(u32::try_from(index).unwrap())))
            .collect();
        let line_indexes = files.iter().map(|_| OnceLock::new()).collect();
        Self {
            display_root,
            files,
            by_path,
            line_indexes,
        }
    }

    /// The file at `index`, if there is one.
    pub(crate) fn id(&self, index: u32) -> Option<FileId> {
        (usize::try_from(index).ok()? < self.files.len()).then_some(FileId(index))
    }

    pub(crate) fn get(&self, path: &str) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    pub(crate) fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub(crate) fn text(&self, id: FileId) -> Option<&Arc<str>> {
        match &self.file(id).content {
            Content::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The line index of a text file, built once however many positions are asked for.
    pub(crate) fn line_index(&self, id: FileId) -> Option<&LineIndex> {
        let text = self.text(id)?;
        Some(self.line_indexes[id.0 as usize].get_or_init(|| LineIndex::new(text)))
    }

    /// The 1-based line and column of `offset` in a text file.
    pub(crate) fn position(&self, id: FileId, offset: usize) -> Option<(usize, usize)> {
        let text = self.text(id)?;
        Some(self.line_index(id)?.position(text, offset))
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(index, file)| (FileId(u32::try_from(index).unwrap()), file))
    }

    /// The path to show for a file: the root as the user gave it, then the file's path.
    pub(crate) fn display_path(&self, id: FileId) -> String {
        self.display(&self.file(id).path)
    }

    pub(crate) fn display(&self, path: &str) -> String {
        if self.display_root.is_empty() || self.display_root == "." {
            path.to_owned()
        } else {
            format!("{}/{path}", self.display_root.trim_end_matches('/'))
        }
    }

    /// Every path, for suggestions.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|file| file.path.as_str())
    }
}

/// `directory/path` with `.` and `..` resolved lexically; `None` when it is absolute or
/// climbs above the root.
pub(crate) fn normalize(directory: &str, path: &str) -> Option<String> {
    if path.starts_with('/') || path.starts_with('\\') {
        return None;
    }
    let mut segments: Vec<&str> = directory.split('/').filter(|s| !s.is_empty()).collect();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            segment => segments.push(segment),
        }
    }
    Some(segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(
            normalize("services", "x.libsonnet").as_deref(),
            Some("services/x.libsonnet")
        );
        assert_eq!(
            normalize("services/a", "../../lib/x").as_deref(),
            Some("lib/x")
        );
        assert_eq!(normalize("services", "./x").as_deref(), Some("services/x"));
        assert_eq!(normalize("services", "../../etc/passwd"), None);
        assert_eq!(normalize("", ".."), None);
        assert_eq!(normalize("lib", "/etc/passwd"), None);
    }
}
