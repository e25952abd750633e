//! Turns a failed evaluation into a [`Diagnostic`]: the right code, the innermost location in
//! the registry's own files, and a short trace without standard-library frames, with repeated
//! frames folded.

use jrsonnet_evaluator::{Error as JsonnetError, SourceVirtual, Span, error::ErrorKind};

use super::engine::MAX_CALL_DEPTH;
use super::resolver::ImportFailure;
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::source::{FileId, Sources};

/// The most trace frames a diagnostic shows.
const MAX_FRAMES: usize = 6;

pub(super) fn diagnostic(
    sources: &Sources,
    file: FileId,
    error: &JsonnetError,
    import: Option<ImportFailure>,
) -> Diagnostic {
    let frames: Vec<(Location, &str)> = error
        .trace()
        .0
        .iter()
        .filter_map(|frame| {
            Some((
                location(sources, frame.location.as_ref()?)?,
                frame.desc.as_str(),
            ))
        })
        .collect();
    let innermost = frames.first().map(|(location, _)| location.clone());
    let site = |importer, path: &str, innermost: Option<Location>| {
        import_site(sources, importer, path)
            .or(innermost)
            .unwrap_or(Location::File { file })
    };
    let diagnostic = match (error.error(), import) {
        (_, Some(ImportFailure::Escape { importer, path })) => Diagnostic::error(
            Code::ImportEscape,
            format!(
                "import `{}` reaches outside the registry root",
                crate::text::shown(&path, 200)
            ),
        )
        .primary(
            site(importer, &path, innermost),
            "nothing outside the root is read",
        )
        .help("keep what the registry imports inside its root or a library path"),
        (
            _,
            Some(ImportFailure::NotFound {
                importer,
                path,
                suggestion,
            }),
        ) => Diagnostic::error(
            Code::ImportNotFound,
            format!("cannot find `{}` to import", crate::text::shown(&path, 200)),
        )
        .primary(
            site(importer, &path, innermost),
            "no such file in the registry",
        )
        .help_opt(suggestion.map(|near| format!("did you mean `{near}`?"))),
        (
            _,
            Some(ImportFailure::TooDeep {
                file: deep,
                range,
                importer,
                path,
            }),
        ) => super::engine::too_deep(sources, deep, range)
            .secondary(site(importer, &path, innermost), "imported here"),
        (
            _,
            Some(ImportFailure::ByteOrderMark {
                file: marked,
                importer,
                path,
            }),
        ) => super::engine::byte_order_mark(sources, marked)
            .secondary(site(importer, &path, innermost), "imported here"),
        (ErrorKind::ImportSyntaxError { error: syntax, .. }, None) => {
            let at = location(sources, &syntax.location).unwrap_or(Location::File { file });
            Diagnostic::error(
                Code::JsonnetSyntax,
                format!("syntax error: {}", syntax.message),
            )
            .primary(at, syntax.message.clone())
        }
        (ErrorKind::StackOverflow, None) => Diagnostic::error(
            Code::JsonnetRecursion,
            format!(
                "evaluation went deeper than {MAX_CALL_DEPTH} nested calls: it recursed without \
                 end or too deeply"
            ),
        )
        .primary(
            innermost.unwrap_or(Location::File { file }),
            "recursing here",
        )
        .help(format!(
            "look for a function that always calls itself; a finite recursion must stay within \
             {MAX_CALL_DEPTH} calls: fold over a list (`std.foldl`) instead"
        )),
        (ErrorKind::InfiniteRecursionDetected, None) => {
            Diagnostic::error(Code::JsonnetRecursion, "evaluation recursed without end")
                .primary(
                    innermost.unwrap_or(Location::File { file }),
                    "recursing here",
                )
                .help("look for fields that refer to each other, or a file that imports itself")
        }
        (ErrorKind::ImportBadFileUtf8(path), None) => Diagnostic::error(
            Code::NonUtf8,
            format!("`{}` is not valid UTF-8", name(path).unwrap_or_default()),
        )
        .primary(
            innermost.unwrap_or(Location::File { file }),
            "imported here",
        ),
        (kind, None) => {
            let message = match kind {
                ErrorKind::RuntimeError(message) => message.to_string(),
                other => other.to_string(),
            };
            Diagnostic::error(Code::JsonnetEval, message).primary(
                innermost.unwrap_or(Location::File { file }),
                "evaluation failed here",
            )
        }
    };
    with_trace(sources, file, diagnostic, &frames)
}

/// Adds the trace below the innermost frame, and a label at the entity file's own frame.
fn with_trace(
    sources: &Sources,
    file: FileId,
    mut diagnostic: Diagnostic,
    frames: &[(Location, &str)],
) -> Diagnostic {
    let primary_file = diagnostic
        .primary
        .as_ref()
        .and_then(|label| label.location.file());
    if primary_file != Some(file)
        && let Some((location, _)) = frames
            .iter()
            .rev()
            .find(|(location, _)| location.file() == Some(file))
    {
        diagnostic = diagnostic.secondary(location.clone(), "while evaluating this");
    }
    let mut lines: Vec<(String, usize)> = Vec::new();
    for (location, description) in frames {
        let line = format!("{}: {description}", position(sources, location));
        match lines.last_mut() {
            Some((last, count)) if *last == line => *count += 1,
            _ => lines.push((line, 1)),
        }
    }
    if lines.len() > 1 {
        let shown = lines.len().min(MAX_FRAMES);
        let mut trace: Vec<String> = lines[..shown]
            .iter()
            .map(|(line, count)| match count {
                1 => format!("  {line}"),
                count => format!("  {line} ({count} times)"),
            })
            .collect();
        if lines.len() > shown {
            trace.push(format!("  … and {} more frames", lines.len() - shown));
        }
        diagnostic = diagnostic.note(format!("trace, innermost first:\n{}", trace.join("\n")));
    }
    diagnostic
}

fn position(sources: &Sources, location: &Location) -> String {
    match location {
        Location::Span { file, range } => {
            let text = sources.text(*file).map_or("", |text| &**text);
            let (line, column) = crate::source::LineIndex::new(text).position(text, range.start);
            format!("{}:{line}:{column}", sources.file(*file).path)
        }
        other => other
            .file()
            .map(|file| sources.file(file).path.clone())
            .unwrap_or_default(),
    }
}

fn name(path: &jrsonnet_evaluator::SourcePath) -> Option<String> {
    path.downcast_ref::<SourceVirtual>()
        .map(|virtual_path| virtual_path.0.to_string())
}

/// Where `importer` writes the import of `path`.
fn import_site(sources: &Sources, importer: Option<FileId>, path: &str) -> Option<Location> {
    let file = importer?;
    let range = crate::source::locate::string(sources.text(file)?, path)?;
    Some(Location::Span { file, range })
}

/// A jrsonnet span in one of the registry's files; `None` for the standard library.
pub(super) fn location(sources: &Sources, span: &Span) -> Option<Location> {
    let file = sources.get(&name(span.0.source_path())?)?;
    let start = span.1 as usize;
    let end = (span.2 as usize).max(start);
    Some(Location::Span {
        file,
        range: start..end,
    })
}
