//! The registry's files, held in memory: every file under the registry root, read once from
//! the working tree ([`disk`]) or from a git tree at a revision ([`git`]), so that every later
//! stage sees exactly the same bytes and nothing outside the root can ever be read. Also
//! positions in those files: lines and columns ([`LineIndex`]) and where a value is written
//! ([`locate`]). A leaf: it knows nothing of diagnostics or the data model.

mod disk;
mod git;
mod line_index;
pub(crate) mod locate;

use std::collections::HashMap;
use std::sync::Arc;

pub(crate) use disk::read_dir;
pub(crate) use git::Revision;
pub(crate) use line_index::LineIndex;

/// The settings file at the registry root.
pub(crate) const SETTINGS_FILE: &str = "registry.jsonnet";

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
#[derive(Debug)]
pub(crate) enum Content {
    /// UTF-8 text.
    Text(Arc<str>),
    /// Bytes that are not UTF-8.
    Binary(Arc<[u8]>),
    /// A symbolic link that leads outside the registry root: never read.
    Escape { target: String },
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
        Self {
            display_root,
            files,
            by_path,
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
