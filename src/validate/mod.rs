//! Stage 2, validate: checks the settings and every evaluated entity against its JSON Schema,
//! reporting every violation (not the first), checks that each entity's `name` is its file
//! stem, and reads the typed fields later stages use. Output: a [`Registry`] of the entities
//! that passed; it never reads source files except to point at positions.

mod schemas;

use std::collections::BTreeMap;

use jsonschema::error::ValidationErrorKind;
use serde::Deserialize;
use serde_json::Value;

pub(crate) use self::schemas::FILES as SCHEMA_FILES;
pub(crate) use self::schemas::Schemas;
use crate::diagnostic::{Code, Diagnostic, Location, Sink, list, suggest};
use crate::evaluate::{Evaluation, SettingsValue};
use crate::model::{Entity, EntityId, Kind, Record, Registry, Settings};
use crate::source::{FileId, Sources, locate};

/// Validates the settings; `None` when they are unusable.
pub(crate) fn settings(
    settings: &SettingsValue,
    schemas: &Schemas,
    sources: &Sources,
    sink: &mut Sink,
) -> Option<Settings> {
    let value = settings.value.as_ref()?;
    let subject = Subject {
        file: settings.file,
        entity: None,
        what: "the settings",
    };
    let valid = check(schemas, schemas.settings(), value, &subject, sources, sink);
    valid.then(|| Settings::deserialize(value).ok()).flatten()
}

/// Validates `evaluation`; `None` when the settings are unusable.
pub(crate) fn validate(
    evaluation: Evaluation,
    sources: &Sources,
    sink: &mut Sink,
) -> Option<Registry> {
    let schemas = Schemas::new();
    let settings = settings(&evaluation.settings, &schemas, sources, sink);
    let mut entities = BTreeMap::new();
    let mut invalid: BTreeMap<EntityId, FileId> = evaluation
        .failed
        .iter()
        .map(|entity| (entity.id.clone(), entity.file))
        .collect();
    for (file, json) in evaluation.entities {
        let value: Value = serde_json::from_str(&json).expect("evaluation writes valid JSON");
        let id = file.id;
        let what = format!("{} `{}`", id.kind, id.name);
        let subject = Subject {
            file: file.file,
            entity: Some(&id),
            what: &what,
        };
        let mut valid = check(
            &schemas,
            schemas.kind(id.kind),
            &value,
            &subject,
            sources,
            sink,
        );
        if let Some(name) = value.get("name").and_then(Value::as_str)
            && name != id.name
        {
            valid = false;
            let text = sources.text(file.file).map_or("", |text| &**text);
            let location =
                locate::string(text, name).map_or(Location::File { file: file.file }, |range| {
                    Location::Span {
                        file: file.file,
                        range,
                    }
                });
            let kind = id.kind;
            sink.push(
                Diagnostic::error(
                    Code::NameMismatch,
                    format!("{kind} `{name}` is declared in a file named `{}`", id.name),
                )
                .primary(location, format!("expected `{}`", id.name))
                .help(format!(
                    "the file stem is the {kind}'s name: rename the file to `{name}.jsonnet`, or \
                     the {kind} to `{}`",
                    id.name
                )),
            );
        }
        let entity = valid.then(|| typed(id.kind, &value)).flatten();
        match entity {
            Some(entity) => {
                entities.insert(
                    id,
                    Record {
                        file: file.file,
                        json,
                        entity,
                    },
                );
            }
            None => {
                invalid.insert(id, file.file);
            }
        }
    }
    Some(Registry {
        settings: settings?,
        entities,
        invalid,
    })
}

fn typed(kind: Kind, value: &Value) -> Option<Entity> {
    Some(match kind {
        Kind::Team => Entity::Team(Deserialize::deserialize(value).ok()?),
        Kind::Project => Entity::Project(Deserialize::deserialize(value).ok()?),
        Kind::Cluster => Entity::Cluster(Deserialize::deserialize(value).ok()?),
        Kind::Service => Entity::Service(Deserialize::deserialize(value).ok()?),
        Kind::System => Entity::System(Deserialize::deserialize(value).ok()?),
        Kind::Api => Entity::Api(Deserialize::deserialize(value).ok()?),
    })
}

/// What is being validated.
struct Subject<'a> {
    file: FileId,
    entity: Option<&'a EntityId>,
    what: &'a str,
}

impl Subject<'_> {
    /// Where `pointer` is, as precisely as the file's text allows.
    fn locate(&self, sources: &Sources, pointer: &str, literal: Option<&str>) -> Location {
        let text = sources.text(self.file).map_or("", |text| &**text);
        let range = locate::value(text, pointer, literal);
        match (range, self.entity) {
            (Some(range), _) => Location::Span {
                file: self.file,
                range,
            },
            (None, Some(entity)) => Location::Entity {
                file: self.file,
                entity: entity.clone(),
                pointer: pointer.to_owned(),
            },
            (None, None) => Location::File { file: self.file },
        }
    }
}

/// Reports every schema violation of `value`; whether it had none.
fn check(
    schemas: &Schemas,
    validator: &jsonschema::Validator,
    value: &Value,
    subject: &Subject,
    sources: &Sources,
    sink: &mut Sink,
) -> bool {
    let mut valid = true;
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for error in validator.iter_errors(value) {
        valid = false;
        let pointer = error.instance_path().as_str().to_owned();
        let shown = if pointer.is_empty() {
            "/"
        } else {
            pointer.as_str()
        };
        let keyword_location = error
            .absolute_keyword_location()
            .map(|uri| uri.as_str().to_owned())
            .unwrap_or_default();
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed = allowed_properties(schemas, &keyword_location);
                for field in unexpected {
                    let field_pointer = crate::pointer::join(&pointer, field);
                    let near = suggest(field, allowed.iter().map(String::as_str));
                    let help = match near {
                        Some(near) => format!("did you mean `{near}`?"),
                        None if allowed.is_empty() => {
                            "remove the field, or move it into `annotations`".to_owned()
                        }
                        None => format!("the fields allowed here are {}", list(&allowed)),
                    };
                    sink.push(
                        Diagnostic::error(
                            Code::SchemaViolation,
                            format!("{} has an unknown field `{field}`", subject.what),
                        )
                        .primary(
                            subject.locate(sources, &field_pointer, None),
                            "unknown field",
                        )
                        .help(help),
                    );
                }
            }
            ValidationErrorKind::Required { property } => {
                missing
                    .entry(pointer)
                    .or_default()
                    .push(property.as_str().unwrap_or_default().to_owned());
            }
            ValidationErrorKind::Enum { options } => {
                let instance = error.instance();
                let literal = instance.as_str();
                let options: Vec<String> = options
                    .as_array()
                    .map(|options| {
                        options
                            .iter()
                            .map(|option| {
                                option
                                    .as_str()
                                    .map_or_else(|| option.to_string(), ToOwned::to_owned)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let near = literal
                    .and_then(|literal| suggest(literal, options.iter().map(String::as_str)));
                sink.push(
                    Diagnostic::error(
                        Code::SchemaViolation,
                        format!(
                            "{} has an invalid value at `{shown}`: {instance}",
                            subject.what
                        ),
                    )
                    .primary(
                        subject.locate(sources, &pointer, literal),
                        format!("expected one of {}", list(&options)),
                    )
                    .help_opt(near.map(|near| format!("did you mean `{near}`?"))),
                );
            }
            _ => {
                let instance = error.instance();
                let literal = instance.as_str().filter(|literal| !literal.is_empty());
                sink.push(
                    Diagnostic::error(
                        Code::SchemaViolation,
                        format!("{} has an invalid value at `{shown}`", subject.what),
                    )
                    .primary(
                        subject.locate(sources, &pointer, literal),
                        error.to_string(),
                    ),
                );
            }
        }
    }
    for (pointer, fields) in missing {
        let (noun, plural) = if fields.len() == 1 {
            ("field", "")
        } else {
            ("fields", "s")
        };
        let location = if pointer.is_empty() {
            Location::File { file: subject.file }
        } else {
            subject.locate(sources, &pointer, None)
        };
        let place = if pointer.is_empty() {
            String::new()
        } else {
            format!(" at `{pointer}`")
        };
        sink.push(
            Diagnostic::error(
                Code::SchemaViolation,
                format!(
                    "{} is missing the required {noun} {}{place}",
                    subject.what,
                    list(&fields)
                ),
            )
            .primary(location, format!("add the missing field{plural}")),
        );
    }
    valid
}

/// The property names an `additionalProperties: false` keyword allows, sorted.
fn allowed_properties(schemas: &Schemas, keyword_location: &str) -> Vec<String> {
    let Some(parent) = keyword_location.strip_suffix("/additionalProperties") else {
        return Vec::new();
    };
    let mut names: Vec<String> = schemas
        .at(&format!("{parent}/properties"))
        .and_then(Value::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    names
}
