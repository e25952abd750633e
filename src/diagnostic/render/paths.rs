//! How a diagnostic names a file. People read paths as they gave the root (relative to the
//! current directory or `-C`, or absolute); GitHub attaches an annotation only to a path
//! relative to the repository's root, so for its format the repository is found once and
//! every path is written from there.

use std::path::{Component, Path, PathBuf};

use crate::source::{FileId, Sources};

/// How file paths are written.
#[derive(Debug, Default)]
pub(crate) enum Paths {
    /// As the root was given: `registry/teams/x.jsonnet`.
    #[default]
    AsGiven,
    /// Relative to the root of the git repository holding the registry root.
    Repository(Repository),
}

/// The repository holding a registry root.
#[derive(Debug)]
pub(crate) struct Repository {
    /// The repository's working tree, canonical.
    workdir: PathBuf,
    /// The registry root relative to it, `/`-separated; empty when they are the same.
    root: String,
}

impl Paths {
    /// Paths relative to the repository that holds `root`, or as given when there is none.
    pub(crate) fn repository(root: &Path) -> Self {
        let discovered = (|| {
            let repo = git2::Repository::discover(root).ok()?;
            let workdir = std::fs::canonicalize(repo.workdir()?).ok()?;
            let inside = std::fs::canonicalize(root).ok()?;
            let root = slashed(inside.strip_prefix(&workdir).ok()?);
            Some(Repository { workdir, root })
        })();
        discovered.map_or(Self::AsGiven, Self::Repository)
    }

    /// The path of a registry file.
    pub(super) fn file(&self, sources: &Sources, id: FileId) -> String {
        match self {
            Self::AsGiven => sources.display_path(id),
            Self::Repository(repository) => {
                let path = &sources.file(id).path;
                if repository.root.is_empty() {
                    path.clone()
                } else {
                    format!("{}/{path}", repository.root)
                }
            }
        }
    }

    /// The path of a file outside the registry (a generated one), given as it is shown to
    /// people.
    pub(super) fn output(&self, shown: &str) -> String {
        match self {
            Self::AsGiven => shown.to_owned(),
            Self::Repository(repository) => repository
                .relative(Path::new(shown))
                .unwrap_or_else(|| shown.to_owned()),
        }
    }
}

impl Repository {
    /// `path` (relative to the current directory, or absolute; it need not exist) relative to
    /// the working tree; `None` when it is outside.
    fn relative(&self, path: &Path) -> Option<String> {
        let absolute = if path.is_absolute() {
            path.to_owned()
        } else {
            std::env::current_dir().ok()?.join(path)
        };
        // The nearest existing ancestor is resolved (it may be reached through a symbolic
        // link); the rest is appended as written.
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        let canonical = loop {
            if let Ok(canonical) = std::fs::canonicalize(existing) {
                break canonical;
            }
            rest.push(existing.file_name()?);
            existing = existing.parent()?;
        };
        let mut full = canonical;
        for name in rest.iter().rev() {
            full.push(name);
        }
        Some(slashed(full.strip_prefix(&self.workdir).ok()?))
    }
}

/// `path` with `/` between its components.
fn slashed(path: &Path) -> String {
    path.components()
        .filter_map(|component| match component {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}
