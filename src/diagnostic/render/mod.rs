//! Renders diagnostics: [`full`] for people (rustc's layout), and one line each, JSON, or
//! GitHub workflow commands for machines. Positions are resolved here, once, from the
//! [`Sources`]; no other module formats a diagnostic. Everything printed is bounded and
//! escaped here, whatever a diagnostic holds: each text is cut (see the constants below), the
//! formats for people list at most [`LISTED`] diagnostics and [`HUMAN_BYTES`] of them unless
//! `--verbose`, and nothing printed can act as a terminal control or a workflow command.

mod concise;
mod full;
mod github;
pub(crate) mod json;
mod paths;

use std::fmt::Write as _;

use serde::Serialize;

pub(crate) use self::paths::Paths;
use super::{Diagnostic, Location, Severity};
use crate::source::Sources;
use crate::text::Cut;

/// Characters of a message or a help shown at most.
const MESSAGE: usize = 1000;
/// Characters of a label, an entity or a pointer shown at most.
const LABEL: usize = 300;
/// Characters of a note (a trace may be long) shown at most.
const NOTE: usize = 4000;
/// Characters of a path shown at most.
const PATH: usize = 500;
/// Secondary labels shown per diagnostic at most.
const MAX_LABELS: usize = 16;
/// Notes shown per diagnostic at most.
const MAX_NOTES: usize = 16;
/// Diagnostics listed by the formats for people and by GitHub's without `--verbose`.
const LISTED: usize = 100;
/// Bytes of diagnostics printed by the human format without `--verbose`.
const HUMAN_BYTES: usize = 1 << 20;
/// How much of an attachment (a stale file's diff) is shown without `--verbose`; with it,
/// every line, each still bounded.
const ATTACHMENT: Cut = Cut {
    lines: 50,
    bytes: 8 * 1024,
    line: 1000,
};

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

/// How to render.
#[derive(Debug, Default)]
pub(crate) struct Options {
    /// Color the human format.
    pub(crate) styled: bool,
    /// List every diagnostic, and every line of an attachment.
    pub(crate) verbose: bool,
    /// How files are named.
    pub(crate) paths: Paths,
}

impl Options {
    fn attachment(&self) -> Cut {
        if self.verbose {
            Cut::lines_only(ATTACHMENT.line)
        } else {
            ATTACHMENT
        }
    }
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
    /// Where `location` is; the path and texts as they are, for each format to bound and
    /// escape its own way.
    pub(super) fn new(sources: &Sources, location: &Location, paths: &Paths) -> Self {
        let path = match location {
            Location::Output { path } => paths.output(path),
            other => paths.file(
                sources,
                other.file().expect("registry locations have a file"),
            ),
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
                if let (Some(start), Some(end)) = (
                    sources.position(*file, range.start),
                    sources.position(*file, range.end),
                ) {
                    position.line = Some(start.0);
                    position.column = Some(start.1);
                    position.end_line = Some(end.0);
                    position.end_column = Some(end.1);
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

    /// `path:line:column`, or `path` when the position is unknown; escaped for one line.
    pub(super) fn short(&self) -> String {
        let path = crate::text::shown(&self.path, PATH);
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{path}:{line}:{column}"),
            _ => path,
        }
    }
}

/// Renders `diagnostics` in `format`, safe to print as it is.
pub(crate) fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    format: Format,
    options: &Options,
) -> String {
    let listed = if options.verbose { usize::MAX } else { LISTED };
    match format {
        Format::Human => {
            let mut out = String::new();
            let mut shown = 0;
            for diagnostic in diagnostics.iter().take(listed) {
                let mut text = full::render(diagnostic, sources, options) + "\n";
                if let Some(attachment) = &diagnostic.attachment {
                    text.push_str(&crate::text::cut_lines(
                        attachment,
                        options.attachment(),
                        "`--verbose` shows them",
                    ));
                    text.push('\n');
                }
                text.push('\n');
                if !options.verbose && shown > 0 && out.len() + text.len() > HUMAN_BYTES {
                    break;
                }
                out.push_str(&text);
                shown += 1;
            }
            out.push_str(&more(diagnostics.len() - shown));
            crate::text::inert(out)
        }
        Format::Concise => {
            let mut out: String = diagnostics
                .iter()
                .take(listed)
                .map(|diagnostic| concise::render(diagnostic, sources, options))
                .collect();
            out.push_str(&more(diagnostics.len().saturating_sub(listed)));
            crate::text::inert(out)
        }
        Format::Json => json::render(diagnostics, sources, options),
        Format::Github => {
            let mut out: String = diagnostics
                .iter()
                .take(listed)
                .map(|diagnostic| github::render(diagnostic, sources, options))
                .collect();
            let omitted = diagnostics.len().saturating_sub(listed);
            if omitted > 0 {
                let _ = writeln!(
                    out,
                    "::notice title=registry::{omitted} more problems are not annotated \
                     (`--verbose` annotates them all)"
                );
            }
            crate::text::inert_inline(out, "\\u{23}[")
        }
    }
}

/// The line that counts the diagnostics left out, if any.
fn more(omitted: usize) -> String {
    match omitted {
        0 => String::new(),
        1 => "1 more problem not shown (`--verbose` shows it)\n".to_owned(),
        omitted => format!("{omitted} more problems not shown (`--verbose` shows them all)\n"),
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
