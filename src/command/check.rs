//! `registry check`: the whole pipeline in memory; every problem reported, and `generated/`
//! compared with what the registry produces.

use std::path::Path;

use crate::cli::CheckArgs;
use crate::outdir::compare;
use crate::output::Output;
use crate::pipeline::compile_dir;
use crate::{ExitStatus, Result};

pub(crate) fn run(root: &Path, args: &CheckArgs, out: &mut Output) -> Result<ExitStatus> {
    let mut compiled = compile_dir(root)?;
    let mut drift = Vec::new();
    if let Some(outputs) = &compiled.outputs {
        let dir = compiled.output_dir(root, args.out.as_deref());
        drift = compare(outputs, &dir)?.diagnostics(&dir.to_string_lossy(), args.verbose);
    }
    let failed = super::report(&mut compiled, drift, &args.report, out);
    Ok(super::status(failed))
}
