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
    /// `--out` names a directory the tool may not own.
    #[error("cannot use `{}` as the output directory: {reason}", path.display())]
    UnsafeOutputDir { path: PathBuf, reason: String },
    #[error("cannot read revision `{revision}` from git")]
    Git {
        revision: String,
        source: git2::Error,
    },
    #[error("`{}` does not exist at revision `{revision}`", path.display())]
    NotAtRevision { revision: String, path: PathBuf },
    #[error(
        "cannot {action} `{url}`{}",
        problem.map(|problem| format!(": {problem}")).unwrap_or_default()
    )]
    Store {
        action: &'static str,
        url: String,
        problem: Option<crate::store::Problem>,
        source: Box<object_store::Error>,
    },
    #[error("`{url}` is not a usable store: {message}")]
    StoreUrl { url: String, message: String },
    /// A publication refused (it would move `latest` back, or the store cannot be trusted), or a
    /// file that a command will not write over.
    #[error("{message}")]
    Refused {
        message: String,
        help: Option<String>,
    },
    /// What a store holds does not match its hash or its record.
    #[error("`{url}` is corrupt: {message}")]
    Corrupt { url: String, message: String },
    /// A name on the command line that names nothing, or more than one thing.
    #[error("{message}")]
    Lookup {
        message: String,
        help: Option<String>,
    },
    #[error("`{prefix}` names more than one published commit: give more of it")]
    AmbiguousCommit { prefix: String },
    #[error("nothing is published at `{url}`")]
    NothingPublished { url: String },
    #[error("cannot start the I/O runtime")]
    Runtime { source: std::io::Error },
    #[error("cannot start an evaluation thread")]
    Thread { source: std::io::Error },
    #[error("cannot start an evaluation worker process")]
    Worker { source: std::io::Error },
    #[error("internal error: {message}")]
    Internal { message: String },
}

impl Error {
    /// The exit status this error ends a run with: a refusal or corrupt data is a problem
    /// found (1), anything else a failure to run (2).
    pub(crate) fn status(&self) -> crate::ExitStatus {
        match self {
            Self::Refused { .. } | Self::Corrupt { .. } | Self::Lookup { .. } => {
                crate::ExitStatus::Problems
            }
            _ => crate::ExitStatus::Failure,
        }
    }

    /// What to do about it, when there is something to say.
    pub(crate) fn help(&self) -> Option<&str> {
        match self {
            Self::Refused { help, .. } | Self::Lookup { help, .. } => help.as_deref(),
            _ => None,
        }
    }

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
