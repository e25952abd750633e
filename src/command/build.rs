//! `registry build`: writes the generated files when the registry has no errors, and nothing
//! at all when it has; then CODEOWNERS, when the settings ask for it and the file there is
//! this tool's.

use crate::cli::BuildArgs;
use crate::diagnostic::render::Format;
use crate::emit::emit_each;
use crate::outdir::{Codeowners, Writer};
use crate::output::Output;
use crate::workspace::Workspace;
use crate::{ExitStatus, Result};

pub(crate) fn run(workspace: &Workspace, args: &BuildArgs, out: &mut Output) -> Result<ExitStatus> {
    let compilation = super::compile_dir(workspace)?;
    let codeowners = super::codeowners(workspace, &compilation)?;
    let problems = codeowners
        .as_ref()
        .map(Codeowners::problems)
        .unwrap_or_default();
    let failed = super::report(&compilation, problems, &args.report, out);
    let Some(graph) = compilation.graph().filter(|_| !failed) else {
        return Ok(ExitStatus::Problems);
    };
    let dir = workspace.output_dir(&graph.registry.settings, args.out.as_deref());
    let writer = Writer::new(&dir)?;
    emit_each(graph, &|part| writer.part(part))?;
    let mut written = writer.finish()?;
    if let Some(codeowners) = &codeowners
        && codeowners.write()?
    {
        written.files.push(codeowners.shown().to_owned());
    }
    if matches!(args.report.format, Format::Human | Format::Concise) {
        out.print(&format!(
            "{}: {} written, {} removed, {} unchanged\n",
            dir.display(),
            written.files.len(),
            written.removed.len(),
            written.unchanged
        ));
    }
    Ok(ExitStatus::Clean)
}
