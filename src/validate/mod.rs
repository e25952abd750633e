//! Stage 2, validate: checks the settings and every evaluated entity against its JSON Schema,
//! reporting every violation (not the first), checks that each entity's `name` is its file
//! stem and that the names that become keys downstream are unique within it, and reads the
//! typed fields and the references later stages use. Output: a [`Registry`] of the entities
//! that passed, and of those that did not with their well-typed references (still checked,
//! never emitted); it never reads source files except to point at positions.

mod duplicates;
mod schemas;

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use jsonschema::error::ValidationErrorKind;
use serde::Deserialize;
use serde_json::Value;

pub(crate) use self::schemas::FILES as SCHEMA_FILES;
pub(crate) use self::schemas::Schemas;
use crate::diagnostic::{Code, Diagnostic, Location, Sink, list, suggest};
use crate::evaluate::{Evaluation, SettingsValue};
use crate::model::{
    Entity, EntityId, Invalid, Kind, Record, Reference, Registry, Settings, references,
};
use crate::source::locate::Tree;
use crate::source::{FileId, Sources};

/// Validates the settings; `None` when they are unusable.
pub(crate) fn settings(
    settings: &SettingsValue,
    schemas: &Schemas,
    sources: &Sources,
    sink: &mut Sink,
) -> Option<Settings> {
    let value = settings.value.as_ref()?;
    let subject = Subject::new(settings.file, None, "the settings", value, sources);
    let valid = check(schemas, schemas.settings(), &subject, sink).is_empty();
    valid.then(|| Settings::deserialize(value).ok()).flatten()
}

/// Validates `evaluation`; `None` when the settings are unusable. An entity that `known` (a
/// registry validated in this run, with the same schemas) holds with the very same value, and
/// found nothing to say about, is taken from it as it is: validating it again would find the
/// same, and say nothing.
pub(crate) fn validate(
    evaluation: Evaluation,
    sources: &Sources,
    known: Option<&Registry>,
    sink: &mut Sink,
) -> Option<Registry> {
    let schemas = Schemas::new();
    let settings = settings(&evaluation.settings, &schemas, sources, sink);
    let mut entities = BTreeMap::new();
    let mut invalid: BTreeMap<EntityId, Invalid> = evaluation
        .failed
        .iter()
        .map(|entity| {
            let failed = Invalid {
                file: entity.file,
                json: None,
                references: Vec::new(),
            };
            (entity.id.clone(), failed)
        })
        .collect();
    // Each entity on every core; what each found is taken in id order, as one pass would.
    let checked = crate::parallel::map(&evaluation.entities, &|(file, json)| {
        let digest = crate::emit::digest(json.as_bytes());
        let same = known
            .and_then(|known| known.entities.get(&file.id))
            .filter(|record| record.clean && record.digest == digest);
        let checked = match same {
            Some(record) => Checked {
                entity: Some(record.entity.clone()),
                references: record.references.clone(),
                diagnostics: Sink::default(),
            },
            None => entity(&schemas, file.file, &file.id, json, sources),
        };
        (checked, digest)
    });
    for ((file, json), (checked, digest)) in evaluation.entities.into_iter().zip(checked) {
        let clean = checked.diagnostics.is_empty();
        sink.append(checked.diagnostics);
        let references = checked.references;
        match checked.entity {
            Some(entity) => {
                entities.insert(
                    file.id,
                    Record {
                        file: file.file,
                        json,
                        digest,
                        clean,
                        entity,
                        references,
                    },
                );
            }
            None => {
                invalid.insert(
                    file.id,
                    Invalid {
                        file: file.file,
                        json: Some(json),
                        references,
                    },
                );
            }
        }
    }
    let settings_digest = crate::emit::digest(
        evaluation
            .settings
            .value
            .as_ref()
            .map(serde_json::Value::to_string)
            .unwrap_or_default()
            .as_bytes(),
    );
    Some(Registry {
        settings: settings?,
        settings_digest,
        entities,
        invalid,
    })
}

/// What validating one entity found.
struct Checked {
    /// The entity, when it is valid.
    entity: Option<Entity>,
    references: Vec<Reference>,
    diagnostics: Sink,
}

/// Validates the entity `id`, of value `json`, from `file`.
fn entity(
    schemas: &Schemas,
    file: FileId,
    id: &EntityId,
    json: &str,
    sources: &Sources,
) -> Checked {
    let mut sink = Sink::default();
    let value: Value = serde_json::from_str(json).expect("evaluation writes valid JSON");
    let what = format!("{} `{}`", id.kind, id.name);
    let subject = Subject::new(file, Some(id), &what, &value, sources);
    let errors = check(schemas, schemas.kind(id.kind), &subject, &mut sink);
    let mut valid = errors.is_empty();
    if let Some(name) = value.get("name").and_then(Value::as_str)
        && name != id.name
    {
        valid = false;
        let kind = id.kind;
        sink.push(
            Diagnostic::error(
                Code::NameMismatch,
                format!("{kind} `{name}` is declared in a file named `{}`", id.name),
            )
            .primary(subject.value("/name"), format!("expected `{}`", id.name))
            .help(format!(
                "the file stem is the {kind}'s name: rename the file to `{name}.jsonnet`, or \
                 the {kind} to `{}`",
                id.name
            )),
        );
    }
    duplicates::check(id.kind, &subject, &mut sink);
    // A reference whose own value broke the schema is not read; every other one is, so that
    // one pass reports everything.
    let references = references(id.kind, &value)
        .into_iter()
        .filter(|reference| !errors.contains(&reference.pointer))
        .collect();
    Checked {
        entity: valid.then(|| typed(id.kind, &value)).flatten(),
        references,
        diagnostics: sink,
    }
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

/// What is being validated: its evaluated value, and its file, parsed when a position is
/// first needed.
struct Subject<'a> {
    file: FileId,
    entity: Option<&'a EntityId>,
    what: &'a str,
    value: &'a Value,
    sources: &'a Sources,
    tree: OnceCell<Tree>,
}

impl<'a> Subject<'a> {
    fn new(
        file: FileId,
        entity: Option<&'a EntityId>,
        what: &'a str,
        value: &'a Value,
        sources: &'a Sources,
    ) -> Self {
        Self {
            file,
            entity,
            what,
            value,
            sources,
            tree: OnceCell::new(),
        }
    }

    fn tree(&self) -> &Tree {
        self.tree
            .get_or_init(|| Tree::parse(self.sources.text(self.file).map_or("", |text| &**text)))
    }

    /// Where the value at `pointer` is written, or the entity and pointer when that is not
    /// certain.
    fn value(&self, pointer: &str) -> Location {
        self.location(self.tree().value(self.value, pointer), pointer)
    }

    /// Where the last step of `pointer` (a field's name, an element) is written.
    fn key(&self, pointer: &str) -> Location {
        self.location(self.tree().key(self.value, pointer), pointer)
    }

    fn location(&self, range: Option<Range<usize>>, pointer: &str) -> Location {
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

/// `pointer` as shown in a message: `/` for the whole value.
fn shown(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

/// Reports every schema violation of the subject's value; the pointers of the values that
/// had one (empty when it is valid).
fn check(
    schemas: &Schemas,
    validator: &jsonschema::Validator,
    subject: &Subject,
    sink: &mut Sink,
) -> BTreeSet<String> {
    let mut errors = BTreeSet::new();
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for error in validator.iter_errors(subject.value) {
        let pointer = error.instance_path().as_str().to_owned();
        errors.insert(pointer.clone());
        let at = shown(&pointer);
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
                            format!(
                                "{} has an unknown field `{field}` at `{field_pointer}`",
                                subject.what
                            ),
                        )
                        .primary(subject.key(&field_pointer), "unknown field")
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
                let near = instance
                    .as_str()
                    .and_then(|literal| suggest(literal, options.iter().map(String::as_str)));
                sink.push(
                    Diagnostic::error(
                        Code::SchemaViolation,
                        format!(
                            "{} has an invalid value at `{at}`: {instance}",
                            subject.what
                        ),
                    )
                    .primary(
                        subject.value(&pointer),
                        format!("expected one of {}", list(&options)),
                    )
                    .help_opt(near.map(|near| format!("did you mean `{near}`?"))),
                );
            }
            _ => {
                sink.push(
                    Diagnostic::error(
                        Code::SchemaViolation,
                        format!("{} has an invalid value at `{at}`", subject.what),
                    )
                    .primary(subject.value(&pointer), error.to_string()),
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
            subject.value(&pointer)
        };
        sink.push(
            Diagnostic::error(
                Code::SchemaViolation,
                format!(
                    "{} is missing the required {noun} {} at `{}`",
                    subject.what,
                    list(&fields),
                    shown(&pointer)
                ),
            )
            .primary(location, format!("add the missing field{plural}")),
        );
    }
    errors
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
