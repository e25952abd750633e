//! `registry check`: the whole pipeline in memory; every problem reported, and `generated/`
//! compared with what the registry produces.

use crate::cli::CheckArgs;
use crate::emit::emit_each;
use crate::outdir::Comparison;
use crate::output::Output;
use crate::progress::Bar;
use crate::workspace::Workspace;
use crate::{ExitStatus, Result};

pub(crate) fn run(workspace: &Workspace, args: &CheckArgs, out: &mut Output) -> Result<ExitStatus> {
    let compilation = super::compile_dir(workspace)?;
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
