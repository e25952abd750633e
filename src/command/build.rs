//! `registry build`: writes the generated files when the registry has no errors, and nothing
//! at all when it has; then CODEOWNERS, when the settings ask for it and the file there is
//! this tool's; then reports what it could not write or remove.

use crate::cli::BuildArgs;
use crate::diagnostic::Severity;
use crate::diagnostic::render::Format;
use crate::emit::{Pieces, emit_each};
use crate::outdir::{Codeowners, Recall, Writer};
use crate::output::Output;
use crate::progress::Bar;
use crate::workspace::Workspace;
use crate::{ExitStatus, Result};

pub(crate) fn run(workspace: &Workspace, args: &BuildArgs, out: &mut Output) -> Result<ExitStatus> {
    let compilation = super::compile_dir(workspace)?;
    let denied = args.report.deny_warnings && compilation.count(Severity::Warning) > 0;
    let codeowners = super::codeowners(workspace, &compilation)?;
    let problems = codeowners
        .as_ref()
        .map(Codeowners::problems)
        .unwrap_or_default();
    let Some(graph) = compilation
        .graph()
        .filter(|_| !denied && problems.is_empty())
    else {
        super::report(workspace, &compilation, problems, &args.report, out);
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
    let progress = Bar::counter("writing", "outputs");
    let recall = Recall::recording();
    let pieces = recall.as_ref().map(|recall| recall as &dyn Pieces);
    emit_each(graph, pieces, &|part| {
        let files = part.files.len();
        writer.part(part)?;
        progress.add(files);
        Ok(())
    })?;
    drop(progress);
    let mut written = writer.finish()?;
    if let Some(codeowners) = &codeowners
        && codeowners.write()?
    {
        written.files.push(codeowners.shown().to_owned());
    }
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
