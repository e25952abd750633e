//! The stages in order, shared by every command: read the sources, evaluate, validate, scan,
//! link. Each stage reports into the same [`Sink`] and the pipeline goes as far as it can;
//! commands render outputs ([`crate::emit`]) only from a registry without errors.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Result;
use crate::diagnostic::{Code, Severity, Sink};
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

impl Compiled {
    /// The linked registry, when it has no errors: only then are outputs rendered.
    pub(crate) fn linked(&self) -> Option<&Graph> {
        self.graph
            .as_ref()
            .filter(|_| self.sink.count(Severity::Error) == 0)
    }

    /// Where the outputs go: `out` if given, else the settings' `generatedPath` beside the root.
    pub(crate) fn output_dir(&self, root: &Path, out: Option<&Path>) -> PathBuf {
        if let Some(out) = out {
            return out.to_owned();
        }
        let generated = self.graph.as_ref().map_or("generated", |graph| {
            graph.registry.settings.generated_path.as_str()
        });
        match root.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.join(generated),
            _ if root == Path::new(".") || root.as_os_str().is_empty() => {
                Path::new("..").join(generated)
            }
            _ => PathBuf::from(generated),
        }
    }
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
