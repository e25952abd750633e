//! rustc-style diagnostics, rendered by annotate-snippets. The only file that knows its API.
//! What annotate-snippets is handed is already safe to print: every text escaped and bounded,
//! and each source snippet an excerpt of the lines it annotates, each line cut to a window
//! around its annotations, so neither a file's size nor a line's length reaches the output.

use std::collections::HashMap;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::{LABEL, MAX_LABELS, MAX_NOTES, MESSAGE, NOTE, Options, PATH};
use crate::diagnostic::{Diagnostic, Label, Location, Severity};
use crate::source::{FileId, LineIndex, Sources};
use crate::text::{escape_into, shown, shown_lines};

/// Lines one snippet spans at most; labels further apart get snippets of their own.
const SNIPPET_LINES: usize = 24;
/// A range over more lines than this is shown on its first line only.
const RANGE_LINES: usize = 12;
/// Bytes of one source line handed to the renderer at most (which then shows what fits the
/// terminal's width).
const LINE_BYTES: usize = 2048;
/// Bytes kept before the first annotation of a line that is cut.
const CONTEXT: usize = 512;

pub(super) fn render(diagnostic: &Diagnostic, sources: &Sources, options: &Options) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let code = diagnostic.code.to_string();
    let title = shown(&diagnostic.message, MESSAGE);
    let mut group = Group::with_title(level.primary_title(title).id(code));
    let mut labels: Vec<(&Label, bool)> = Vec::new();
    if let Some(primary) = &diagnostic.primary {
        labels.push((primary, true));
    }
    labels.extend(
        diagnostic
            .secondary
            .iter()
            .take(MAX_LABELS)
            .map(|label| (label, false)),
    );
    // One group of snippets per file, in order of first mention, holding every span label in
    // it.
    let mut files: Vec<FileId> = Vec::new();
    for (label, _) in &labels {
        if let Location::Span { file, .. } = label.location
            && !files.contains(&file)
        {
            files.push(file);
        }
    }
    let mut columns: Vec<(String, String)> = Vec::new();
    let empty = LineIndex::new("");
    for file in &files {
        let text = sources.text(*file).map_or("", |text| &**text);
        let index = sources.line_index(*file).unwrap_or(&empty);
        let path = shown(&options.paths.file(sources, *file), PATH);
        let spans: Vec<Span> = labels
            .iter()
            .filter_map(|(label, primary)| match &label.location {
                Location::Span { file: at, range } if at == file => Some(Span {
                    range: range.clone(),
                    primary: *primary,
                    label: shown(&label.message, LABEL),
                }),
                _ => None,
            })
            .collect();
        for excerpt in excerpts(text, index, &spans) {
            if let Some(fix) = excerpt.fix {
                columns.push((format!("{path}:{}", fix.0), format!("{path}:{}", fix.1)));
            }
            let mut snippet = Snippet::source(excerpt.source)
                .line_start(excerpt.first_line)
                .path(path.clone());
            for (range, span) in excerpt.annotations {
                let span = &spans[span];
                let kind = if span.primary {
                    AnnotationKind::Primary
                } else {
                    AnnotationKind::Context
                };
                snippet = snippet.annotation(kind.span(range).label(span.label.clone()));
            }
            group = group.element(snippet);
        }
    }
    let mut notes: Vec<String> = Vec::new();
    for (label, _) in &labels {
        match &label.location {
            Location::Span { .. } => {}
            Location::Redacted { file, range } => {
                let (line, column) = sources.position(*file, range.start).unwrap_or((1, 1));
                group = group.element(
                    Origin::path(shown(&options.paths.file(sources, *file), PATH))
                        .line(line)
                        .char_column(column),
                );
                notes.push(shown(&label.message, LABEL));
            }
            Location::Entity {
                file,
                entity,
                pointer,
            } => {
                group = group.element(Origin::path(shown(
                    &options.paths.file(sources, *file),
                    PATH,
                )));
                notes.push(format!(
                    "entity: {} at {}: {}",
                    shown(&entity.to_string(), LABEL),
                    shown(pointer, LABEL),
                    shown(&label.message, LABEL)
                ));
            }
            Location::File { file } => {
                group = group.element(Origin::path(shown(
                    &options.paths.file(sources, *file),
                    PATH,
                )));
                notes.push(shown(&label.message, LABEL));
            }
            Location::Output { path } => {
                group = group.element(Origin::path(shown(&options.paths.output(path), PATH)));
                notes.push(shown(&label.message, LABEL));
            }
        }
    }
    notes.extend(
        diagnostic
            .notes
            .iter()
            .take(MAX_NOTES)
            .map(|note| shown_lines(note, NOTE)),
    );
    let more_labels = diagnostic.secondary.len().saturating_sub(MAX_LABELS);
    let more_notes = diagnostic.notes.len().saturating_sub(MAX_NOTES);
    if more_labels + more_notes > 0 {
        notes.push(format!(
            "{more_labels} more labels and {more_notes} more notes not shown"
        ));
    }
    for note in notes {
        group = group.element(Level::NOTE.message(note));
    }
    if let Some(help) = &diagnostic.help {
        group = group.element(Level::HELP.message(shown(help, MESSAGE)));
    }
    let renderer = if options.styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut text = renderer.render(&[group]);
    let mut from = 0;
    for (wrong, right) in columns {
        if let Some(at) = text[from..].find(&wrong) {
            let at = from + at;
            text.replace_range(at..at + wrong.len(), &right);
            from = at + right.len();
        }
    }
    text
}

/// A span label of one file, its text already made safe.
struct Span {
    range: Range<usize>,
    primary: bool,
    label: String,
}

/// Consecutive lines of a file, made safe to print, with the spans that point into them.
struct Excerpt {
    source: String,
    /// The 1-based number of its first line.
    first_line: usize,
    /// Each annotation's range in `source`, and which span it is.
    annotations: Vec<(Range<usize>, usize)>,
    /// When the line of the first annotation was cut at its start, the renderer counts the
    /// column from the cut: the `line:column` it prints, and the true one.
    fix: Option<(String, String)>,
}

/// One span's range, kept on valid character boundaries, and its lines.
struct Placed {
    range: Range<usize>,
    first: usize,
    last: usize,
}

fn floor_char(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn ceil_char(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index += 1;
    }
    index
}

/// The excerpts that show `spans`: nearby spans share one, the primary's comes first.
fn excerpts(text: &str, index: &LineIndex, spans: &[Span]) -> Vec<Excerpt> {
    let placed: Vec<Placed> = spans
        .iter()
        .map(|span| {
            let start = floor_char(text, span.range.start);
            let mut end = ceil_char(text, span.range.end.max(start));
            let first = index.line(start);
            let mut last = if end > start {
                index.line(end - 1)
            } else {
                first
            };
            if last - first >= RANGE_LINES {
                end = index.line_range(text, first).end.max(start);
                last = first;
            }
            Placed {
                range: start..end,
                first,
                last,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&span| (placed[span].first, placed[span].range.start));
    let mut groups: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    for span in order {
        let Placed { first, last, .. } = placed[span];
        match groups.last_mut() {
            Some((low, high, members)) if (*high).max(last) - *low < SNIPPET_LINES => {
                *high = (*high).max(last);
                members.push(span);
            }
            _ => groups.push((first, last, vec![span])),
        }
    }
    groups.sort_by_key(|(_, _, members)| !members.iter().any(|&span| spans[span].primary));
    groups
        .into_iter()
        .map(|(low, high, members)| excerpt(text, index, spans, &placed, low..=high, &members))
        .collect()
}

/// The lines `lines` of `text`, each cut to a window around the points of `members` on it and
/// escaped, with those spans mapped into the result.
fn excerpt(
    text: &str,
    index: &LineIndex,
    spans: &[Span],
    placed: &[Placed],
    lines: std::ops::RangeInclusive<usize>,
    members: &[usize],
) -> Excerpt {
    let mut points: Vec<usize> = members
        .iter()
        .flat_map(|&span| [placed[span].range.start, placed[span].range.end])
        .collect();
    points.sort_unstable();
    points.dedup();
    let mut mapped: HashMap<usize, usize> = HashMap::new();
    // The start in `source` of each line, by line number.
    let mut line_starts: HashMap<usize, usize> = HashMap::new();
    let mut source = String::new();
    let mut next = 0;
    let first_line = *lines.start();
    for line in lines {
        let range = index.line_range(text, line);
        let following = if line + 1 < index.lines() {
            index.line_range(text, line + 1).start
        } else {
            text.len() + 1
        };
        let on_line_end = points[next..].partition_point(|&point| point < following) + next;
        let on_line = &points[next..on_line_end];
        let (low, high) = if range.len() <= LINE_BYTES {
            (range.start, range.end)
        } else {
            let first = on_line
                .first()
                .copied()
                .unwrap_or(range.start)
                .clamp(range.start, range.end);
            let last = on_line
                .last()
                .copied()
                .unwrap_or(first)
                .clamp(range.start, range.end);
            let low = floor_char(text, first.saturating_sub(CONTEXT).max(range.start));
            let high = (last.max(first) + CONTEXT)
                .min(low + LINE_BYTES)
                .min(range.end);
            (low, ceil_char(text, high))
        };
        line_starts.insert(line, source.len());
        if low > range.start {
            source.push('…');
        }
        let mut pending = on_line.iter().copied().peekable();
        while let Some(&point) = pending.peek() {
            if point > low {
                break;
            }
            mapped.insert(point, source.len());
            pending.next();
        }
        for (offset, character) in text[low..high].char_indices() {
            let at = low + offset;
            while let Some(&point) = pending.peek() {
                if point > at {
                    break;
                }
                mapped.insert(point, source.len());
                pending.next();
            }
            escape_into(&mut source, character, &['\t']);
        }
        // Points past the window are at its end; points in the line break, after it.
        let mut in_break = Vec::new();
        for point in pending {
            if point <= range.end {
                mapped.insert(point, source.len());
            } else {
                in_break.push(point);
            }
        }
        if high < range.end {
            source.push('…');
        }
        source.push('\n');
        for point in in_break {
            mapped.insert(point, source.len());
        }
        next = on_line_end;
    }
    for &point in &points[next..] {
        mapped.insert(point, source.len());
    }
    let annotations: Vec<(Range<usize>, usize)> = members
        .iter()
        .map(|&span| {
            let range = &placed[span].range;
            (mapped[&range.start]..mapped[&range.end], span)
        })
        .collect();
    // Where the renderer's `line:column` comes from: the primary span, else the first span of
    // the first line.
    let lead = members
        .iter()
        .copied()
        .find(|&span| spans[span].primary)
        .or_else(|| {
            members
                .iter()
                .copied()
                .min_by_key(|&span| (placed[span].first, placed[span].range.start))
        });
    let fix = lead.and_then(|span| {
        let Placed { range, first, .. } = &placed[span];
        let line_start = line_starts[first];
        let column = source[line_start..mapped[&range.start]].chars().count() + 1;
        let (_, true_column) = index.position(text, range.start);
        (column != true_column).then(|| {
            (
                format!("{}:{column}", first + 1),
                format!("{}:{true_column}", first + 1),
            )
        })
    });
    Excerpt {
        source,
        first_line: first_line + 1,
        annotations,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::sync::Arc;

    use super::super::{Options, fixture};
    use crate::diagnostic::{Code, Diagnostic, Location};
    use crate::source::{Content, SourceFile, Sources};

    fn one(text: &str) -> Sources {
        Sources::new(
            "registry".to_owned(),
            vec![SourceFile {
                path: "x.jsonnet".to_owned(),
                content: Content::Text(Arc::from(text)),
            }],
        )
    }

    fn render(sources: &Sources, diagnostic: &Diagnostic) -> String {
        super::render(diagnostic, sources, &Options::default())
    }

    #[test]
    fn a_snippet_with_its_label() {
        let sources = fixture::sources();
        let text = render(&sources, &fixture::diagnostics()[0]);
        assert_eq!(
            text,
            "error[schema-violation]: team `payments` has an unknown field `parnt`\n \
             --> registry/teams/payments.jsonnet:3:3\n  |\n3 |   parnt: 'x',\n  |   ^^^^^ \
             unknown field\n  |\n  = note: a note, with a comma: and a colon\n  = help: did \
             you mean `parent`?"
        );
    }

    #[test]
    fn control_characters_in_the_source_are_escaped_and_the_caret_follows() {
        let sources = one("{ a: '\x1b[2J\u{9b}', bad: 1 }\n");
        let file = sources.get("x.jsonnet").unwrap();
        let at = "{ a: '\x1b[2J\u{9b}', ".len();
        let diagnostic = Diagnostic::error(Code::SchemaViolation, "bad\x1b[31m").primary(
            Location::Span {
                file,
                range: at..at + 3,
            },
            "here\x07",
        );
        let text = render(&sources, &diagnostic);
        assert!(
            text.chars()
                .all(|character| character == '\n' || !crate::text::is_unsafe(character)),
            "{text:?}"
        );
        assert_eq!(
            text,
            "error[schema-violation]: bad\\u{1b}[31m\n --> registry/x.jsonnet:1:15\n  |\n1 | \
             { a: '\\u{1b}[2J\\u{9b}', bad: 1 }\n  |                         ^^^ here\\u{7}"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_label_and_keeps_its_column() {
        let text = format!("{{ a: '{}', bad: 1 }}\n", "x".repeat(1_000_000));
        let sources = one(&text);
        let file = sources.get("x.jsonnet").unwrap();
        let at = text.find("bad").unwrap();
        let diagnostic = Diagnostic::error(Code::SchemaViolation, "bad").primary(
            Location::Span {
                file,
                range: at..at + 3,
            },
            "here",
        );
        let rendered = render(&sources, &diagnostic);
        assert!(rendered.len() < 1000, "{}", rendered.len());
        assert!(
            rendered.contains(&format!("--> registry/x.jsonnet:1:{}", at + 1)),
            "{rendered}"
        );
        assert!(rendered.contains("^^^ here"), "{rendered}");
    }

    #[test]
    fn distant_labels_get_snippets_of_their_own() {
        let text = (0..1000).fold(String::new(), |mut text, line| {
            let _ = writeln!(text, "line {line}");
            text
        });
        let sources = one(&text);
        let file = sources.get("x.jsonnet").unwrap();
        let at = |line: usize| text.find(&format!("line {line}\n")).unwrap();
        let diagnostic = Diagnostic::error(Code::SchemaViolation, "far apart")
            .primary(
                Location::Span {
                    file,
                    range: at(900)..at(900) + 4,
                },
                "here",
            )
            .secondary(
                Location::Span {
                    file,
                    range: at(2)..at(2) + 4,
                },
                "and there",
            )
            .secondary(
                Location::Span {
                    file,
                    range: at(10)..at(500),
                },
                "and over many lines",
            );
        let rendered = render(&sources, &diagnostic);
        assert!(rendered.len() < 2000, "{rendered}");
        assert!(
            rendered
                .starts_with("error[schema-violation]: far apart\n   --> registry/x.jsonnet:901:1"),
            "{rendered}"
        );
        assert!(
            rendered.contains("::: registry/x.jsonnet:3:1"),
            "{rendered}"
        );
        assert!(rendered.contains("and over many lines"), "{rendered}");
    }
}
