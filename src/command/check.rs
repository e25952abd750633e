//! `registry check`: the whole pipeline in memory; every problem reported, and `generated/`
//! compared with what the registry produces.

use std::path::Path;

use crate::cli::CheckArgs;
use crate::emit::emit_each;
use crate::outdir::Comparison;
use crate::output::Output;
use crate::pipeline::compile_dir;
use crate::{ExitStatus, Result};

pub(crate) fn run(root: &Path, args: &CheckArgs, out: &mut Output) -> Result<ExitStatus> {
    let mut compiled = compile_dir(root)?;
    let mut drift = Vec::new();
    if let Some(graph) = compiled.linked() {
        let dir = compiled.output_dir(root, args.out.as_deref());
        let comparison = Comparison::new(&dir)?;
        emit_each(graph, &|part| comparison.part(part))?;
        drift = comparison
            .finish()
            .diagnostics(&dir.to_string_lossy(), args.verbose);
    }
    let failed = super::report(&mut compiled, drift, &args.report, out);
    Ok(super::status(failed))
}
