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
use crate::model::{Kind, Registry, Settings};
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
        Self::beside(sources, None)
    }

    /// Runs every stage over `sources`, taking from `known` (another compilation of this run)
    /// each entity it validated, with the very same value, without a word to say.
    pub(crate) fn beside(sources: Arc<Sources>, known: Option<&Self>) -> Result<Self> {
        let mut sink = Sink::default();
        let evaluation = evaluate(&sources, &mut sink)?;
        let known = known.and_then(|known| Some(&known.graph.as_ref()?.registry));
        Ok(Self::after(sources, evaluation, known, sink))
    }

    /// Runs every stage after evaluation over `sources` whose files hold JSON, taken as the
    /// values they evaluate to ([`crate::evaluate::data`]); `None` without a settings file.
    pub(crate) fn of_data(sources: Arc<Sources>) -> Option<Self> {
        let mut sink = Sink::default();
        let evaluation = crate::evaluate::data(&sources, &mut sink)?;
        Some(Self::after(sources, evaluation, None, sink))
    }

    fn after(
        sources: Arc<Sources>,
        evaluation: Evaluation,
        known: Option<&Registry>,
        mut sink: Sink,
    ) -> Self {
        let settings_json = evaluation
            .settings
            .value
            .as_ref()
            .map(serde_json::Value::to_string)
            .unwrap_or_default();
        let inputs = inputs(&sources, &evaluation, &settings_json);
        let registry = validate(evaluation, &sources, known, &mut sink);
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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::Compilation;
    use crate::source::{Content, SourceFile, Sources, read_dir};

    /// The example registry with `edits` made: (path, old text, new text).
    fn edited(sources: &Sources, edits: &[(&str, &str, &str)]) -> Sources {
        let files = sources
            .iter()
            .map(|(_, file)| {
                let mut content = file.content.clone();
                for (path, old, new) in edits {
                    if file.path == *path
                        && let Content::Text(text) = &file.content
                    {
                        assert!(text.contains(old), "{old} is not in {path}");
                        content = Content::Text(Arc::from(text.replacen(old, new, 1)));
                    }
                }
                SourceFile {
                    path: file.path.clone(),
                    content,
                }
            })
            .collect();
        Sources::new("registry".to_owned(), files)
    }

    /// A second database of the same name.
    const DUPLICATE: (&str, &str, &str) = (
        "services/payouts.jsonnet",
        "+ service.postgres('payouts')",
        "+ service.postgres('payouts') + service.postgres('payouts')",
    );

    /// What a compilation found, in full: every diagnostic, and every entity with its value,
    /// typed fields and references.
    fn found(compilation: &Compilation) -> (String, Vec<String>) {
        let registry = &compilation.graph.as_ref().unwrap().registry;
        let entities = registry
            .entities
            .iter()
            .map(|(id, record)| {
                format!(
                    "{id} {} {} {:?} {:?}",
                    record.json, record.clean, record.entity, record.references
                )
            })
            .collect();
        (format!("{:?}", compilation.diagnostics()), entities)
    }

    /// Taking entities from another compilation of the same run changes nothing: not for an
    /// entity whose value differs, nor one that the other found a problem with (a duplicate
    /// database, which leaves it valid but is an error), nor one the other lacks.
    #[test]
    fn a_compilation_beside_another_finds_what_it_finds_alone() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("registry");
        let sources = read_dir(&root).unwrap();
        let head = Compilation::new(Arc::new(edited(
            &sources,
            &[
                ("services/checkout.jsonnet", "tier=1", "tier=2"),
                (
                    "services/search.jsonnet",
                    "service.new('search'",
                    "service.new('searching'",
                ),
                DUPLICATE,
            ],
        )))
        .unwrap();
        assert!(!head.diagnostics().is_empty());
        let base = || {
            let edit = (
                "services/ledger.jsonnet",
                "service.new('ledger'",
                "service.new('ledgers'",
            );
            Arc::new(edited(&sources, &[edit, DUPLICATE]))
        };
        let alone = Compilation::new(base()).unwrap();
        let beside = Compilation::beside(base(), Some(&head)).unwrap();
        let codes: Vec<_> = alone.diagnostics().iter().map(|found| found.code).collect();
        assert!(
            codes.contains(&crate::diagnostic::Code::DuplicateKey),
            "{codes:?}"
        );
        assert_eq!(found(&beside), found(&alone));
    }
}
