//! `registry build`: writes the generated files when the registry has no errors, and nothing
//! at all when it has.

use std::path::Path;

use crate::cli::{BuildArgs, Format};
use crate::emit::emit_each;
use crate::outdir::Writer;
use crate::output::Output;
use crate::pipeline::compile_dir;
use crate::{ExitStatus, Result};

pub(crate) fn run(root: &Path, args: &BuildArgs, out: &mut Output) -> Result<ExitStatus> {
    let mut compiled = compile_dir(root)?;
    let linked = compiled.linked().is_some();
    let failed = super::report(&mut compiled, Vec::new(), &args.report, out);
    let Some(graph) = compiled.graph.as_ref().filter(|_| linked && !failed) else {
        return Ok(ExitStatus::Problems);
    };
    let dir = compiled.output_dir(root, args.out.as_deref());
    let writer = Writer::new(&dir)?;
    emit_each(graph, &|part| writer.part(part))?;
    let written = writer.finish()?;
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
