//! Tool failures: the registry could not be read, a file could not be written. Problems *in* a
//! registry are never errors; they are [`crate::diagnostic::Diagnostic`]s.

use std::path::PathBuf;

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("no registry at `{}`: it has no `registry.jsonnet`", path.display())]
    NotARegistry { path: PathBuf },
    #[error("cannot read `{}`", path.display())]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read directory `{}`", path.display())]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot change to directory `{}`", path.display())]
    ChangeDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{}`", path.display())]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("refusing to write `{}`: it is outside the output directory", path.display())]
    OutsideOutput { path: PathBuf },
    #[error("cannot read revision `{revision}` from git")]
    Git {
        revision: String,
        source: git2::Error,
    },
    #[error("`{}` does not exist at revision `{revision}`", path.display())]
    NotAtRevision { revision: String, path: PathBuf },
    #[error("cannot start an evaluation thread")]
    Thread { source: std::io::Error },
    #[error("internal error: {message}")]
    Internal { message: String },
}

impl Error {
    /// The chain of causes below this error, outermost first.
    pub(crate) fn causes(&self) -> Vec<String> {
        let mut causes = Vec::new();
        let mut next = std::error::Error::source(self);
        while let Some(cause) = next {
            causes.push(cause.to_string());
            next = cause.source();
        }
        causes
    }
}
