//! The JSON Schemas, embedded in the binary at build time, compiled once per run.

use jsonschema::Validator;
use serde_json::Value;

use crate::model::Kind;

/// Every schema file: its name and its text.
pub(crate) const FILES: &[(&str, &str)] = &[
    (
        "common.defs.json",
        include_str!("../../schemas/common.defs.json"),
    ),
    (
        "settings.schema.json",
        include_str!("../../schemas/settings.schema.json"),
    ),
    (
        "team.schema.json",
        include_str!("../../schemas/team.schema.json"),
    ),
    (
        "project.schema.json",
        include_str!("../../schemas/project.schema.json"),
    ),
    (
        "cluster.schema.json",
        include_str!("../../schemas/cluster.schema.json"),
    ),
    (
        "service.schema.json",
        include_str!("../../schemas/service.schema.json"),
    ),
    (
        "system.schema.json",
        include_str!("../../schemas/system.schema.json"),
    ),
    (
        "api.schema.json",
        include_str!("../../schemas/api.schema.json"),
    ),
];

/// Where the schemas' `$id`s live.
const BASE: &str = "https://registry.dev/schemas/";

/// The compiled validators, and the schema documents for looking up what a keyword allowed.
pub(crate) struct Schemas {
    documents: Vec<(String, Value)>,
    settings: Validator,
    kinds: [Validator; 6],
}

impl Schemas {
    pub(crate) fn new() -> Self {
        let documents: Vec<(String, Value)> = FILES
            .iter()
            .map(|(name, text)| {
                let document: Value =
                    serde_json::from_str(text).expect("embedded schemas are JSON");
                (format!("{BASE}{name}"), document)
            })
            .collect();
        let (settings, kinds) = {
            let registry = jsonschema::Registry::new()
                .extend(
                    documents
                        .iter()
                        .map(|(uri, document)| (uri.as_str(), document)),
                )
                .expect("embedded schemas have valid ids")
                .prepare()
                .expect("embedded schemas resolve");
            let compile = |name: &str| {
                let uri = format!("{BASE}{name}");
                let document = &documents
                    .iter()
                    .find(|(id, _)| *id == uri)
                    .expect("every schema is embedded")
                    .1;
                jsonschema::draft202012::options()
                    .with_registry(&registry)
                    .with_base_uri(uri)
                    .should_validate_formats(true)
                    .build(document)
                    .expect("embedded schemas compile")
            };
            (
                compile("settings.schema.json"),
                [
                    compile("team.schema.json"),
                    compile("project.schema.json"),
                    compile("cluster.schema.json"),
                    compile("service.schema.json"),
                    compile("system.schema.json"),
                    compile("api.schema.json"),
                ],
            )
        };
        Self {
            documents,
            settings,
            kinds,
        }
    }

    pub(crate) fn settings(&self) -> &Validator {
        &self.settings
    }

    pub(crate) fn kind(&self, kind: Kind) -> &Validator {
        &self.kinds[kind as usize]
    }

    /// The schema value at an absolute keyword location (`<uri>#<pointer>`).
    pub(crate) fn at(&self, location: &str) -> Option<&Value> {
        let (uri, pointer) = location.split_once('#')?;
        let document = &self.documents.iter().find(|(id, _)| id == uri)?.1;
        document.pointer(pointer)
    }
}
