//! Renders diagnostics: [`full`] for people (rustc's layout), and one line each, JSON, or
//! GitHub workflow commands for machines. Positions are resolved here, once, from the
//! [`Sources`]; no other module formats a diagnostic.

mod concise;
mod full;
mod github;
mod json;

use serde::Serialize;

use super::{Diagnostic, Location, Severity};
use crate::source::{LineIndex, Sources};

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Like rustc: the code, the message, a source snippet, and help.
    Human,
    /// One line a problem: `path:line:column: severity[code] message`.
    Concise,
    /// A JSON document: the problems and a summary.
    Json,
    /// GitHub Actions workflow commands, shown as annotations on the pull request.
    Github,
}

/// A location resolved to a path and 1-based positions.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Position {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<String>,
}

impl Position {
    pub(super) fn new(sources: &Sources, location: &Location) -> Self {
        let path = match location {
            Location::Output { path } => path.clone(),
            other => sources.display_path(other.file().expect("registry locations have a file")),
        };
        let mut position = Self {
            path,
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            entity: None,
            pointer: None,
        };
        match location {
            Location::Span { file, range } | Location::Redacted { file, range } => {
                if let Some(text) = sources.text(*file) {
                    let index = LineIndex::new(text);
                    let (line, column) = index.position(text, range.start);
                    let (end_line, end_column) = index.position(text, range.end);
                    position.line = Some(line);
                    position.column = Some(column);
                    position.end_line = Some(end_line);
                    position.end_column = Some(end_column);
                }
            }
            Location::Entity {
                entity, pointer, ..
            } => {
                position.entity = Some(entity.to_string());
                position.pointer = Some(pointer.clone());
            }
            Location::File { .. } | Location::Output { .. } => {}
        }
        position
    }

    /// `path:line:column`, or `path` when the position is unknown.
    pub(super) fn short(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", self.path),
            _ => self.path.clone(),
        }
    }
}

/// Renders `diagnostics` in `format`. `styled` colors the human format.
pub(crate) fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    format: Format,
    styled: bool,
) -> String {
    match format {
        Format::Human => diagnostics
            .iter()
            .map(|diagnostic| {
                let mut text = full::render(diagnostic, sources, styled) + "\n";
                if let Some(attachment) = &diagnostic.attachment {
                    text.push_str(attachment);
                    text.push('\n');
                }
                text.push('\n');
                text
            })
            .collect(),
        Format::Concise => diagnostics
            .iter()
            .map(|diagnostic| concise::render(diagnostic, sources))
            .collect(),
        Format::Json => json::render(diagnostics, sources),
        Format::Github => diagnostics
            .iter()
            .map(|diagnostic| github::render(diagnostic, sources))
            .collect(),
    }
}

pub(super) fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

#[cfg(test)]
pub(super) mod fixture {
    //! One file and diagnostics on it, for the renderers' tests.

    use std::sync::Arc;

    use crate::diagnostic::{Code, Diagnostic, Location};
    use crate::model::{EntityId, Kind};
    use crate::source::{Content, FileId, SourceFile, Sources};

    pub(crate) fn sources() -> Sources {
        Sources::new(
            "registry".to_owned(),
            vec![SourceFile {
                path: "teams/payments.jsonnet".to_owned(),
                content: Content::Text(Arc::from("{\n  name: 'payments',\n  parnt: 'x',\n}\n")),
            }],
        )
    }

    pub(crate) fn file() -> FileId {
        sources().get("teams/payments.jsonnet").unwrap()
    }

    /// An error at a span, with a note and help; a warning on an entity's value.
    pub(crate) fn diagnostics() -> Vec<Diagnostic> {
        vec![
            Diagnostic::error(
                Code::SchemaViolation,
                "team `payments` has an unknown field `parnt`",
            )
            .primary(
                Location::Span {
                    file: file(),
                    range: 24..29,
                },
                "unknown field",
            )
            .note("a note, with a comma: and a colon")
            .help("did you mean `parent`?"),
            Diagnostic::new(
                Code::UnknownFile,
                crate::diagnostic::Severity::Warning,
                "50% of it\nis wrong",
            )
            .primary(
                Location::Entity {
                    file: file(),
                    entity: EntityId::new(Kind::Team, "payments"),
                    pointer: "/members/0".to_owned(),
                },
                "here",
            ),
        ]
    }
}
