//! `registry check`: the whole pipeline in memory; every problem reported, and `generated/`
//! compared with what the registry produces.

use std::sync::Arc;

use crate::cli::CheckArgs;
use crate::compilation::{Clean, Compilation};
use crate::diagnostic::Diagnostic;
use crate::emit::emit_each;
use crate::outdir::{Codeowners, Comparison};
use crate::output::Output;
use crate::progress::Bar;
use crate::source::{Sources, read_dir};
use crate::workspace::Workspace;
use crate::{ExitStatus, Result};

pub(crate) fn run(workspace: &Workspace, args: &CheckArgs, out: &mut Output) -> Result<ExitStatus> {
    let sources = Arc::new(read_dir(workspace.root())?);
    if let Some(clean) = Clean::recall(crate::cache::get(), &sources)
        && let Some(status) = recalled(workspace, &sources, clean, args, out)?
    {
        return Ok(status);
    }
    let compilation = Compilation::new(sources)?;
    Clean::remember(crate::cache::get(), &compilation);
    let mut drift = Vec::new();
    if let Some(graph) = compilation.graph() {
        match workspace.output_dir(
            &graph.registry.settings,
            compilation.sources(),
            args.out.as_deref(),
        )? {
            Ok(dir) => {
                let comparison = Comparison::new(&dir, args.report.verbose, compilation.inputs())?;
                if !comparison.unchanged() {
                    let progress = Bar::counter("comparing", "outputs");
                    emit_each(graph, &|part| {
                        let files = part.files.len();
                        comparison.part(part)?;
                        progress.add(files);
                        Ok(())
                    })?;
                }
                drift = comparison.finish().diagnostics(dir.shown());
            }
            Err(diagnostic) => drift.push(*diagnostic),
        }
        if let Some(codeowners) = super::codeowners(workspace, &compilation)? {
            drift.extend(codeowners.drift());
        }
    }
    let failed = super::report(workspace, &compilation, drift, &args.report, out);
    Ok(super::status(failed))
}

/// The check of `sources` from their clean compilation, recalled: the same report, when the
/// outputs need no rendering to be compared; `None` when they do, and the registry must be
/// compiled after all.
fn recalled(
    workspace: &Workspace,
    sources: &Sources,
    clean: Clean,
    args: &CheckArgs,
    out: &mut Output,
) -> Result<Option<ExitStatus>> {
    let mut drift: Vec<Diagnostic> = Vec::new();
    match workspace.output_dir(&clean.settings, sources, args.out.as_deref())? {
        Ok(dir) => {
            let comparison = Comparison::new(&dir, args.report.verbose, &clean.inputs)?;
            if !comparison.unchanged() {
                return Ok(None);
            }
            drift = comparison.finish().diagnostics(dir.shown());
        }
        Err(diagnostic) => drift.push(*diagnostic),
    }
    if let Some(file) = clean.codeowners {
        let codeowners = Codeowners::new(workspace.root(), &clean.settings, file)?;
        drift.extend(codeowners.drift());
    }
    let found = super::Found {
        sources,
        diagnostics: &[],
        counts: Some(clean.counts),
    };
    let failed = super::report_found(workspace, &found, drift, &args.report, out);
    Ok(Some(super::status(failed)))
}
