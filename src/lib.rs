//! `registry` compiles a Jsonnet registry of teams, cloud projects, clusters and services into
//! what a platform consumes. The pipeline runs one way, each stage in its own module:
//!
//! - [`source`] reads the registry's files into memory, from the working tree or a git revision;
//! - [`evaluate`] runs Jsonnet over them, one entity file at a time;
//! - [`validate`] checks the settings and entities against their JSON Schemas and types them
//!   into the [`model`];
//! - [`scan`] looks for committed credentials;
//! - [`graph`] links the entities, and checks references, cycles and policies;
//! - [`emit`] renders the generated files from the linked graph.
//!
//! [`compilation`] runs those stages in order; [`cache`] keeps what evaluation found for the
//! next run. Around it: [`outdir`] compares the output
//! directory with what was emitted (`check`) or brings it up to date (`build`); [`diff`]
//! compares two compilations; [`store`] publishes and fetches the blob; [`explore`] answers
//! questions about a compiled registry (graphs, explanations, the catalog site) and scaffolds
//! new entities. [`command`] holds one file per verb, [`cli`] their arguments, [`workspace`]
//! where they work; problems in a registry are [`diagnostic`]s, failures of the tool an
//! [`Error`]; all output goes through [`output::Output`], and progress on a terminal through
//! [`progress`]. [`text`], [`pointer`], [`codec`] and [`atomic`] are small helpers shared by several
//! stages; [`fuzz`] drives the stages from arbitrary bytes, for the fuzz targets.

mod atomic;
mod cache;
mod cli;
mod codec;
mod command;
mod compilation;
mod diagnostic;
mod diff;
mod emit;
mod error;
mod evaluate;
mod explore;
#[doc(hidden)]
pub mod fuzz;
mod graph;
mod model;
mod outdir;
mod output;
mod parallel;
mod pointer;
mod progress;
mod scan;
mod source;
mod store;
mod text;
mod validate;
mod workspace;

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
