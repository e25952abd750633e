//! Renders diagnostics: [`full`] for people (rustc's layout), and one line each, JSON, or
//! GitHub workflow commands for machines. Positions are resolved here, once, from the
//! [`Sources`]; no other module formats a diagnostic.

mod full;

use serde::Serialize;

use super::{Diagnostic, Location, Severity};
use crate::cli::Format;
use crate::source::{LineIndex, Sources};

/// A location resolved to a path and 1-based positions.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Position {
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
    fn new(sources: &Sources, location: &Location) -> Self {
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
    fn short(&self) -> String {
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
            .map(|diagnostic| concise(diagnostic, sources))
            .collect(),
        Format::Json => json(diagnostics, sources),
        Format::Github => diagnostics
            .iter()
            .map(|diagnostic| github(diagnostic, sources))
            .collect(),
    }
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn concise(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let at = diagnostic
        .primary
        .as_ref()
        .map(|label| Position::new(sources, &label.location).short() + ": ")
        .unwrap_or_default();
    format!(
        "{at}{}[{}]: {}\n",
        severity(diagnostic.severity),
        diagnostic.code,
        diagnostic.message
    )
}

fn json(diagnostics: &[Diagnostic], sources: &Sources) -> String {
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
    let label = |label: &super::Label| Label {
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

/// A GitHub Actions workflow command: an annotation on the file and line.
fn github(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let escape_data = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_property = |text: &str| escape_data(text).replace(':', "%3A").replace(',', "%2C");
    let mut properties = Vec::new();
    if let Some(label) = &diagnostic.primary {
        let position = Position::new(sources, &label.location);
        properties.push(format!("file={}", escape_property(&position.path)));
        for (name, value) in [
            ("line", position.line),
            ("col", position.column),
            ("endLine", position.end_line),
            ("endColumn", position.end_column),
        ] {
            if let Some(value) = value {
                properties.push(format!("{name}={value}"));
            }
        }
    }
    properties.push(format!(
        "title={}",
        escape_property(&format!("registry {}", diagnostic.code))
    ));
    let mut message = diagnostic.message.clone();
    for note in &diagnostic.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{} {}::{}\n",
        severity(diagnostic.severity),
        properties.join(","),
        escape_data(&message)
    )
}
