//! `registry check`: the whole pipeline in memory; every problem reported, and `generated/`
//! compared with what the registry produces.

use std::sync::Arc;

use crate::cli::CheckArgs;
use crate::compilation::{Clean, Compilation};
use crate::diagnostic::Diagnostic;
use crate::emit::{OutputFile, Pieces, emit_each};
use crate::graph::Graph;
use crate::model::Settings;
use crate::outdir::{Codeowners, Comparison, Recall};
use crate::output::Output;
use crate::progress::Bar;
use crate::source::{Sources, read_dir};
use crate::workspace::Workspace;
use crate::{ExitStatus, Result};

pub(crate) fn run(workspace: &Workspace, args: &CheckArgs, out: &mut Output) -> Result<ExitStatus> {
    let sources = Arc::new(read_dir(workspace.root())?);
    let cache = crate::cache::get();
    // The files are hashed once, and only when there is a cache to look them up in.
    let key = cache.map(|_| crate::compilation::clean_key(&sources));
    // A clean compilation of exactly these files: the report, if the outputs need no
    // rendering to be compared.
    if let Some(clean) = key.as_ref().and_then(|key| Clean::recall(cache, key)) {
        let outputs = Outputs {
            settings: &clean.settings,
            sources: &sources,
            inputs: &clean.inputs,
            graph: None,
        };
        if let Some(drift) = outputs.drift(workspace, args, clean.codeowners)? {
            let found = super::Found {
                sources: &sources,
                diagnostics: &[],
                counts: Some(clean.counts),
            };
            let failed = super::report_found(workspace, &found, drift, &args.report, out);
            return Ok(super::status(failed));
        }
    }
    let compilation = Compilation::new(sources)?;
    let mut drift = Vec::new();
    if let Some(graph) = compilation.graph() {
        let codeowners = crate::emit::codeowners(graph, compilation.sources());
        if let Some(key) = &key {
            Clean::remember(cache, key, &compilation, codeowners.as_ref());
        }
        let outputs = Outputs {
            settings: &graph.registry.settings,
            sources: compilation.sources(),
            inputs: compilation.inputs(),
            graph: Some(graph),
        };
        drift = outputs
            .drift(workspace, args, codeowners)?
            .expect("outputs with a graph are always compared");
    }
    let failed = super::report(workspace, &compilation, drift, &args.report, out);
    Ok(super::status(failed))
}

/// What the outputs are produced from.
struct Outputs<'a> {
    settings: &'a Settings,
    sources: &'a Sources,
    /// The digest of what rendering reads.
    inputs: &'a [u8; 32],
    /// The graph to render them from, when there is one.
    graph: Option<&'a Graph>,
}

impl Outputs<'_> {
    /// How the output directory and CODEOWNERS (`codeowners`, when the settings ask for it)
    /// differ from what the registry produces; `None` when the outputs must be rendered to
    /// tell, and there is no graph to render them from.
    fn drift(
        &self,
        workspace: &Workspace,
        args: &CheckArgs,
        codeowners: Option<OutputFile>,
    ) -> Result<Option<Vec<Diagnostic>>> {
        let mut drift = Vec::new();
        match workspace.output_dir(self.settings, self.sources, args.out.as_deref())? {
            Ok(dir) => {
                let comparison = Comparison::new(&dir, args.report.verbose, self.inputs)?;
                if !comparison.unchanged() {
                    let Some(graph) = self.graph else {
                        return Ok(None);
                    };
                    let progress = Bar::counter("comparing", "outputs");
                    let recall = Recall::comparing(&comparison);
                    let pieces = recall.as_ref().map(|recall| recall as &dyn Pieces);
                    emit_each(graph, pieces, &|part| {
                        let files = part.files.len();
                        comparison.part(part)?;
                        progress.add(files);
                        Ok(())
                    })?;
                }
                drift = comparison.finish().diagnostics(dir.shown());
            }
            Err(diagnostic) => drift.push(*diagnostic),
        }
        if let Some(file) = codeowners {
            drift.extend(Codeowners::new(workspace.root(), self.settings, file)?.drift());
        }
        Ok(Some(drift))
    }
}
