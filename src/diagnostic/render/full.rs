//! rustc-style diagnostics, rendered by annotate-snippets. The only file that knows its API.

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Label, Location, Severity};
use crate::source::{LineIndex, Sources};

pub(super) fn render(diagnostic: &Diagnostic, sources: &Sources, styled: bool) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let code = diagnostic.code.to_string();
    let mut group = Group::with_title(level.primary_title(diagnostic.message.as_str()).id(code));
    let mut labels: Vec<(&Label, bool)> = Vec::new();
    if let Some(primary) = &diagnostic.primary {
        labels.push((primary, true));
    }
    labels.extend(diagnostic.secondary.iter().map(|label| (label, false)));
    // One snippet per file, in order of first mention, holding every span label in it.
    let mut files: Vec<crate::source::FileId> = Vec::new();
    for (label, _) in &labels {
        if let Location::Span { file, .. } = label.location
            && !files.contains(&file)
        {
            files.push(file);
        }
    }
    let mut notes: Vec<String> = Vec::new();
    for file in &files {
        let text = sources.text(*file).map_or("", |text| &**text);
        let mut snippet = Snippet::source(text).path(sources.display_path(*file));
        for (label, primary) in &labels {
            if let Location::Span { file: at, range } = &label.location
                && at == file
            {
                let kind = if *primary {
                    AnnotationKind::Primary
                } else {
                    AnnotationKind::Context
                };
                let range = range.start.min(text.len())..range.end.min(text.len());
                snippet = snippet.annotation(kind.span(range).label(label.message.as_str()));
            }
        }
        group = group.element(snippet);
    }
    for (label, _) in &labels {
        match &label.location {
            Location::Span { .. } => {}
            Location::Redacted { file, range } => {
                let text = sources.text(*file).map_or("", |text| &**text);
                let (line, column) = LineIndex::new(text).position(text, range.start);
                group = group.element(
                    Origin::path(sources.display_path(*file))
                        .line(line)
                        .char_column(column),
                );
                notes.push(label.message.clone());
            }
            Location::Entity {
                file,
                entity,
                pointer,
            } => {
                group = group.element(Origin::path(sources.display_path(*file)));
                notes.push(format!("entity: {entity} at {pointer}: {}", label.message));
            }
            Location::File { file } => {
                group = group.element(Origin::path(sources.display_path(*file)));
                notes.push(label.message.clone());
            }
            Location::Output { path } => {
                group = group.element(Origin::path(path.as_str()));
                notes.push(label.message.clone());
            }
        }
    }
    notes.extend(diagnostic.notes.iter().cloned());
    for note in &notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    if let Some(help) = &diagnostic.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(&[group])
}
