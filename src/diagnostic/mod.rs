//! Problems in a registry. A stage pushes [`Diagnostic`]s into a [`Sink`] and goes on, so one
//! run reports everything; [`render`] turns them into text for people or machines.

mod code;
pub(crate) mod render;

use std::ops::Range;

pub(crate) use code::Code;

use crate::model::EntityId;
use crate::source::FileId;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Error,
    Warning,
}

/// Where a label points.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum Location {
    /// A byte range in a file.
    Span { file: FileId, range: Range<usize> },
    /// A value of an evaluated entity whose source position is unknown.
    Entity {
        file: FileId,
        entity: EntityId,
        pointer: String,
    },
    /// A whole file.
    File { file: FileId },
    /// A byte range whose text must never be shown (a credential): only its position is.
    Redacted { file: FileId, range: Range<usize> },
    /// A file outside the registry: a generated one, shown as its path.
    Output { path: String },
}

impl Location {
    /// The registry file this points into; `None` for an output file.
    pub(crate) fn file(&self) -> Option<FileId> {
        match self {
            Self::Span { file, .. }
            | Self::Entity { file, .. }
            | Self::File { file }
            | Self::Redacted { file, .. } => Some(*file),
            Self::Output { .. } => None,
        }
    }

    fn offset(&self) -> usize {
        match self {
            Self::Span { range, .. } | Self::Redacted { range, .. } => range.start,
            _ => 0,
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Label {
    pub(crate) location: Location,
    pub(crate) message: String,
}

impl Label {
    pub(crate) fn new(location: Location, message: impl Into<String>) -> Self {
        Self {
            location,
            message: message.into(),
        }
    }
}

/// One problem in the registry. It crosses from an evaluation worker as JSON.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Diagnostic {
    pub(crate) code: Code,
    pub(crate) severity: Severity,
    pub(crate) message: String,
    pub(crate) primary: Option<Label>,
    pub(crate) secondary: Vec<Label>,
    pub(crate) notes: Vec<String>,
    pub(crate) help: Option<String>,
    /// Text shown as it is after the diagnostic: a unified diff.
    pub(crate) attachment: Option<String>,
}

impl Diagnostic {
    pub(crate) fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    pub(crate) fn new(code: Code, severity: Severity, message: impl Into<String>) -> Self {
        Self {
            code,
            severity,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            attachment: None,
        }
    }

    #[must_use]
    pub(crate) fn primary(mut self, location: Location, message: impl Into<String>) -> Self {
        self.primary = Some(Label::new(location, message));
        self
    }

    #[must_use]
    pub(crate) fn secondary(mut self, location: Location, message: impl Into<String>) -> Self {
        self.secondary.push(Label::new(location, message));
        self
    }

    #[must_use]
    pub(crate) fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    #[must_use]
    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub(crate) fn attachment(mut self, text: String) -> Self {
        self.attachment = Some(text);
        self
    }

    #[must_use]
    pub(crate) fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help.or(self.help);
        self
    }

    /// Orders diagnostics by file, then position, then code, so output never depends on
    /// which thread finished first.
    fn sort_key(&self) -> (bool, Option<FileId>, Option<&str>, usize, Code, &str) {
        let location = self.primary.as_ref().map(|label| &label.location);
        let output = match location {
            Some(Location::Output { path }) => Some(path.as_str()),
            _ => None,
        };
        (
            location.is_none(),
            location.and_then(Location::file),
            output,
            location.map_or(0, Location::offset),
            self.code,
            &self.message,
        )
    }
}

/// Collects the diagnostics of one run.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    diagnostics: Vec<Diagnostic>,
}

impl Sink {
    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// Takes every diagnostic of `other`, after this one's.
    pub(crate) fn append(&mut self, mut other: Sink) {
        self.diagnostics.append(&mut other.diagnostics);
    }

    /// The diagnostics in a stable order, each problem once: a failure in a shared library
    /// file reached from many entities is reported at its first, with a count of the rest.
    pub(crate) fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.diagnostics
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let mut unique: Vec<(Diagnostic, usize)> = Vec::with_capacity(self.diagnostics.len());
        let mut seen: std::collections::HashMap<(Code, String, Option<Location>), usize> =
            std::collections::HashMap::new();
        for diagnostic in self.diagnostics {
            let key = (
                diagnostic.code,
                diagnostic.message.clone(),
                diagnostic
                    .primary
                    .as_ref()
                    .map(|label| label.location.clone()),
            );
            if let Some(&index) = seen.get(&key) {
                let first: Vec<&Location> = unique[index]
                    .0
                    .secondary
                    .iter()
                    .map(|label| &label.location)
                    .collect();
                let this: Vec<&Location> = diagnostic
                    .secondary
                    .iter()
                    .map(|label| &label.location)
                    .collect();
                if first != this {
                    unique[index].1 += 1;
                }
            } else {
                seen.insert(key, unique.len());
                unique.push((diagnostic, 0));
            }
        }
        unique
            .into_iter()
            .map(|(diagnostic, more)| match more {
                0 => diagnostic,
                1 => diagnostic.note("reached from 1 more file"),
                more => diagnostic.note(format!("reached from {more} more files")),
            })
            .collect()
    }
}

/// "`a`, `b`, and `c`".
pub(crate) fn list<T: std::fmt::Display>(items: &[T]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

/// The candidate nearest to `name`, if it is near enough to be a likely typo.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, candidate)| {
            *score > 0.8 || (candidate.contains(name) || name.contains(candidate)) && name.len() > 2
        })
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::{list, suggest};

    #[test]
    fn lists() {
        assert_eq!(list::<&str>(&[]), "");
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b"]), "`a` and `b`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b`, and `c`");
    }

    #[test]
    fn suggestions() {
        let names = ["payments", "payments-api", "ledger", "checkout"];
        assert_eq!(suggest("paymnts", names), Some("payments"));
        assert_eq!(suggest("ledgr", names), Some("ledger"));
        assert_eq!(suggest("zzz", names), None);
        assert_eq!(suggest("payments", names), Some("payments-api"));
    }
}
