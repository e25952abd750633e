//! Where a run works, resolved once from the command line and the settings: the registry root,
//! its output directory, and the store that `publish` and `fetch` use by default.

use std::path::{Path, PathBuf};

use crate::model::Settings;

/// The registry root a command works on, as given on the command line.
#[derive(Debug)]
pub(crate) struct Workspace {
    root: PathBuf,
}

/// A store to open: its URL, and the directory a relative `file://` path is taken from.
#[derive(Debug)]
pub(crate) struct StoreTarget {
    pub(crate) url: String,
    pub(crate) base: PathBuf,
}

impl Workspace {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The directory that holds the registry root.
    fn beside(&self) -> PathBuf {
        match self.root.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => self.root.join(".."),
        }
    }

    /// Where outputs go: `out` if given, else the settings' `generatedPath` beside the root.
    pub(crate) fn output_dir(&self, settings: &Settings, out: Option<&Path>) -> PathBuf {
        match out {
            Some(out) => out.to_owned(),
            None if self.root == Path::new(".") || self.root.as_os_str().is_empty() => {
                Path::new("..").join(&settings.generated_path)
            }
            None => match self.root.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => {
                    parent.join(&settings.generated_path)
                }
                _ => PathBuf::from(&settings.generated_path),
            },
        }
    }

    /// The store a command uses: the one `given`, else the settings' `publish.url` (a relative
    /// directory is taken from the registry root), else `published/` beside the registry root.
    pub(crate) fn store(&self, given: Option<&str>, settings: Option<&Settings>) -> StoreTarget {
        if let Some(given) = given {
            return StoreTarget {
                url: given.to_owned(),
                base: PathBuf::from("."),
            };
        }
        if let Some(url) = settings.and_then(|settings| settings.publish.url.as_ref()) {
            return StoreTarget {
                url: url.clone(),
                base: self.root.clone(),
            };
        }
        StoreTarget {
            url: "file://published".to_owned(),
            base: self.beside(),
        }
    }
}
