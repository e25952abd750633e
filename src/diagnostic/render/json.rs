//! A JSON document: every diagnostic with its resolved positions, and the counts.

use serde::Serialize;

use super::Position;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Sources;

pub(super) fn render(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    #[derive(Serialize)]
    struct Label {
        #[serde(flatten)]
        position: Position,
        message: String,
    }
    #[derive(Serialize)]
    struct Entry<'a> {
        code: String,
        severity: Severity,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        location: Option<Label>,
        related: Vec<Label>,
        notes: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        help: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        diff: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct Report<'a> {
        diagnostics: Vec<Entry<'a>>,
        errors: usize,
        warnings: usize,
    }
    let label = |label: &crate::diagnostic::Label| Label {
        position: Position::new(sources, &label.location),
        message: label.message.clone(),
    };
    let report = Report {
        diagnostics: diagnostics
            .iter()
            .map(|diagnostic| Entry {
                code: diagnostic.code.to_string(),
                severity: diagnostic.severity,
                message: &diagnostic.message,
                location: diagnostic.primary.as_ref().map(label),
                related: diagnostic.secondary.iter().map(label).collect(),
                notes: &diagnostic.notes,
                help: diagnostic.help.as_deref(),
                diff: diagnostic.attachment.as_deref(),
            })
            .collect(),
        errors: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        warnings: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
    };
    serde_json::to_string_pretty(&report).expect("diagnostics serialize") + "\n"
}

#[cfg(test)]
mod tests {
    use super::super::fixture;

    #[test]
    fn a_document_with_positions_and_counts() {
        let text = super::render(&fixture::diagnostics(), &fixture::sources());
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            document,
            serde_json::json!({
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
}
