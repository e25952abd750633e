//! `registry build`: writes the generated files when the registry has no errors, and nothing
//! at all when it has; then reports what it could not write or remove.

use crate::cli::BuildArgs;
use crate::diagnostic::Severity;
use crate::diagnostic::render::Format;
use crate::emit::emit_each;
use crate::outdir::Writer;
use crate::output::Output;
use crate::workspace::Workspace;
use crate::{ExitStatus, Result};

pub(crate) fn run(workspace: &Workspace, args: &BuildArgs, out: &mut Output) -> Result<ExitStatus> {
    let compilation = super::compile_dir(workspace)?;
    let denied = args.report.deny_warnings && compilation.count(Severity::Warning) > 0;
    let Some(graph) = compilation.graph().filter(|_| !denied) else {
        super::report(workspace, &compilation, Vec::new(), &args.report, out);
        return Ok(ExitStatus::Problems);
    };
    let dir = match workspace.output_dir(
        &graph.registry.settings,
        compilation.sources(),
        args.out.as_deref(),
    )? {
        Ok(dir) => dir,
        Err(diagnostic) => {
            super::report(
                workspace,
                &compilation,
                vec![*diagnostic],
                &args.report,
                out,
            );
            return Ok(ExitStatus::Problems);
        }
    };
    let writer = Writer::new(&dir)?;
    emit_each(graph, &|part| writer.part(part))?;
    let written = writer.finish()?;
    let failed = super::report(
        workspace,
        &compilation,
        written.diagnostics,
        &args.report,
        out,
    );
    if matches!(args.report.format, Format::Human | Format::Concise) {
        out.print(&format!(
            "{}: {} written, {} removed, {} unchanged\n",
            crate::text::shown(dir.shown(), 300),
            written.files.len(),
            written.removed.len(),
            written.unchanged
        ));
    }
    Ok(super::status(failed))
}
