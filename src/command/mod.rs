//! One file per verb. Each takes the [`Workspace`], its arguments and the [`Output`], and
//! returns how the run ended.

mod build;
mod check;
mod completions;
mod diff;
mod explain;
pub(crate) mod fetch;
mod graph;
mod new;
mod publish;
mod schema;
mod site;

use std::sync::Arc;

use crate::cli::{Cli, Command, ReportArgs};
use crate::compilation::Compilation;
use crate::diagnostic::render::{Format, Options, Paths, render};
use crate::diagnostic::{Diagnostic, Severity, Sink};
use crate::model::Kind;
use crate::output::Output;
use crate::source::{Sources, read_dir};
use crate::workspace::Workspace;
use crate::{Error, ExitStatus, Result};

pub(crate) fn run(cli: Cli, out: &mut Output) -> Result<ExitStatus> {
    if matches!(cli.command, Command::Evaluate) {
        return crate::evaluate::serve();
    }
    crate::evaluate::use_workers(crate::evaluate::Limits {
        timeout: cli.eval.eval_timeout,
        memory_mib: cli.eval.eval_memory,
    });
    out.set_color(cli.color);
    if crate::progress::wanted(cli.quiet, !cli.command.for_people()) {
        crate::progress::allow();
    }
    if let Some(directory) = &cli.directory {
        std::env::set_current_dir(directory).map_err(|source| Error::ChangeDir {
            path: directory.clone(),
            source,
        })?;
    }
    if !cli.no_cache {
        let dir = std::env::var_os("REGISTRY_CACHE_DIR")
            .filter(|dir| !dir.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(|| crate::cache::default_dir(&cli.root));
        if let Some(dir) = dir {
            crate::cache::use_dir(dir);
        }
    }
    let workspace = Workspace::new(cli.root);
    match cli.command {
        Command::Check(args) => check::run(&workspace, &args, out),
        Command::Build(args) => build::run(&workspace, &args, out),
        Command::Diff(args) => diff::run(&workspace, &args, out),
        Command::Publish(args) => publish::run(&workspace, &args, out),
        Command::Fetch(args) => fetch::run(&workspace, &args, out),
        Command::Graph(args) => graph::run(&workspace, &args, out),
        Command::Explain(args) => explain::run(&workspace, &args, out),
        Command::New(args) => new::run(&workspace, &args, out),
        Command::Site(args) => site::run(&workspace, &args, out),
        Command::Completions(args) => completions::run(&args, out),
        Command::Man(args) => completions::man(&args, out),
        Command::Schema(args) => schema::run(&args, out),
        Command::Evaluate => crate::evaluate::serve(),
    }
}

/// Compiles the registry in the working tree.
fn compile_dir(workspace: &Workspace) -> Result<Compilation> {
    Compilation::new(Arc::new(read_dir(workspace.root())?))
}

/// Prints the diagnostics of a compilation and `more` (found by the command itself), then,
/// for people, a summary line; whether they fail the run.
fn report(
    workspace: &Workspace,
    compilation: &Compilation,
    more: Vec<Diagnostic>,
    args: &ReportArgs,
    out: &mut Output,
) -> bool {
    let found = Found {
        sources: compilation.sources(),
        diagnostics: compilation.diagnostics(),
        counts: compilation.counts(),
    };
    report_found(workspace, &found, more, args, out)
}

/// What a compilation found, as [`report`] prints it.
struct Found<'a> {
    sources: &'a Sources,
    diagnostics: &'a [Diagnostic],
    /// How many entities of each kind; `None` when the settings are unusable.
    counts: Option<Vec<(Kind, usize)>>,
}

/// [`report`], of what a compilation found, kept or fresh.
fn report_found(
    workspace: &Workspace,
    found: &Found,
    more: Vec<Diagnostic>,
    args: &ReportArgs,
    out: &mut Output,
) -> bool {
    let diagnostics = merged(found.diagnostics, more);
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == severity)
            .count()
    };
    let errors = count(Severity::Error);
    let warnings = count(Severity::Warning);
    let options = Options {
        styled: out.styled(),
        verbose: args.verbose,
        paths: if args.format == Format::Github {
            Paths::repository(workspace.root())
        } else {
            Paths::AsGiven
        },
    };
    out.print(&render(&diagnostics, found.sources, args.format, &options));
    if matches!(args.format, Format::Human | Format::Concise) {
        out.print(&summary(found.counts.as_deref(), errors, warnings));
    }
    errors > 0 || (args.deny_warnings && warnings > 0)
}

/// The diagnostics `found` and `more`, sorted, each once.
fn merged(found: &[Diagnostic], more: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if more.is_empty() {
        found.to_vec()
    } else {
        let mut sink = Sink::default();
        for diagnostic in found.iter().cloned().chain(more) {
            sink.push(diagnostic);
        }
        sink.into_sorted()
    }
}

/// "checked 1 team, …: 2 errors and 1 warning".
fn summary(counts: Option<&[(Kind, usize)]>, errors: usize, warnings: usize) -> String {
    let plural =
        |count: usize, noun: &str| format!("{count} {noun}{}", if count == 1 { "" } else { "s" });
    let summary = match (errors, warnings) {
        (0, 0) => "no problems".to_owned(),
        (0, warnings) => plural(warnings, "warning"),
        (errors, 0) => plural(errors, "error"),
        (errors, warnings) => {
            format!(
                "{} and {}",
                plural(errors, "error"),
                plural(warnings, "warning")
            )
        }
    };
    match counts {
        Some(counts) => {
            let counts: Vec<String> = counts
                .iter()
                .map(|(kind, count)| plural(*count, &kind.to_string()))
                .collect();
            format!("checked {}: {summary}\n", counts.join(", "))
        }
        None => format!("{summary}\n"),
    }
}

/// CODEOWNERS as the registry produces it and what is in its place, when the settings ask for
/// it and the registry has no errors.
fn codeowners(
    workspace: &Workspace,
    compilation: &Compilation,
) -> Result<Option<crate::outdir::Codeowners>> {
    let Some(graph) = compilation.graph() else {
        return Ok(None);
    };
    let Some(file) = crate::emit::codeowners(graph, compilation.sources()) else {
        return Ok(None);
    };
    crate::outdir::Codeowners::new(workspace.root(), &graph.registry.settings, file).map(Some)
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
