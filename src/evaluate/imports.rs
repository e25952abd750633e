//! A static check of every `import`, `importstr` and `importbin` literal in the registry's
//! Jsonnet files. Evaluation is lazy, so an import that is never used is never resolved; this
//! check still refuses one that would reach outside the root, wherever it is written.

use std::sync::LazyLock;

use regex::Regex;

use super::resolver::{candidates, crosses_escape};
use crate::diagnostic::{Code, Diagnostic, Location, Sink};
use crate::source::{Sources, normalize};

static IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bimport(?:str|bin)?\s*(?:'([^'\\\n]*)'|"([^"\\\n]*)")"#)
        .expect("the pattern compiles")
});

/// Reports every import literal that escapes the root, looked up as the resolver would: next to
/// the importing file, then on each library path.
pub(super) fn check(sources: &Sources, library_paths: &[String], sink: &mut Sink) {
    for (file, source) in sources.iter() {
        let path = source.path.as_str();
        if !(path.ends_with(".jsonnet") || path.ends_with(".libsonnet")) {
            continue;
        }
        let Some(text) = sources.text(file) else {
            continue;
        };
        let directory = path.rsplit_once('/').map_or("", |(directory, _)| directory);
        for found in IMPORT.captures_iter(text) {
            let literal = found
                .get(1)
                .or_else(|| found.get(2))
                .expect("one quote matched");
            let line_start = text[..literal.start()]
                .rfind('\n')
                .map_or(0, |index| index + 1);
            let before = &text[line_start..literal.start()];
            if before.contains("//") || before.contains('#') {
                continue;
            }
            let wanted = literal.as_str();
            let escapes = wanted.starts_with('/')
                || normalize(directory, wanted).is_none()
                || candidates(directory, wanted, library_paths)
                    .find(|candidate| {
                        crosses_escape(sources, candidate) || sources.get(candidate).is_some()
                    })
                    .is_some_and(|candidate| crosses_escape(sources, &candidate));
            if escapes {
                let quoted = literal.start() - 1..literal.end() + 1;
                sink.push(
                    Diagnostic::error(
                        Code::ImportEscape,
                        format!("import `{wanted}` reaches outside the registry root"),
                    )
                    .primary(
                        Location::Span {
                            file,
                            range: quoted,
                        },
                        "nothing outside the root is read",
                    )
                    .help("keep what the registry imports inside its root or a library path"),
                );
            }
        }
    }
}
