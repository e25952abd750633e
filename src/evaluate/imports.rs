//! A static check of every `import`, `importstr` and `importbin` in the registry's Jsonnet
//! files, found in their syntax trees. Evaluation is lazy, so an import that is never used is
//! never resolved; this check still refuses one that would reach outside the root, wherever
//! it is written and however its path is spelt (escapes, verbatim strings, text blocks).

use std::collections::HashMap;

use super::resolver::{candidates, crosses_escape};
use super::syntax::Walk;
use crate::diagnostic::{Code, Diagnostic, Location, Sink};
use crate::source::{FileId, Sources, normalize};

/// Whether the registry treats `path` as Jsonnet source.
pub(super) fn is_jsonnet(path: &str) -> bool {
    path.ends_with(".jsonnet") || path.ends_with(".libsonnet")
}

/// Reports every import in `walked` (the syntax trees read, by file) that escapes the root,
/// looked up as the resolver would: next to the importing file, then on each library path.
pub(super) fn check(
    sources: &Sources,
    library_paths: &[String],
    walked: &HashMap<FileId, Walk>,
    sink: &mut Sink,
) {
    let mut files: Vec<(&FileId, &Walk)> = walked.iter().collect();
    files.sort_by_key(|(file, _)| **file);
    for (&file, walk) in files {
        let path = sources.file(file).path.as_str();
        let directory = path.rsplit_once('/').map_or("", |(directory, _)| directory);
        for import in &walk.imports {
            let wanted = import.path.as_str();
            if escapes(sources, directory, wanted, library_paths) {
                sink.push(
                    Diagnostic::error(
                        Code::ImportEscape,
                        format!(
                            "import `{}` reaches outside the registry root",
                            crate::text::shown(wanted, 200)
                        ),
                    )
                    .primary(
                        Location::Span {
                            file,
                            range: import.range.clone(),
                        },
                        "nothing outside the root is read",
                    )
                    .help("keep what the registry imports inside its root or a library path"),
                );
            }
        }
    }
}

/// Whether importing `wanted` from a file in `directory` would leave the root.
fn escapes(sources: &Sources, directory: &str, wanted: &str, library_paths: &[String]) -> bool {
    // An absolute path, or one that climbs above the root.
    normalize(directory, wanted).is_none()
        || candidates(directory, wanted, library_paths)
            .find(|candidate| {
                crosses_escape(sources, candidate) || sources.get(candidate).is_some()
            })
            .is_some_and(|candidate| crosses_escape(sources, &candidate))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::check;
    use crate::diagnostic::{Location, Sink};
    use crate::evaluate::syntax::walk;
    use crate::source::{Content, SourceFile, Sources};

    /// The text of each refused import, by file.
    fn refused(files: &[(&str, &str)]) -> Vec<(String, String)> {
        let sources = Sources::new(
            String::new(),
            files
                .iter()
                .map(|(path, text)| SourceFile {
                    path: (*path).to_owned(),
                    content: Content::Text(Arc::from(*text)),
                })
                .chain(std::iter::once(SourceFile {
                    path: "lib/out".to_owned(),
                    content: Content::Escape {
                        target: "/etc".to_owned(),
                    },
                }))
                .collect(),
        );
        let walked: HashMap<_, _> = sources
            .iter()
            .filter_map(|(file, _)| Some((file, walk(sources.text(file)?))))
            .collect();
        let mut sink = Sink::default();
        check(&sources, &["lib".to_owned()], &walked, &mut sink);
        sink.into_sorted()
            .into_iter()
            .map(
                |diagnostic| match diagnostic.primary.map(|label| label.location) {
                    Some(Location::Span { file, range }) => (
                        sources.file(file).path.clone(),
                        sources.text(file).unwrap()[range].to_owned(),
                    ),
                    other => panic!("unexpected location {other:?}"),
                },
            )
            .collect()
    }

    #[test]
    fn refuses_every_spelling_of_an_escape_and_nothing_else() {
        let service = r#"
local a = importstr @'/etc/passwd';
local b = importstr "\u002e\u002e/\u002e\u002e/etc/passwd";
local c = importstr /* why not */ '../../etc/hostname';
local d = importstr |||
  /etc/shadow
|||;
local e = import 'out/x.libsonnet';
local fine = import 'lib.libsonnet';
{
  text: |||
    importstr '/etc/passwd'
  |||,
  quoted: "import '../../../x'",
}
"#;
        assert_eq!(
            refused(&[
                ("services/api.jsonnet", service),
                ("lib/lib.libsonnet", "{} // import '/etc/passwd'"),
                ("lib/never.libsonnet", "importbin '../../../x'"),
            ]),
            vec![
                ("lib/never.libsonnet".to_owned(), "'../../../x'".to_owned()),
                (
                    "services/api.jsonnet".to_owned(),
                    "@'/etc/passwd'".to_owned()
                ),
                (
                    "services/api.jsonnet".to_owned(),
                    r#""\u002e\u002e/\u002e\u002e/etc/passwd""#.to_owned()
                ),
                (
                    "services/api.jsonnet".to_owned(),
                    "'../../etc/hostname'".to_owned()
                ),
                (
                    "services/api.jsonnet".to_owned(),
                    "|||\n  /etc/shadow\n|||".to_owned()
                ),
                (
                    "services/api.jsonnet".to_owned(),
                    "'out/x.libsonnet'".to_owned()
                ),
            ]
        );
    }
}
