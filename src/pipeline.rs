//! The stages in order, shared by every command: read the sources, evaluate, validate, scan,
//! link. Each stage reports into the same [`Sink`] and the pipeline goes as far as it can.

use std::path::Path;
use std::sync::Arc;

use crate::Result;
use crate::diagnostic::{Code, Sink};
use crate::evaluate::evaluate;
use crate::graph::{Graph, link};
use crate::source::{Sources, read_dir};
use crate::validate::validate;

/// What a run of the pipeline produced.
pub(crate) struct Compiled {
    pub(crate) sources: Arc<Sources>,
    /// The linked registry, when the settings were usable.
    pub(crate) graph: Option<Graph>,
    pub(crate) sink: Sink,
}

/// Runs every stage over the registry at `root` in the working tree.
pub(crate) fn compile_dir(root: &Path) -> Result<Compiled> {
    compile(Arc::new(read_dir(root)?))
}

/// Runs every stage over `sources`.
pub(crate) fn compile(sources: Arc<Sources>) -> Result<Compiled> {
    let mut sink = Sink::default();
    let evaluation = evaluate(&sources, &mut sink)?;
    let registry = validate(evaluation, &sources, &mut sink);
    let credential = registry
        .as_ref()
        .map_or(Some(Code::Credential.default_severity()), |registry| {
            registry.settings.severity(Code::Credential)
        });
    if let Some(severity) = credential {
        crate::scan::credentials(&sources, severity, &mut sink);
    }
    let graph = registry.map(|registry| link(registry, &sources, &mut sink));
    Ok(Compiled {
        sources,
        graph,
        sink,
    })
}
