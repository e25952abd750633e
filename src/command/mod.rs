//! One file per verb. Each takes its arguments and the [`Output`], and returns how the run
//! ended.

mod build;
mod check;
mod diff;
mod fetch;
mod publish;

use crate::cli::{Cli, Command, Format, ReportArgs};
use crate::diagnostic::{Diagnostic, Severity, render::render};
use std::path::{Path, PathBuf};

use strum::IntoEnumIterator;

use crate::model::{Kind, Settings};
use crate::output::Output;
use crate::pipeline::Compiled;
use crate::{Error, ExitStatus, Result};

pub(crate) fn run(cli: Cli, out: &mut Output) -> Result<ExitStatus> {
    out.set_color(cli.color);
    if let Some(directory) = &cli.directory {
        std::env::set_current_dir(directory).map_err(|source| Error::ChangeDir {
            path: directory.clone(),
            source,
        })?;
    }
    match cli.command {
        Command::Check(args) => check::run(&cli.root, &args, out),
        Command::Build(args) => build::run(&cli.root, &args, out),
        Command::Diff(args) => diff::run(&cli.root, &args, out),
        Command::Publish(args) => publish::run(&cli.root, &args, out),
        Command::Fetch(args) => fetch::run(&cli.root, &args, out),
    }
}

/// Prints the diagnostics of a run, then a summary line for people; whether it failed.
fn report(
    compiled: &mut Compiled,
    more: Vec<Diagnostic>,
    args: &ReportArgs,
    out: &mut Output,
) -> bool {
    let mut sink = std::mem::take(&mut compiled.sink);
    for diagnostic in more {
        sink.push(diagnostic);
    }
    let diagnostics = sink.into_sorted();
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == severity)
            .count()
    };
    let errors = count(Severity::Error);
    let warnings = count(Severity::Warning);
    out.print(&render(
        &diagnostics,
        &compiled.sources,
        args.format,
        out.styled(),
    ));
    if matches!(args.format, Format::Human | Format::Concise) {
        let summary = match (errors, warnings) {
            (0, 0) => "no problems".to_owned(),
            (errors, warnings) => [(errors, "error"), (warnings, "warning")]
                .iter()
                .filter(|(count, _)| *count > 0)
                .map(|(count, noun)| {
                    format!("{count} {noun}{}", if *count == 1 { "" } else { "s" })
                })
                .collect::<Vec<_>>()
                .join(" and "),
        };
        match &compiled.graph {
            Some(graph) => {
                let counts: Vec<String> = Kind::iter()
                    .map(|kind| {
                        let registry = &graph.registry;
                        let count = registry
                            .entities
                            .keys()
                            .chain(registry.invalid.keys())
                            .filter(|id| id.kind == kind)
                            .count();
                        format!("{count} {kind}{}", if count == 1 { "" } else { "s" })
                    })
                    .collect();
                out.print(&format!("checked {}: {summary}\n", counts.join(", ")));
            }
            None => out.print(&format!("{summary}\n")),
        }
    }
    errors > 0 || (args.deny_warnings && warnings > 0)
}

/// The store URL a command uses: the one given, else the settings' `publish.url` (a relative
/// directory is taken from the registry root), else `published/` beside the registry root.
fn target(root: &Path, given: Option<&str>, settings: Option<&Settings>) -> (String, PathBuf) {
    if let Some(given) = given {
        return (given.to_owned(), PathBuf::from("."));
    }
    if let Some(url) = settings.and_then(|settings| settings.publish.url.as_ref()) {
        return (url.clone(), root.to_owned());
    }
    let beside = match root.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => root.join(".."),
    };
    ("file://published".to_owned(), beside)
}

/// A runtime for a command's store I/O.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Runtime { source })
}

fn status(failed: bool) -> ExitStatus {
    if failed {
        ExitStatus::Problems
    } else {
        ExitStatus::Clean
    }
}
