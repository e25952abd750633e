//! `registry check`: the whole pipeline in memory; every problem reported.

use std::path::Path;

use crate::ExitStatus;
use crate::Result;
use crate::cli::{CheckArgs, Format};
use crate::diagnostic::{Severity, render::render};
use crate::model::Kind;
use crate::output::Output;
use crate::pipeline::compile_dir;

pub(crate) fn run(root: &Path, args: &CheckArgs, out: &mut Output) -> Result<ExitStatus> {
    let compiled = compile_dir(root)?;
    let errors = compiled.sink.count(Severity::Error);
    let warnings = compiled.sink.count(Severity::Warning);
    let diagnostics = compiled.sink.into_sorted();
    let format = args.report.format;
    out.print(&render(
        &diagnostics,
        &compiled.sources,
        format,
        out.styled(),
    ));
    if matches!(format, Format::Human | Format::Concise) {
        let counted = compiled.graph.as_ref().map(|graph| {
            let count = |kind: Kind| {
                graph
                    .registry
                    .entities
                    .keys()
                    .filter(|id| id.kind == kind)
                    .count()
            };
            format!(
                "{} teams, {} projects, {} clusters, {} services",
                count(Kind::Team),
                count(Kind::Project),
                count(Kind::Cluster),
                count(Kind::Service)
            )
        });
        let summary = match (errors, warnings) {
            (0, 0) => "no problems".to_owned(),
            (errors, warnings) => [(errors, "error"), (warnings, "warning")]
                .iter()
                .filter(|(count, _)| *count > 0)
                .map(|(count, noun)| {
                    format!("{count} {noun}{}", if *count == 1 { "" } else { "s" })
                })
                .collect::<Vec<_>>()
                .join(" and "),
        };
        match counted {
            Some(counted) => out.print(&format!("checked {counted}: {summary}\n")),
            None => out.print(&format!("{summary}\n")),
        }
    }
    let failed = errors > 0 || (args.report.deny_warnings && warnings > 0);
    Ok(if failed {
        ExitStatus::Problems
    } else {
        ExitStatus::Clean
    })
}
