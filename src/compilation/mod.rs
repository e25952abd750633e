//! The stages in order, shared by every command: evaluate, validate, scan, link. Each stage
//! reports into one [`Sink`] and the pipeline goes as far as it can. The result, a
//! [`Compilation`], is only ever read: commands render outputs ([`crate::emit`]) from its
//! graph, which it hands out only when the registry has no errors. A compilation without a
//! single problem is kept in the cache ([`Clean`]), so `check` of the very same files need not
//! run the stages again.

mod clean;

use std::sync::Arc;

use strum::IntoEnumIterator;

use crate::Result;
use crate::diagnostic::{Code, Diagnostic, Severity, Sink};
use crate::evaluate::{Evaluation, evaluate};
use crate::graph::{Graph, link};
use crate::model::{Kind, Settings};
use crate::source::Sources;
use crate::validate::{Schemas, validate};

pub(crate) use clean::{Clean, key as clean_key};

/// What a run of the pipeline found.
pub(crate) struct Compilation {
    sources: Arc<Sources>,
    /// The linked registry, when the settings were usable; it may have errors.
    graph: Option<Graph>,
    /// Every problem, sorted, each once.
    diagnostics: Vec<Diagnostic>,
    /// The settings' value, as JSON; empty when they have none.
    settings_json: String,
    /// A digest of everything rendering the outputs reads: the settings' value, each entity
    /// file's path and value, and the build of the tool.
    inputs: [u8; 32],
}

impl Compilation {
    /// Runs every stage over `sources`.
    pub(crate) fn new(sources: Arc<Sources>) -> Result<Self> {
        let mut sink = Sink::default();
        let evaluation = evaluate(&sources, &mut sink)?;
        Ok(Self::after(sources, evaluation, sink))
    }

    /// Runs every stage after evaluation over `sources` whose files hold JSON, taken as the
    /// values they evaluate to ([`crate::evaluate::data`]); `None` without a settings file.
    pub(crate) fn of_data(sources: Arc<Sources>) -> Option<Self> {
        let mut sink = Sink::default();
        let evaluation = crate::evaluate::data(&sources, &mut sink)?;
        Some(Self::after(sources, evaluation, sink))
    }

    fn after(sources: Arc<Sources>, evaluation: Evaluation, mut sink: Sink) -> Self {
        let settings_json = evaluation
            .settings
            .value
            .as_ref()
            .map(serde_json::Value::to_string)
            .unwrap_or_default();
        let inputs = inputs(&sources, &evaluation, &settings_json);
        let registry = validate(evaluation, &sources, &mut sink);
        let credential = registry
            .as_ref()
            .map_or(Some(Code::Credential.default_severity()), |registry| {
                registry.settings.severity(Code::Credential)
            });
        if let Some(severity) = credential {
            crate::scan::credentials(&sources, registry.as_ref(), severity, &mut sink);
        }
        let graph = registry.map(|registry| link(registry, &sources, &mut sink));
        Self {
            sources,
            graph,
            diagnostics: sink.into_sorted(),
            settings_json,
            inputs,
        }
    }

    /// A digest of everything the outputs are rendered from: the same digest, the same
    /// outputs.
    pub(crate) fn inputs(&self) -> &[u8; 32] {
        &self.inputs
    }

    pub(crate) fn sources(&self) -> &Sources {
        &self.sources
    }

    pub(crate) fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub(crate) fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == severity)
            .count()
    }

    /// The linked registry, when it has no errors: only then are outputs rendered.
    pub(crate) fn graph(&self) -> Option<&Graph> {
        self.graph
            .as_ref()
            .filter(|_| self.count(Severity::Error) == 0)
    }

    /// How many entities of each kind the registry declares, valid or not (systems and APIs only
    /// when it has some); `None` when the settings are unusable.
    pub(crate) fn counts(&self) -> Option<Vec<(Kind, usize)>> {
        let registry = &self.graph.as_ref()?.registry;
        Some(
            Kind::iter()
                .map(|kind| {
                    let count = registry
                        .entities
                        .keys()
                        .chain(registry.invalid.keys())
                        .filter(|id| id.kind == kind)
                        .count();
                    (kind, count)
                })
                // Systems and APIs are optional: counted only where a registry has them.
                .filter(|(kind, count)| *count > 0 || !matches!(kind, Kind::System | Kind::Api))
                .collect(),
        )
    }
}

/// The digest of what rendering reads from `evaluation`.
fn inputs(sources: &Sources, evaluation: &Evaluation, settings: &str) -> [u8; 32] {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(crate::cache::build().as_bytes());
    field(settings.as_bytes());
    for (entity, json) in &evaluation.entities {
        field(sources.file(entity.file).path.as_bytes());
        field(json.as_bytes());
    }
    hasher.finalize().into()
}

/// Evaluates and validates the settings file alone, for a command that needs nothing else;
/// `None` when they are unusable.
pub(crate) fn settings(sources: &Arc<Sources>) -> Result<Option<Settings>> {
    let mut sink = Sink::default();
    let value = crate::evaluate::settings(sources, &mut sink)?;
    Ok(crate::validate::settings(
        &value,
        &Schemas::new(),
        sources,
        &mut sink,
    ))
}
