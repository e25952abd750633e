//! `registry check`: the whole pipeline in memory; every problem reported, and `generated/`
//! compared with what the registry produces.

use crate::cli::CheckArgs;
use crate::emit::emit_each;
use crate::outdir::Comparison;
use crate::output::Output;
use crate::workspace::Workspace;
use crate::{ExitStatus, Result};

pub(crate) fn run(workspace: &Workspace, args: &CheckArgs, out: &mut Output) -> Result<ExitStatus> {
    let compilation = super::compile_dir(workspace)?;
    let mut drift = Vec::new();
    if let Some(graph) = compilation.graph() {
        let dir = workspace.output_dir(&graph.registry.settings, args.out.as_deref());
        let comparison = Comparison::new(&dir)?;
        emit_each(graph, &|part| comparison.part(part))?;
        drift = comparison
            .finish()
            .diagnostics(&dir.to_string_lossy(), args.verbose);
        if let Some(codeowners) = super::codeowners(workspace, &compilation)? {
            drift.extend(codeowners.drift());
        }
    }
    let failed = super::report(&compilation, drift, &args.report, out);
    Ok(super::status(failed))
}
