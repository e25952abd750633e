//! `registry` compiles a Jsonnet registry of teams, cloud projects, clusters and services into
//! what a platform consumes. The pipeline runs one way, each stage in its own module:
//! [`source`] reads files, [`evaluate`] runs Jsonnet, [`validate`] checks schemas and types the
//! entities, [`graph`] links and checks references and policies. [`command`] holds one file per
//! verb; all output goes through [`output::Output`].

mod cli;
mod command;
mod diagnostic;
mod diff;
mod emit;
mod error;
mod evaluate;
mod graph;
mod model;
mod outdir;
mod output;
mod pipeline;
mod scan;
mod source;
mod store;
mod validate;

use std::process::ExitCode;

pub use cli::Cli;
pub(crate) use error::{Error, Result};

/// Runs one command line and returns the process's exit status.
#[must_use]
pub fn run(cli: Cli) -> ExitCode {
    let mut out = output::Output::stdout();
    let status = match command::run(cli, &mut out) {
        Ok(status) => status,
        Err(error) => {
            output::Output::error(&error);
            error.status()
        }
    };
    ExitCode::from(status as u8)
}

/// How a run ended, as the process's exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Nothing to report.
    Clean = 0,
    /// Problems in the registry, or generated files that are not what it produces.
    Problems = 1,
    /// The tool could not run: usage, I/O, git.
    Failure = 2,
}
