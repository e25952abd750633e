//! `registry diff --base REV`: the registry at REV, read from git and compiled exactly as the
//! working tree is, compared with the working tree.

use std::sync::Arc;

use crate::cli::{DiffArgs, ReportArgs};
use crate::compilation::Compilation;
use crate::diagnostic::render::Format;
use crate::diff::{Diff, Side, render};
use crate::emit::everything;
use crate::output::Output;
use crate::source::Revision;
use crate::workspace::Workspace;
use crate::{ExitStatus, Result};

pub(crate) fn run(workspace: &Workspace, args: &DiffArgs, out: &mut Output) -> Result<ExitStatus> {
    let revision = Revision::open(workspace.root(), &args.base)?;
    let base = Compilation::new(Arc::new(revision.sources()?))?;
    let head = super::compile_dir(workspace)?;
    let report = ReportArgs {
        format: Format::Human,
        deny_warnings: false,
    };
    let (Some(base_graph), Some(head_graph)) = (base.graph(), head.graph()) else {
        for (side, compilation) in [
            (format!("the base, `{}`,", args.base), &base),
            ("the working tree".to_owned(), &head),
        ] {
            if compilation.graph().is_none() {
                out.print(&format!(
                    "{side} has problems, so there is nothing to compare:\n\n"
                ));
                super::report(compilation, Vec::new(), &report, out);
            }
        }
        return Ok(ExitStatus::Problems);
    };
    let (base_outputs, head_outputs) = (
        everything(base_graph, base.sources()),
        everything(head_graph, head.sources()),
    );
    let diff = Diff::new(
        &Side {
            graph: base_graph,
            outputs: &base_outputs,
        },
        &Side {
            graph: head_graph,
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
