//! A JSON document: every diagnostic with its resolved positions, and the counts. Its shape is
//! the contract in `schemas/check.schema.json`; [`Report`] is also what `diff` embeds for each
//! side. Every string is bounded (JSON's escaping makes it safe to print); no diagnostic is
//! left out, whatever their number.

use std::borrow::Cow;

use serde::Serialize;

use super::{LABEL, MESSAGE, NOTE, Options, PATH, Position};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Sources;
use crate::text::bounded;

/// The version of the document `check --format json` prints.
pub(crate) const API_VERSION: &str = "registry.dev/check/v1";

#[derive(Serialize)]
struct Label<'a> {
    #[serde(flatten)]
    position: Position,
    message: Cow<'a, str>,
}

#[derive(Serialize)]
struct Entry<'a> {
    code: String,
    severity: Severity,
    message: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Label<'a>>,
    related: Vec<Label<'a>>,
    notes: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
}

/// Diagnostics and their counts, for a JSON document.
#[derive(Serialize)]
pub(crate) struct Report<'a> {
    diagnostics: Vec<Entry<'a>>,
    errors: usize,
    warnings: usize,
}

/// The diagnostics as a [`Report`].
pub(crate) fn report<'a>(
    diagnostics: &'a [Diagnostic],
    sources: &Sources,
    options: &Options,
) -> Report<'a> {
    let label = |label: &'a crate::diagnostic::Label| {
        let mut position = Position::new(sources, &label.location, &options.paths);
        position.path = bounded(&position.path, PATH).into_owned();
        position.entity = position
            .entity
            .map(|entity| bounded(&entity, LABEL).into_owned());
        position.pointer = position
            .pointer
            .map(|pointer| bounded(&pointer, LABEL).into_owned());
        Label {
            position,
            message: bounded(&label.message, LABEL),
        }
    };
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == severity)
            .count()
    };
    Report {
        diagnostics: diagnostics
            .iter()
            .map(|diagnostic| Entry {
                code: diagnostic.code.to_string(),
                severity: diagnostic.severity,
                message: bounded(&diagnostic.message, MESSAGE),
                location: diagnostic.primary.as_ref().map(label),
                related: diagnostic.secondary.iter().map(label).collect(),
                notes: diagnostic
                    .notes
                    .iter()
                    .map(|note| bounded(note, NOTE))
                    .collect(),
                help: diagnostic
                    .help
                    .as_deref()
                    .map(|help| bounded(help, MESSAGE)),
                diff: diagnostic.attachment.as_deref().map(|diff| {
                    crate::text::cut_lines(diff, options.attachment(), "`--verbose` shows them")
                }),
            })
            .collect(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
    }
}

/// `value` as pretty JSON, safe to print.
pub(crate) fn to_json(value: &impl Serialize) -> String {
    crate::text::inert_json(
        serde_json::to_string_pretty(value).expect("documents serialize") + "\n",
    )
}

pub(super) fn render(diagnostics: &[Diagnostic], sources: &Sources, options: &Options) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        #[serde(rename = "apiVersion")]
        api_version: &'static str,
        #[serde(flatten)]
        report: Report<'a>,
    }
    to_json(&Document {
        api_version: API_VERSION,
        report: report(diagnostics, sources, options),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Options, fixture};

    #[test]
    fn a_document_with_positions_and_counts() {
        let text = super::render(
            &fixture::diagnostics(),
            &fixture::sources(),
            &Options::default(),
        );
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            document,
            serde_json::json!({
                "apiVersion": "registry.dev/check/v1",
                "diagnostics": [
                    {
                        "code": "schema-violation",
                        "severity": "error",
                        "message": "team `payments` has an unknown field `parnt`",
                        "location": {
                            "path": "registry/teams/payments.jsonnet",
                            "line": 3, "column": 3, "endLine": 3, "endColumn": 8,
                            "message": "unknown field",
                        },
                        "related": [],
                        "notes": ["a note, with a comma: and a colon"],
                        "help": "did you mean `parent`?",
                    },
                    {
                        "code": "unknown-file",
                        "severity": "warning",
                        "message": "50% of it\nis wrong",
                        "location": {
                            "path": "registry/teams/payments.jsonnet",
                            "entity": "team/payments",
                            "pointer": "/members/0",
                            "message": "here",
                        },
                        "related": [],
                        "notes": [],
                    },
                ],
                "errors": 1,
                "warnings": 1,
            })
        );
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn strings_are_bounded_and_printable() {
        let mut diagnostics = fixture::diagnostics();
        diagnostics[0].message = format!("\u{9b}31m##[error]{}", "x".repeat(100_000));
        diagnostics[0].attachment = Some("+line\n".repeat(100_000));
        let text = super::render(&diagnostics, &fixture::sources(), &Options::default());
        assert!(text.len() < 20_000, "{}", text.len());
        assert!(!text.contains('\u{9b}') && !text.contains("##["), "{text}");
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        let message = document["diagnostics"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("\u{9b}31m##[error]x"), "{message}");
        assert!(message.ends_with("… (99013 more bytes)"), "{message}");
    }
}
