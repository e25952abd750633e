//! `registry diff --base REV`: the registry at REV, read from git and compiled exactly as the
//! working tree is, compared with the working tree.

use std::path::Path;
use std::sync::Arc;

use crate::cli::{DiffArgs, Format, ReportArgs};
use crate::diff::{Diff, Side, render};
use crate::emit::emit;
use crate::output::Output;
use crate::pipeline::{compile, compile_dir};
use crate::source::read_revision;
use crate::{ExitStatus, Result};

pub(crate) fn run(root: &Path, args: &DiffArgs, out: &mut Output) -> Result<ExitStatus> {
    let mut base = compile(Arc::new(read_revision(root, &args.base)?))?;
    let mut head = compile_dir(root)?;
    let report = ReportArgs {
        format: Format::Human,
        deny_warnings: false,
    };
    let mut failed = false;
    for (side, compiled) in [
        (format!("the base, `{}`,", args.base), &mut base),
        ("the working tree".to_owned(), &mut head),
    ] {
        if compiled.linked().is_none() {
            out.print(&format!(
                "{side} has problems, so there is nothing to compare:\n\n"
            ));
            super::report(compiled, Vec::new(), &report, out);
            failed = true;
        }
    }
    if failed {
        return Ok(ExitStatus::Problems);
    }
    let (Some(base), Some(head)) = (base.linked(), head.linked()) else {
        return Ok(ExitStatus::Problems);
    };
    let (base_outputs, head_outputs) = (emit(base), emit(head));
    let diff = Diff::new(
        &Side {
            graph: base,
            outputs: &base_outputs,
        },
        &Side {
            graph: head,
            outputs: &head_outputs,
        },
    );
    out.print(&render(&diff, args.format, args.unified));
    Ok(if args.exit_code && !diff.is_empty() {
        ExitStatus::Problems
    } else {
        ExitStatus::Clean
    })
}
