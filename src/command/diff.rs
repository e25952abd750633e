//! `registry diff --base REV`: the registry at REV, read from git and compiled exactly as the
//! working tree is, compared with the working tree. When either side has errors there is
//! nothing to compare: its diagnostics are printed instead, in the format asked for. The
//! markdown also goes to `$GITHUB_STEP_SUMMARY` when that is set.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::{DiffArgs, ReportArgs};
use crate::compilation::Compilation;
use crate::diagnostic::render::{Format, Options as Rendering, json, render};
use crate::diff::{self, Diff, DiffFormat, Problems, Side};
use crate::output::Output;
use crate::source::Revision;
use crate::workspace::Workspace;
use crate::{Error, ExitStatus, Result};

pub(crate) fn run(workspace: &Workspace, args: &DiffArgs, out: &mut Output) -> Result<ExitStatus> {
    let revision = Revision::open(workspace.root(), &args.base)?;
    let base_sources = Arc::new(revision.sources()?);
    let head = super::compile_dir(workspace)?;
    // What the working tree has as the base had it is validated once.
    let base = Compilation::beside(base_sources, Some(&head))?;
    let sides = [
        (format!("the base, `{}`,", args.base), &base),
        ("the working tree".to_owned(), &head),
    ];
    let options = diff::Options {
        unified: args.unified,
        verbose: args.verbose,
    };
    let rendering = Rendering {
        verbose: args.verbose,
        ..Rendering::default()
    };
    let problems = || Problems {
        base: Some(json::report(base.diagnostics(), base.sources(), &rendering)),
        head: Some(json::report(head.diagnostics(), head.sources(), &rendering)),
    };
    let (Some(base_graph), Some(head_graph)) = (base.graph(), head.graph()) else {
        let broken = sides
            .iter()
            .filter(|(_, compilation)| compilation.graph().is_none());
        match args.format {
            DiffFormat::Human => {
                let report = ReportArgs {
                    format: Format::Human,
                    deny_warnings: false,
                    verbose: args.verbose,
                };
                for (side, compilation) in broken {
                    out.print(&format!(
                        "{side} has problems, so there is nothing to compare:\n\n"
                    ));
                    super::report(workspace, compilation, Vec::new(), &report, out);
                }
            }
            DiffFormat::Markdown => {
                let sides: Vec<(String, String)> = broken
                    .map(|(side, compilation)| {
                        let diagnostics = render(
                            compilation.diagnostics(),
                            compilation.sources(),
                            Format::Concise,
                            &rendering,
                        );
                        (side.clone(), diagnostics)
                    })
                    .collect();
                markdown(&diff::markdown_problems(&sides), out)?;
            }
            DiffFormat::Json => out.print(&diff::json(None, &args.base, problems())),
        }
        return Ok(ExitStatus::Problems);
    };
    let diff = Diff::new(
        &Side {
            graph: base_graph,
            sources: base.sources(),
        },
        &Side {
            graph: head_graph,
            sources: head.sources(),
        },
    );
    match args.format {
        DiffFormat::Human => out.print(&diff::human(&diff, options)),
        DiffFormat::Markdown => markdown(&diff::markdown(&diff, options), out)?,
        DiffFormat::Json => out.print(&diff::json(Some(&diff), &args.base, problems())),
    }
    Ok(if args.exit_code && !diff.is_empty() {
        ExitStatus::Problems
    } else {
        ExitStatus::Clean
    })
}

/// Prints `text`, and appends it to the job summary when `$GITHUB_STEP_SUMMARY` names one.
fn markdown(text: &str, out: &mut Output) -> Result<()> {
    out.print(text);
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty()) else {
        return Ok(());
    };
    let path = PathBuf::from(path);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(format!("{text}\n").as_bytes()))
        .map_err(|source| Error::WriteFile { path, source })
}
