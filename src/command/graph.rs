//! `registry graph`: the entities and their relations as DOT, Mermaid or JSON, whole or around
//! one entity.

use crate::cli::{GraphArgs, ReportArgs};
use crate::compilation::Compilation;
use crate::diagnostic::render::Format;
use crate::explore::View;
use crate::explore::draw::draw;
use crate::graph::Graph;
use crate::output::Output;
use crate::workspace::Workspace;
use crate::{ExitStatus, Result};

pub(super) fn run(workspace: &Workspace, args: &GraphArgs, out: &mut Output) -> Result<ExitStatus> {
    let compilation = super::compile_dir(workspace)?;
    let Some(graph) = linked(workspace, &compilation, out) else {
        return Ok(ExitStatus::Problems);
    };
    let view = match &args.focus {
        Some(focus) => {
            let id = crate::explore::find(&graph.registry, focus)?;
            let (id, _) = graph
                .registry
                .entities
                .get_key_value(&id)
                .expect("found entities are valid");
            View::around(graph, id, args.depth, args.direction)
        }
        None => View::whole(graph),
    };
    out.print(&draw(graph, &view, args.format));
    Ok(ExitStatus::Clean)
}

/// The linked graph of a registry without errors; otherwise its diagnostics are printed and
/// there is none.
pub(super) fn linked<'a>(
    workspace: &Workspace,
    compilation: &'a Compilation,
    out: &mut Output,
) -> Option<&'a Graph> {
    if let Some(graph) = compilation.graph() {
        return Some(graph);
    }
    let args = ReportArgs {
        format: Format::Human,
        deny_warnings: false,
        verbose: false,
    };
    super::report(workspace, compilation, Vec::new(), &args, out);
    None
}
